"""Registrations for the clinic's events (the events themselves come from the clinic file).

- One registration per e-mail address and event: registering again returns the existing one
  (``existed=True``); after a cancellation it is a new registration (new reference, back of
  the waitlist if the event is full).
- Seats are the visitor plus their guests. While the confirmed seats fit the event's
  capacity a registration is ``confirmed``; otherwise the whole party is ``waitlisted``.
- Events that have started or are over refuse registration and cancellation (``EventClosed``).
- Cancelling (by the same e-mail address, or the same conversation) frees the seats and
  promotes waitlisted registrations in the order they registered, as long as the first in
  line fits; staff are notified of each promotion so they can tell the visitor.

Seat counting and changes hold a row lock on the event's ``event_locks`` row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), so
two visitors racing for the last seat never both get it. The registration and its staff
notification are committed together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.config import ClinicConfig, Event
from clinic.db import Database, dialect_insert, get_database, is_unique_violation
from clinic.errors import ClinicDatabaseError, EventClosed, InvalidInput, RegistrationNotFound, UnknownEvent
from clinic.models import EventLock, EventRegistration, Priority, RegistrationStatus, utcnow
from clinic.outbox import Topic, enqueue
from clinic.references import REGISTRATION_PREFIX, new_reference
from clinic.validation import clean_text, email_key, validate_email, validate_name

REFERENCE_DRAWS = 10


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: EventRegistration  # detached; its attributes stay readable
    event: Event
    existed: bool  # True: this e-mail address was already registered (nothing changed)
    seats_left: int  # confirmed seats still free after this call
    waitlist_position: Optional[int] = None  # 1-based, when waitlisted


@dataclass(frozen=True)
class CancellationOutcome:
    registration: EventRegistration
    event: Event
    promoted: List[EventRegistration] = field(default_factory=list)  # moved from the waitlist to confirmed


def upcoming_event(config: ClinicConfig, event_id: str, now: Optional[dt.datetime] = None) -> Event:
    """The event, if it exists and has not started yet; else ``UnknownEvent`` / ``EventClosed``."""
    event = config.find_event(event_id)
    if event is None:
        raise UnknownEvent(event_id)
    now = now or utcnow()
    if event.starts_at(config.tz) <= now:
        raise EventClosed(event_id, event.title)
    return event


def validate_guests(event: Event, guests: Any) -> int:
    """The number of guests as an int within the event's limit, else ``InvalidInput``."""
    try:
        count = int(str(guests).strip() or 0)
    except (TypeError, ValueError):
        raise InvalidInput("guests", "not_a_number") from None
    limit = event.max_guests if event.allow_guests else 0
    if count < 0 or count > limit:
        raise InvalidInput("guests", "too_many", max_guests=limit)
    return count


def registration_payload(registration: EventRegistration, event: Event) -> Dict[str, Any]:
    """What staff are sent about a registration (JSON-ready)."""
    return {
        "type": "registration",
        "reference": registration.reference,
        "event_id": event.id,
        "event_title": event.title,
        "event_date": event.date.isoformat(),
        "event_start": event.start_time,
        "name": registration.name,
        "email": registration.email,
        "guests": registration.guests,
        "status": registration.status,
        "channel": registration.channel,
        "sender_id": registration.sender_id,
        "created_at": registration.created_at.isoformat(),
    }


def _lock_event(session: Session, event_id: str) -> None:
    """Take the event's row lock for the rest of the transaction (creating the row on first use)."""
    session.execute(dialect_insert(session, EventLock).values(event_id=event_id).on_conflict_do_nothing())
    session.execute(select(EventLock).where(EventLock.event_id == event_id).with_for_update())


def _confirmed_seats(session: Session, event_id: str) -> int:
    query = select(func.coalesce(func.sum(1 + EventRegistration.guests), 0)).where(
        EventRegistration.event_id == event_id, EventRegistration.status == RegistrationStatus.CONFIRMED
    )
    return int(session.execute(query).scalar_one())


