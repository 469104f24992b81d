"""Server-side sessions of the staff console.

The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256,
the account, a CSRF token, and the times that bound the session: it ends after
``idle`` without a request, and at ``expires_at`` (the absolute limit) whatever happens. Because
the rows are shared by every console process, signing out, disabling an account or resetting
its password ends its sessions everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import delete, or_, select

from clinic.console_models import StaffSession, StaffUser
from clinic.db import Database
from clinic.models import utcnow

TOKEN_BYTES = 32
# last_seen_at is written at most this often: a page of requests does not become a page of writes.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLimits:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True)
class ActiveSession:
    """A valid session and its (active) account, detached from the database."""

    token_hash: str
    csrf_token: str
    user: StaffUser
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_session(
    db: Database, user_id: int, limits: SessionLimits, address: str = "", user_agent: str = ""
) -> tuple[str, ActiveSession]:
    """A new session for the account; returns the cookie token (never stored) and the session."""
    token = new_token()
    now = utcnow()
    row = StaffSession(
        token_hash=token_hash(token),
        user_id=user_id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + limits.absolute,
        address=address[:64],
        user_agent=user_agent[:255],
    )
    with db.transaction() as session:
        session.add(row)
        user = session.get(StaffUser, user_id)
    return token, ActiveSession(row.token_hash, row.csrf_token, user, row.expires_at)


def load_session(
    db: Database, token: Optional[str], limits: SessionLimits, now: Optional[dt.datetime] = None
) -> Optional[ActiveSession]:
    """The session for a cookie token, if it exists, has not expired, and its account is
    active; an expired session is deleted on the way."""
    if not token or len(token) > 128:
        return None
    hashed = token_hash(token)
    now = now or utcnow()
    with db.transaction(read_only=True) as session:
        found = session.execute(
            select(StaffSession, StaffUser).join(StaffUser).where(StaffSession.token_hash == hashed)
        ).first()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or row.last_seen_at + limits.idle <= now or not user.active:
        end_session(db, hashed)
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        with db.transaction() as session:
            session.execute(
                StaffSession.__table__.update().where(StaffSession.token_hash == hashed).values(last_seen_at=now)
            )
    return ActiveSession(hashed, row.csrf_token, user, row.expires_at)


def end_session(db: Database, hashed: str) -> None:
    with db.transaction() as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == hashed))


def purge_expired_sessions(db: Database, limits: SessionLimits, now: Optional[dt.datetime] = None) -> int:
    """Delete sessions past either limit; returns how many."""
    now = now or utcnow()
    with db.transaction() as session:
        result = session.execute(
            delete(StaffSession).where(
                or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= now - limits.idle)
            )
        )
        return result.rowcount or 0


def csrf_matches(expected: str, given: Optional[str]) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode("utf-8", "replace"))
