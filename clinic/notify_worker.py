"""The worker that drains the notification outbox: staff e-mail (SMTP) and webhook deliveries.

It runs either inside the action server (an asyncio task, see ``ensure_background_worker``
and ``attach_to_sanic``) or as its own process: ``python -m clinic.notify_worker`` (``--once``
drains what is due and exits). Several workers (replicas) can run at once: rows are leased,
never shared (``clinic.outbox``). Deliveries go out most urgent first; a failure is retried with
exponential back-off and never affects the visitor's conversation: the worker never runs in
the visitor's request, and database and network calls run off the event loop.

Where to send comes from the clinic file (``notifications.email_to``, ``notifications.webhook_url``,
re-read when it changes) and the environment (``SMTP_*``, ``NOTIFY_WEBHOOK_SECRET``). A channel
with nowhere to send is recorded as ``skipped``. ``NOTIFY_WORKER_IN_PROCESS=false`` keeps the
action server from starting its own worker (when a separate worker process is run instead).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import signal
import socket
import sys
import uuid
import weakref
from dataclasses import dataclass
from typing import Callable, Optional

from clinic.config import ClinicConfig, ConfigProvider
from clinic.db import Database, get_database
from clinic.env import env_bool
from clinic.errors import ClinicDatabaseError
from clinic.mailer import SmtpSettings, send_email
from clinic.models import DeliveryChannel
from clinic.outbox import (
    DEFAULT_LEASE,
    RETRY_BASE,
    Delivery,
    claim_due,
    max_attempts,
    record_delivered,
    record_failure,
    record_skipped,
)
from clinic.staff_messages import staff_email, webhook_body
from clinic.webhook import DELIVERY_HEADER, TOPIC_HEADER, post_webhook, webhook_secret

logger = logging.getLogger(__name__)

IN_PROCESS_ENV = "NOTIFY_WORKER_IN_PROCESS"
POLL_SECONDS = 5.0
MAX_IDLE_BACKOFF_SECONDS = 60.0


class ChannelNotConfigured(Exception):
    """There is nowhere to send this channel's notifications (recorded as ``skipped``)."""


@dataclass
class DrainReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.failed + self.skipped


class NotificationWorker:
    def __init__(
        self,
        db: Optional[Database] = None,
        config_source: Optional[Callable[[], ClinicConfig]] = None,
        smtp: Optional[SmtpSettings] = None,
        secret: Optional[str] = None,
        worker_id: Optional[str] = None,
        batch_size: int = 20,
        poll_seconds: float = POLL_SECONDS,
        retry_base: dt.timedelta = RETRY_BASE,
        attempts_allowed: Optional[int] = None,
        lease: dt.timedelta = DEFAULT_LEASE,
    ) -> None:
        self._db = db
        self.config_source = config_source or ConfigProvider().get
        self.smtp = smtp or SmtpSettings.from_env()
        self.secret = webhook_secret() if secret is None else secret
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retry_base = retry_base
        self.attempts_allowed = attempts_allowed or max_attempts()
        self.lease = lease
        self._wakeup: Optional[asyncio.Event] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping = False

    @property
    def db(self) -> Database:
        return self._db or get_database()

    # --- one delivery ------------------------------------------------------------------------

    async def _send_email(self, delivery: Delivery, config: ClinicConfig) -> None:
        recipients = list(config.notifications.email_to)
        if not recipients or not self.smtp.configured:
            raise ChannelNotConfigured(
                "no notifications.email_to in the clinic file" if not recipients else "SMTP_HOST is not set"
            )
        sender = self.smtp.sender or config.clinic.email
        message = staff_email(delivery, config, sender, recipients)
        refused = await asyncio.to_thread(send_email, self.smtp, message, recipients)
        if refused:
            logger.error("Staff notification %s: the SMTP server refused %s", delivery.id, sorted(refused))

    async def _send_webhook(self, delivery: Delivery, config: ClinicConfig) -> None:
        url = config.notifications.webhook_url
        if not url:
            raise ChannelNotConfigured("no notifications.webhook_url in the clinic file")
        headers = {DELIVERY_HEADER: str(delivery.id), TOPIC_HEADER: delivery.topic}
        await post_webhook(url, webhook_body(delivery, config), self.secret, headers)

    async def deliver(self, delivery: Delivery, config: ClinicConfig) -> None:
        """Send one delivery; raises ``ChannelNotConfigured`` or the channel's error."""
        if delivery.channel == DeliveryChannel.EMAIL:
            await self._send_email(delivery, config)
        elif delivery.channel == DeliveryChannel.WEBHOOK:
            await self._send_webhook(delivery, config)
        else:
            raise ChannelNotConfigured(f"unknown channel {delivery.channel!r}")

    # --- a batch -----------------------------------------------------------------------------

    async def run_once(self, now: Optional[dt.datetime] = None) -> DrainReport:
        """Claim what is due (most urgent first) and try each delivery once."""
        report = DrainReport()
        deliveries = await asyncio.to_thread(claim_due, self.db, self.worker_id, self.batch_size, self.lease, now)
        if not deliveries:
            return report
        config = self.config_source()
        for delivery in deliveries:
            try:
                await self.deliver(delivery, config)
            except ChannelNotConfigured as reason:
                await asyncio.to_thread(record_skipped, self.db, delivery, self.worker_id, str(reason), now)
                report.skipped += 1
            except Exception as error:  # any failure of one delivery is recorded and retried, never raised
                status = await asyncio.to_thread(
                    record_failure,
                    self.db,
                    delivery,
                    self.worker_id,
                    f"{type(error).__name__}: {error}",
                    self.attempts_allowed,
                    self.retry_base,
                    now,
                )
                if status == "failed":
                    report.failed += 1
                else:
                    report.retried += 1
            else:
                await asyncio.to_thread(record_delivered, self.db, delivery, self.worker_id, now)
                report.delivered += 1
                logger.info("Staff notification %s (%s) sent by %s", delivery.id, delivery.topic, delivery.channel)
        return report

    # --- the loop ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll (callable from any thread)."""
        if self._wakeup is None or self._loop is None or self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wakeup.set()
        else:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def stop(self) -> None:
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Drain the outbox until ``stop()``; database outages are waited out with back-off."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        idle_wait = self.poll_seconds
        logger.info("Staff notification worker %s started", self.worker_id)
        while not self._stopping:
            try:
                report = await self.run_once()
                idle_wait = self.poll_seconds
                if report.handled >= self.batch_size:
                    continue  # more may be due right away
            except ClinicDatabaseError as error:
                idle_wait = min(idle_wait * 2, MAX_IDLE_BACKOFF_SECONDS)
                logger.warning(
                    "Staff notification worker: database unavailable (%s); retrying in %.0f s", error, idle_wait
                )
            except Exception:
                idle_wait = min(idle_wait * 2, MAX_IDLE_BACKOFF_SECONDS)
                logger.exception("Staff notification worker: unexpected error; retrying in %.0f s", idle_wait)
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=idle_wait)
            except asyncio.TimeoutError:
                pass
            self._wakeup.clear()
        logger.info("Staff notification worker %s stopped", self.worker_id)