def _waitlist(session: Session, event_id: str) -> List[EventRegistration]:
    query = (
        select(EventRegistration)
        .where(
            EventRegistration.event_id == event_id,
            EventRegistration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(EventRegistration.id)
    )  # ids are drawn under the event lock: registration order
    return list(session.execute(query).scalars())


def _by_email(session: Session, event_id: str, email: str) -> Optional[EventRegistration]:
    query = select(EventRegistration).where(
        EventRegistration.event_id == event_id, EventRegistration.email == email_key(email)
    )
    return session.execute(query).scalars().first()


def _outcome(session: Session, registration: EventRegistration, event: Event, existed: bool) -> RegistrationOutcome:
    seats_left = max(0, event.capacity - _confirmed_seats(session, event.id))
    position = None
    if registration.status == RegistrationStatus.WAITLISTED:
        position = 1 + [r.id for r in _waitlist(session, event.id)].index(registration.id)
    return RegistrationOutcome(registration, event, existed, seats_left, position)


def register_for_event(
    config: ClinicConfig,
    event_id: str,
    *,
    name: str,
    email: str,
    guests: Any = 0,
    sender_id: str = "",
    channel: str = "",
    db: Optional[Database] = None,
    now: Optional[dt.datetime] = None,
) -> RegistrationOutcome:
    """Register a visitor (and guests) for an upcoming event: confirmed, or waitlisted when full.

    Raises ``UnknownEvent``, ``EventClosed`` (started or past), ``InvalidInput`` (name, email,
    guests) or ``ClinicDatabaseError``.
    """
    now = now or utcnow()
    event = upcoming_event(config, event_id, now)
    name, email, guests = validate_name(name), validate_email(email), validate_guests(event, guests)
    sender_id = clean_text(sender_id, limit=255, multiline=False)
    channel = clean_text(channel, limit=32, multiline=False)
    with (db or get_database()).transaction() as session:
        _lock_event(session, event.id)
        existing = _by_email(session, event.id, email)
        if existing is not None and existing.status != RegistrationStatus.CANCELLED:
            return _outcome(session, existing, event, existed=True)
        fits = _confirmed_seats(session, event.id) + 1 + guests <= event.capacity
        status = RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITLISTED
        if existing is not None:  # registering again after cancelling: a new registration, at the back
            session.delete(existing)
            session.flush()
        registration = _insert(session, event.id, name, email, guests, status, sender_id, channel, now)
        enqueue(session, Topic.REGISTRATION_CREATED, registration_payload(registration, event), Priority.LOW, now)
        return _outcome(session, registration, event, existed=False)


def _insert(
    session: Session,
    event_id: str,
    name: str,
    email: str,
    guests: int,
    status: str,
    sender_id: str,
    channel: str,
    now: dt.datetime,
) -> EventRegistration:
    for _ in range(REFERENCE_DRAWS):
        registration = EventRegistration(
            reference=new_reference(REGISTRATION_PREFIX),
            event_id=event_id,
            name=name,
            email=email_key(email),
            guests=guests,
            status=status,
            sender_id=sender_id,
            channel=channel,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(registration)
        except IntegrityError as error:
            if not is_unique_violation(error) or _by_email(session, event_id, email) is not None:
                raise  # the event lock makes a same-address race impossible; anything else is a real error
            continue  # the reference was taken: draw another
        return registration
    raise ClinicDatabaseError("could not draw an unused registration reference")


def _find_active(session: Session, event_id: str, email: Optional[str], sender_id: Optional[str]):
    active = EventRegistration.status != RegistrationStatus.CANCELLED
    if email:
        query = select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.email == email_key(validate_email(email)), active
        )
    elif sender_id:
        query = select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.sender_id == sender_id, active
        )
    else:
        raise InvalidInput("email", "empty")
    return session.execute(query.order_by(EventRegistration.id.desc())).scalars().first()


def cancel_registration(
    config: ClinicConfig,
    event_id: str,
    *,
    email: Optional[str] = None,
    sender_id: Optional[str] = None,
    db: Optional[Database] = None,
    now: Optional[dt.datetime] = None,
) -> CancellationOutcome:
    """Cancel the registration made with ``email`` (or, without one, from conversation ``sender_id``).

    Frees its seats and promotes waitlisted registrations that now fit (first come, first
    served). Raises ``RegistrationNotFound``, ``UnknownEvent``, ``EventClosed``, ``InvalidInput``
    or ``ClinicDatabaseError``.
    """
    now = now or utcnow()
    event = upcoming_event(config, event_id, now)
    with (db or get_database()).transaction() as session:
        _lock_event(session, event.id)
        registration = _find_active(session, event.id, email, sender_id)
        if registration is None:
            raise RegistrationNotFound(event.id, event.title)
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = registration.updated_at = now
        session.flush()
        enqueue(session, Topic.REGISTRATION_CANCELLED, registration_payload(registration, event), Priority.LOW, now)
        promoted = _promote_waitlist(session, event, now) if was_confirmed else []
        return CancellationOutcome(registration, event, promoted)


def _promote_waitlist(session: Session, event: Event, now: dt.datetime) -> List[EventRegistration]:
    free = event.capacity - _confirmed_seats(session, event.id)
    promoted = []
    for waiting in _waitlist(session, event.id):
        if waiting.seats > free:
            break  # first come, first served: nobody jumps the queue
        waiting.status = RegistrationStatus.CONFIRMED
        waiting.updated_at = now
        free -= waiting.seats
        promoted.append(waiting)
        enqueue(session, Topic.REGISTRATION_PROMOTED, registration_payload(waiting, event), Priority.LOW, now)
    return promoted


def seats_left(config: ClinicConfig, event_id: str, db: Optional[Database] = None) -> int:
    """Confirmed seats still free for an event (0 when full)."""
    event = config.find_event(event_id)
    if event is None:
        raise UnknownEvent(event_id)
    with (db or get_database()).transaction(read_only=True) as session:
        return max(0, event.capacity - _confirmed_seats(session, event.id))


def find_registration(
    event_id: str, *, email: Optional[str] = None, sender_id: Optional[str] = None, db: Optional[Database] = None
) -> Optional[EventRegistration]:
    """The active (confirmed or waitlisted) registration for that address or conversation, if any."""
    with (db or get_database()).transaction(read_only=True) as session:
        return _find_active(session, event_id, email, sender_id)
