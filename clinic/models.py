"""The clinic database's tables (SQLAlchemy 1.4 declarative models).

The schema itself is created and changed only by the Alembic migrations in ``migrations/``;
``tests/test_db_schema.py`` checks that these models and the migrations agree.

Times are stored in UTC and always come back as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always reads back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("clinic timestamps must be timezone-aware")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Priority(IntEnum):
    """Lower numbers are handled (and notified) first."""

    URGENT = 1
    HIGH = 2
    NORMAL = 3
    LOW = 4


class TicketKind:
    MEDICAL = "medical"
    URGENT = "urgent"
    HUMAN = "human"
    BOOKING = "booking"
    ALL = (MEDICAL, URGENT, HUMAN, BOOKING)


class TicketStatus:
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    ALL = (OPEN, IN_PROGRESS, RESOLVED)
    ACTIVE = (OPEN, IN_PROGRESS)


class RegistrationStatus:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ALL = (CONFIRMED, WAITLISTED, CANCELLED)


class DeliveryStatus:
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a worker until claimed_until
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # the channel is not configured (nothing to send to)
    FAILED = "failed"  # gave up after the maximum number of attempts; staff can requeue
    ALL = (PENDING, SENDING, DELIVERED, SKIPPED, FAILED)


class DeliveryChannel:
    EMAIL = "email"
    WEBHOOK = "webhook"
    ALL = (EMAIL, WEBHOOK)


class Timestamped:
    """``created_at`` and ``updated_at`` (set on every ORM update)."""

    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


def one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Ticket(Timestamped, Base):
    """A hand-off to the clinic's staff: a medical question, an urgent concern, a person, a booking."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    kind = Column(String(16), nullable=False)
    priority = Column(SmallInteger, nullable=False)
    status = Column(String(16), nullable=False, default=TicketStatus.OPEN)
    visitor_name = Column(String(100))
    email = Column(String(254))
    phone = Column(String(16))
    consent = Column(Boolean, nullable=False, default=False)
    channel = Column(String(32), nullable=False, default="")
    sender_id = Column(String(255), nullable=False)
    message = Column(Text, nullable=False, default="")
    context = Column(JSON, nullable=False, default=list)
    preferred_times = Column(Text)
    assignee = Column(String(100))
    notes = Column(Text)
    resolved_at = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(one_of("kind", TicketKind.ALL), name="kind"),
        CheckConstraint(one_of("status", TicketStatus.ALL), name="status"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        # One open ticket per conversation and kind: the database enforces the idempotency.
        Index(
            "uq_tickets_active_per_sender_kind",
            "sender_id",
            "kind",
            unique=True,
            sqlite_where=text("status <> 'resolved'"),
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_tickets_queue", "status", "priority", "created_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in TicketStatus.ACTIVE


class EventRegistration(Timestamped, Base):
    """A visitor's place (or waitlist place) at one of the clinic's events."""

    __tablename__ = "event_registrations"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    event_id = Column(String(63), nullable=False)
    name = Column(String(100), nullable=False)
    email = Column(String(254), nullable=False)
    guests = Column(SmallInteger, nullable=False, default=0)
    status = Column(String(16), nullable=False)
    channel = Column(String(32), nullable=False, default="")
    sender_id = Column(String(255), nullable=False, default="")
    cancelled_at = Column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("event_id", "email", name="uq_event_registrations_event_email"),
        CheckConstraint(one_of("status", RegistrationStatus.ALL), name="status"),
        CheckConstraint("guests >= 0", name="guests"),
        Index("ix_event_registrations_seats", "event_id", "status", "id"),
        Index("ix_event_registrations_sender", "sender_id"),
    )

    @property
    def seats(self) -> int:
        return 1 + self.guests


class EventLock(Base):
    """One row per event, locked while its seats are counted and changed (no double booking)."""

    __tablename__ = "event_locks"

    event_id = Column(String(63), primary_key=True)


class OutboxMessage(Timestamped, Base):
    """A staff notification waiting for (or done with) delivery on one channel."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    topic = Column(String(40), nullable=False)
    channel = Column(String(16), nullable=False)
    priority = Column(SmallInteger, nullable=False)
    payload = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, default=DeliveryStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_by = Column(String(64))
    claimed_until = Column(UTCDateTime)
    last_error = Column(Text)
    delivered_at = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(one_of("channel", DeliveryChannel.ALL), name="channel"),
        CheckConstraint(one_of("status", DeliveryStatus.ALL), name="status"),
        Index("ix_outbox_due", "status", "priority", "next_attempt_at", "id"),
    )
