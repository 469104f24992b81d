"""Throttling of failed sign-ins to the staff console, per account and per address.

Each failed sign-in counts against two keys: the account typed (``account:<name>``, whether
or not it exists, so that throttling reveals nothing about which accounts exist) and the
address it came from (``address:<ip>``). After ``max_failures`` failures in a row on a key,
that key is refused until ``lockout`` has passed: the next attempt (the sixth, by default) is
turned away with a message saying when to try again, before the password is even checked.
A successful sign-in clears both keys. A failure streak older than ``forget_after`` starts
again from zero. Counters live in the clinic database, so every console process sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, List, Optional

from sqlalchemy import delete, select

from clinic.console_models import SignInThrottle
from clinic.db import Database, dialect_insert
from clinic.models import utcnow


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    forget_after: dt.timedelta = dt.timedelta(hours=24)


def throttle_keys(username: str, address: str) -> List[str]:
    return [f"account:{username.strip().lower()[:100]}", f"address:{address[:100]}"]


def locked_until(db: Database, keys: Iterable[str], now: Optional[dt.datetime] = None) -> Optional[dt.datetime]:
    """When the latest lock on any of ``keys`` ends, if one is in force now."""
    now = now or utcnow()
    with db.transaction(read_only=True) as session:
        rows = session.execute(select(SignInThrottle.locked_until).where(SignInThrottle.key.in_(list(keys)))).scalars()
        ends = [end for end in rows if end is not None and end > now]
    return max(ends) if ends else None


def record_failure(
    db: Database, keys: Iterable[str], policy: ThrottlePolicy, now: Optional[dt.datetime] = None
) -> Optional[dt.datetime]:
    """Count a failed sign-in on each key; returns the lock's end if this failure locked one."""
    now = now or utcnow()
    lock_ends = []
    with db.transaction() as session:
        for key in keys:
            session.execute(
                dialect_insert(session, SignInThrottle)
                .values(key=key, failures=0, last_failure_at=now)
                .on_conflict_do_nothing(index_elements=[SignInThrottle.key])
            )
            row = session.execute(
                select(SignInThrottle)
                .where(SignInThrottle.key == key)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one()
            if row.failures and now - row.last_failure_at > policy.forget_after:
                row.failures, row.locked_until = 0, None
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= policy.max_failures:
                row.locked_until = now + policy.lockout
                lock_ends.append(row.locked_until)
    return max(lock_ends) if lock_ends else None


def record_success(db: Database, keys: Iterable[str]) -> None:
    with db.transaction() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(list(keys))))
