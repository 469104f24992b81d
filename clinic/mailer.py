"""Sending e-mail through the clinic's SMTP server, configured by environment variables.

``SMTP_HOST`` (no host: e-mail notifications are off), ``SMTP_PORT`` (default 587),
``SMTP_USER`` / ``SMTP_PASSWORD`` (log in when a user is set), ``SMTP_FROM`` (default: the
clinic's own address), ``SMTP_STARTTLS`` (true/false; default true on port 587),
``SMTP_SSL`` (true for implicit TLS, usually port 465), ``SMTP_TIMEOUT`` (seconds, default 15).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Dict, List, Mapping, Optional

_TRUE = {"1", "true", "yes", "on"}


def _flag(value: Optional[str], default: bool) -> bool:
    return default if value is None or not value.strip() else value.strip().lower() in _TRUE


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = True
    use_ssl: bool = False
    timeout: float = 15.0

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "SmtpSettings":
        env = os.environ if env is None else env
        port = int(env.get("SMTP_PORT") or 587)
        return cls(
            host=(env.get("SMTP_HOST") or "").strip(),
            port=port,
            user=env.get("SMTP_USER") or "",
            password=env.get("SMTP_PASSWORD") or "",
            sender=(env.get("SMTP_FROM") or "").strip(),
            starttls=_flag(env.get("SMTP_STARTTLS"), default=port == 587),
            use_ssl=_flag(env.get("SMTP_SSL"), default=port == 465),
            timeout=float(env.get("SMTP_TIMEOUT") or 15),
        )


def send_email(settings: SmtpSettings, message: EmailMessage, recipients: List[str]) -> Dict[str, tuple]:
    """Send one message (blocking; run it in a thread from async code).

    Raises when nothing was sent. Returns the recipients the server refused while accepting
    others (re-sending would duplicate the message for those who got it, so that is not retried).
    """
    context = ssl.create_default_context()
    if settings.use_ssl:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        client.ehlo()
        if settings.starttls and not settings.use_ssl:
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password)
        return client.send_message(message, to_addrs=recipients)
