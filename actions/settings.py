"""The action server's settings: read from the environment through clinic.env's parsers, once,
and all checked when the action server starts (actions/__init__), so a bad value stops it with
a message naming the variable instead of failing in a visitor's conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Tuple

from sqlalchemy.exc import ArgumentError

from clinic.db import DATABASE_URL_ENV, database_url, safe_url, timeout_seconds
from clinic.env import SettingError, env_float
from clinic.mailer import SmtpSettings
from clinic.notify_worker import in_process_enabled
from clinic.outbox import max_attempts

FAQ_CONFIDENCE_THRESHOLD_ENV = "FAQ_CONFIDENCE_THRESHOLD"
DEFAULT_FAQ_CONFIDENCE_THRESHOLD = 0.5


@dataclass(frozen=True)
class ActionSettings:
    """What the actions themselves read (the clinic package reads its own: database, notifications)."""

    # Below this ResponseSelector confidence the FAQ answer is not given; the visitor is asked.
    faq_confidence_threshold: float

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "ActionSettings":
        return cls(
            faq_confidence_threshold=env_float(
                FAQ_CONFIDENCE_THRESHOLD_ENV, DEFAULT_FAQ_CONFIDENCE_THRESHOLD, 0.0, 1.0, environ
            )
        )


_settings: Optional[ActionSettings] = None


def settings() -> ActionSettings:
    """The settings, read on first use (the action server reads them at start-up)."""
    global _settings
    if _settings is None:
        _settings = ActionSettings.from_env()
    return _settings


def reset_for_tests() -> None:
    global _settings
    _settings = None


def _database_url_is_a_url() -> None:
    try:
        safe_url(database_url())  # at least a URL here; its database is reached on first use
    except ArgumentError:
        raise SettingError(DATABASE_URL_ENV, "(not shown: it may hold a password)", "a database URL") from None


# Each parses one group of settings the action server reads (SettingError names the variable).
_CHECKS: Tuple[Callable[[], object], ...] = (
    settings,
    _database_url_is_a_url,
    timeout_seconds,  # CLINIC_DB_TIMEOUT
    max_attempts,  # NOTIFY_MAX_ATTEMPTS
    in_process_enabled,  # NOTIFY_WORKER_IN_PROCESS
    SmtpSettings.from_env,  # SMTP_*
)


def setting_errors() -> List[SettingError]:
    """Every bad setting at once, so an operator fixes them in one go rather than one per restart."""
    reset_for_tests()
    errors = []
    for check in _CHECKS:
        try:
            check()
        except SettingError as error:
            errors.append(error)
    return errors
