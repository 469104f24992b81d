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

from clinic.env import env_bool, env_duration, env_port, env_str


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
        """Settings from SMTP_* variables; ``SettingError`` names a bad one."""
        port = env_port("SMTP_PORT", 587, env)
        return cls(
            host=env_str("SMTP_HOST", "", env),
            port=port,
            user=env_str("SMTP_USER", "", env),
            password=(os.environ if env is None else env).get("SMTP_PASSWORD") or "",  # kept as typed
            sender=env_str("SMTP_FROM", "", env),
            starttls=env_bool("SMTP_STARTTLS", port == 587, env),
            use_ssl=env_bool("SMTP_SSL", port == 465, env),
            timeout=env_duration("SMTP_TIMEOUT", 15.0, 0.5, 300, env),
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
