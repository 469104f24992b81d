"""The notification outbox: staff notifications written with the change they announce, sent later.

``enqueue`` adds one row per delivery channel (e-mail, webhook) in the caller's transaction,
so a ticket or registration and its notifications are committed together or not at all.

A worker then ``claim_due``s rows (urgent first, oldest first). A claim is a lease: the row is
marked ``sending`` by that worker until ``claimed_until``; on PostgreSQL the claim query uses
``FOR UPDATE SKIP LOCKED`` so that several workers (replicas) never take the same row, and on
SQLite the ``BEGIN IMMEDIATE`` transaction does the same. A row whose worker died is claimed
again once its lease expires. Each outcome is recorded only by the worker holding the lease:
``record_delivered``, ``record_skipped`` (channel not configured) or ``record_failure``, which
schedules the next attempt with exponential back-off, or gives up (``failed``, kept for staff
to see and ``requeue_failed``) after the maximum number of attempts.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from clinic.db import Database
from clinic.env import env_int
from clinic.models import DeliveryChannel, DeliveryStatus, OutboxMessage, utcnow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS_ENV = "NOTIFY_MAX_ATTEMPTS"
DEFAULT_MAX_ATTEMPTS = 25  # with the delays below, about a day of retrying
RETRY_BASE = dt.timedelta(seconds=30)
RETRY_CAP = dt.timedelta(hours=1)
DEFAULT_LEASE = dt.timedelta(minutes=5)
ERROR_MAX_LENGTH = 1000


class Topic:
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_CANCELLED = "registration.cancelled"
    REGISTRATION_PROMOTED = "registration.promoted"


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox row, detached from the database."""

    id: int
    topic: str
    channel: str
    priority: int
    payload: Dict[str, Any]
    attempt: int  # 1 for the first attempt
    created_at: dt.datetime


def max_attempts() -> int:
    """NOTIFY_MAX_ATTEMPTS (``SettingError`` when it is not a whole number from 1 to 1000)."""
    return env_int(MAX_ATTEMPTS_ENV, DEFAULT_MAX_ATTEMPTS, 1, 1000)


def retry_delay(attempt: int, base: dt.timedelta = RETRY_BASE, cap: dt.timedelta = RETRY_CAP) -> dt.timedelta:
    """Exponential back-off after the ``attempt``-th failure, capped, with ±10% jitter."""
    delay = min(base * (2 ** max(0, attempt - 1)), cap)
    return delay * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not a secret


def enqueue(
    session: Session, topic: str, payload: Dict[str, Any], priority: int, now: Optional[dt.datetime] = None
) -> List[OutboxMessage]:
    """Add the notification for every channel to the caller's transaction (nothing is sent here)."""
    now = now or utcnow()
    rows = [
        OutboxMessage(
            topic=topic,
            channel=channel,
            priority=int(priority),
            payload=payload,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for channel in DeliveryChannel.ALL
    ]
    session.add_all(rows)
    return rows


def claim_due(
    db: Database,
    worker_id: str,
    limit: int = 20,
    lease: dt.timedelta = DEFAULT_LEASE,
    now: Optional[dt.datetime] = None,
) -> List[Delivery]:
    """Lease up to ``limit`` due rows to ``worker_id``, most urgent and oldest first."""
    now = now or utcnow()
    due = or_(
        and_(OutboxMessage.status == DeliveryStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == DeliveryStatus.SENDING, OutboxMessage.claimed_until < now),
    )
    query = (
        select(OutboxMessage)
        .where(due)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with db.transaction() as session:
        rows = session.execute(query).scalars().all()
        for row in rows:
            if row.status == DeliveryStatus.SENDING:
                logger.warning("Outbox row %s: the lease of %s expired; claiming it again", row.id, row.claimed_by)
            row.status = DeliveryStatus.SENDING
            row.claimed_by = worker_id
            row.claimed_until = now + lease
            row.attempts += 1
            row.updated_at = now
        return [
            Delivery(row.id, row.topic, row.channel, row.priority, dict(row.payload), row.attempts, row.created_at)
            for row in rows
        ]


def _finish(db: Database, delivery: Delivery, worker_id: str, **values: Any) -> bool:
    """Update a row this worker still holds; False (and a warning) when the lease was lost."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == delivery.id,
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.status == DeliveryStatus.SENDING,
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    with db.transaction() as session:
        updated = session.execute(statement).rowcount == 1
    if not updated:
        logger.warning("Outbox row %s: %s no longer holds its lease; outcome not recorded", delivery.id, worker_id)
    return updated


def record_delivered(db: Database, delivery: Delivery, worker_id: str, now: Optional[dt.datetime] = None) -> bool:
    now = now or utcnow()
    return _finish(
        db, delivery, worker_id, status=DeliveryStatus.DELIVERED, delivered_at=now, updated_at=now, last_error=None
    )


def record_skipped(
    db: Database, delivery: Delivery, worker_id: str, reason: str, now: Optional[dt.datetime] = None
) -> bool:
    now = now or utcnow()
    return _finish(
        db, delivery, worker_id, status=DeliveryStatus.SKIPPED, updated_at=now, last_error=reason[:ERROR_MAX_LENGTH]
    )


def record_failure(
    db: Database,
    delivery: Delivery,
    worker_id: str,
    error: str,
    attempts_allowed: int,
    retry_base: dt.timedelta = RETRY_BASE,
    now: Optional[dt.datetime] = None,
) -> str:
    """Record a failed attempt; return the row's new status (``pending`` again, or ``failed``)."""
    now = now or utcnow()
    message = error[:ERROR_MAX_LENGTH]
    if delivery.attempt >= attempts_allowed:
        logger.error(
            "Staff notification %s (%s, %s) failed for good after %d attempts: %s",
            delivery.id,
            delivery.topic,
            delivery.channel,
            delivery.attempt,
            message,
        )
        _finish(db, delivery, worker_id, status=DeliveryStatus.FAILED, updated_at=now, last_error=message)
        return DeliveryStatus.FAILED
    next_attempt = now + retry_delay(delivery.attempt, retry_base)
    logger.warning(
        "Staff notification %s (%s, %s) attempt %d failed, retrying at %s: %s",
        delivery.id,
        delivery.topic,
        delivery.channel,
        delivery.attempt,
        next_attempt.isoformat(),
        message,
    )
    _finish(
        db,
        delivery,
        worker_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at=next_attempt,
        updated_at=now,
        last_error=message,
    )
    return DeliveryStatus.PENDING


def requeue_failed(db: Database, now: Optional[dt.datetime] = None) -> int:
    """Give every ``failed`` row a fresh set of attempts (for staff, after fixing the settings)."""
    now = now or utcnow()
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    with db.transaction() as session:
        return session.execute(statement).rowcount


def count_by_status(db: Database) -> Dict[str, int]:
    with db.transaction(read_only=True) as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}
