"""Real local receivers for staff notifications: an SMTP server (aiosmtpd) and a webhook (aiohttp).

Both run in threads of their own on free loopback ports, record what they receive, and can be
told to fail their first N deliveries (SMTP 451 / HTTP 500) to exercise retries.
"""

from __future__ import annotations

import asyncio
import email
import json
import threading
import time
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, Callable, Dict, List

from aiohttp import web
from aiosmtpd.controller import Controller

from clinic.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from ops.services import free_port


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class SmtpInbox:
    """An SMTP server on 127.0.0.1 that keeps every accepted message."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.attempts = 0
        self.messages: List[EmailMessage] = []
        self.envelopes: List[Any] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd handler hook
        self.attempts += 1
        if self.attempts <= self.fail_first:
            return "451 4.3.0 Temporarily unable to accept mail, try again later"
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def __enter__(self) -> "SmtpInbox":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 that records each POST and checks its signature."""

    def __init__(self, secret: str, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.requests: List[Dict[str, Any]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/clinic-hook"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        record = {
            "headers": dict(request.headers),
            "body": body,
            "json": json.loads(body),
            "verified": verify_signature(
                self.secret, request.headers.get(TIMESTAMP_HEADER, ""), body, request.headers.get(SIGNATURE_HEADER, "")
            ),
            "delivery": request.headers.get(DELIVERY_HEADER),
        }
        self.requests.append(record)
        if len(self.requests) <= self.fail_first:
            return web.Response(status=500, text="receiver not ready")
        return web.json_response({"ok": True})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/clinic-hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def accepted(self) -> List[Dict[str, Any]]:
        return self.requests[self.fail_first :]
