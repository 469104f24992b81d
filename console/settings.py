"""The staff console's settings, read once from the environment when it starts.

Every value has a safe default for one machine (loopback only, the embedded SQLite files)
and is validated: a bad value stops the console with a message naming the variable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from clinic.config import config_path
from clinic.db import database_url
from clinic.env import env_bool, env_choice, env_duration, env_int, env_port, env_str
from clinic.sign_in_throttle import ThrottlePolicy
from clinic.staff_sessions import SessionLimits
from clinic.tracker_store import tracker_url_from_endpoints

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8090


@dataclass(frozen=True)
class ConsoleSettings:
    database_url: str  # the clinic database (tickets, registrations, the console's own tables)
    tracker_store_url: str  # Rasa's tracker store, read-only
    clinic_file: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    session: SessionLimits = SessionLimits(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))
    # None: Secure cookies whenever the request came over HTTPS (directly or, with
    # trust_proxy, as the proxy's X-Forwarded-Proto says); True/False: always/never.
    secure_cookies: Optional[bool] = None
    trust_proxy: bool = False
    throttle: ThrottlePolicy = ThrottlePolicy()
    index_interval_seconds: float = 5.0
    request_max_bytes: int = 1_000_000

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "ConsoleSettings":
        secure = env_choice("CONSOLE_SECURE_COOKIES", "auto", ("auto", "true", "false"), environ)
        return cls(
            database_url=env_str("DATABASE_URL", "", environ) or database_url(),
            tracker_store_url=env_str("TRACKER_STORE_URL", "", environ)
            or tracker_url_from_endpoints(Path(env_str("RASA_ENDPOINTS", str(ROOT / "endpoints.yml"), environ))),
            clinic_file=Path(env_str("CLINIC_CONFIG", "", environ) or config_path()),
            host=env_str("CONSOLE_HOST", "", environ) or env_str("BIND_HOST", "127.0.0.1", environ),
            port=env_port("CONSOLE_PORT", DEFAULT_PORT, environ),
            workers=env_int("CONSOLE_WORKERS", 1, 1, 16, environ),
            session=SessionLimits(
                idle=dt.timedelta(seconds=env_duration("CONSOLE_SESSION_IDLE", 30 * 60, 60, 86400, environ)),
                absolute=dt.timedelta(
                    seconds=env_duration("CONSOLE_SESSION_MAX_AGE", 12 * 3600, 300, 30 * 86400, environ)
                ),
            ),
            secure_cookies=None if secure == "auto" else secure == "true",
            trust_proxy=env_bool("CONSOLE_TRUST_PROXY", False, environ),
            throttle=ThrottlePolicy(
                max_failures=env_int("CONSOLE_SIGN_IN_MAX_FAILURES", 5, 1, 100, environ),
                lockout=dt.timedelta(seconds=env_duration("CONSOLE_SIGN_IN_LOCKOUT", 15 * 60, 1, 7 * 86400, environ)),
            ),
            index_interval_seconds=env_duration("CONSOLE_INDEX_INTERVAL", 5, 0.1, 3600, environ),
        )