# --- inside another asyncio server (the action server, the staff console) ----------------------

_background: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple]" = weakref.WeakKeyDictionary()


def in_process_enabled() -> bool:
    return env_bool(IN_PROCESS_ENV, True)


def ensure_background_worker(**worker_options) -> Optional[NotificationWorker]:
    """Start (once per event loop) or wake the worker as a task of the running loop.

    Call it after creating a ticket or registration from code running on an event loop (an
    action's ``run``); it returns at once. Returns None (and does nothing) outside a running
    loop or when ``NOTIFY_WORKER_IN_PROCESS`` is false.
    """
    if not in_process_enabled():
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    entry = _background.get(loop)
    if entry is not None and not entry[1].done():
        entry[0].wake()
        return entry[0]
    worker = NotificationWorker(**worker_options)
    task = loop.create_task(worker.run(), name="clinic-notification-worker")
    _background[loop] = (worker, task)
    return worker


async def stop_background_worker(timeout: float = 10.0) -> None:
    """Stop the running loop's background worker, letting the current delivery finish."""
    entry = _background.pop(asyncio.get_running_loop(), None)
    if entry is None:
        return
    worker, task = entry
    worker.stop()
    try:
        await asyncio.wait_for(task, timeout)
    except asyncio.TimeoutError:
        task.cancel()


def attach_to_sanic(app) -> None:
    """Run the worker for the lifetime of a Sanic app (the action server, the staff console)."""

    async def _start(_app, _loop) -> None:
        ensure_background_worker()

    async def _stop(_app, _loop) -> None:
        await stop_background_worker()

    app.register_listener(_start, "after_server_start")
    app.register_listener(_stop, "before_server_stop")


# --- its own process ---------------------------------------------------------------------------


async def _serve(once: bool) -> int:
    worker = NotificationWorker()
    if once:
        report = await worker.run_once()
        print(
            f"delivered {report.delivered}, retrying {report.retried}, failed {report.failed}, skipped {report.skipped}"
        )
        return 0
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, worker.stop)
    await worker.run()
    return 0


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clinic.notify_worker", description="Send staff notifications from the clinic database's outbox."
    )
    parser.add_argument("--once", action="store_true", help="send what is due now, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_serve(args.once))
    except ClinicDatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
