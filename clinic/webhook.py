"""Posting staff notifications to the clinic's webhook, signed with HMAC-SHA256.

Each request carries ``X-Clinic-Timestamp`` (Unix seconds), ``X-Clinic-Signature``
(``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body`` with the shared secret
``NOTIFY_WEBHOOK_SECRET``), ``X-Clinic-Delivery`` (the outbox row id, the same on every retry:
receivers can use it to drop a repeat) and ``X-Clinic-Topic``. A receiver checks the signature
with ``verify_signature``. Only ``https://`` URLs are used, except on the loopback interface.
A 2xx answer is a delivery; anything else (or no answer within the timeout) is retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import os
import time
from typing import Mapping, Optional
from urllib.parse import urlsplit

import aiohttp

SECRET_ENV = "NOTIFY_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Clinic-Signature"
TIMESTAMP_HEADER = "X-Clinic-Timestamp"
DELIVERY_HEADER = "X-Clinic-Delivery"
TOPIC_HEADER = "X-Clinic-Topic"
MAX_AGE_SECONDS = 300


class WebhookError(Exception):
    """The webhook could not be (or was not) delivered."""


def webhook_secret() -> str:
    return os.environ.get(SECRET_ENV, "")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: Optional[float] = None,
    max_age: int = MAX_AGE_SECONDS,
) -> bool:
    """True when ``signature`` is right for the body and the timestamp is recent (replay protection)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= max_age and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def check_url(url: str) -> None:
    """Raise ``WebhookError`` unless the URL is https (or http on the loopback interface)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return
    raise WebhookError(f"the webhook URL must use https:// (got {url!r})")


async def post_webhook(
    url: str, body: bytes, secret: str, headers: Mapping[str, str], timeout: float = TIMEOUT_SECONDS
) -> int:
    """POST a signed JSON body; return the HTTP status. Raises ``WebhookError`` unless it is 2xx."""
    check_url(url)
    if not secret:
        raise WebhookError(f"{SECRET_ENV} is not set: refusing to send an unsigned webhook")
    timestamp = str(int(time.time()))
    all_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "clinic-assistant-notifier",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        **headers,
    }
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as client:
            async with client.post(url, data=body, headers=all_headers, allow_redirects=False) as response:
                if not 200 <= response.status < 300:
                    text = (await response.text(errors="replace"))[:200]
                    raise WebhookError(f"the webhook answered HTTP {response.status}: {text}")
                return response.status
    except aiohttp.ClientError as error:
        raise WebhookError(f"the webhook could not be reached: {error!r}") from error
    except (asyncio.TimeoutError, TimeoutError) as error:  # distinct classes before Python 3.11
        raise WebhookError(f"the webhook did not answer within {timeout:g} s") from error
