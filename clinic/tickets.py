"""Hand-off tickets: a medical question, an urgent concern, a request for a person, a booking.

``open_ticket`` is idempotent per conversation (sender id) and kind while a ticket is open or
in progress: a visitor who asks again gets the existing ticket back (``existed=True``) and
its reference. The database enforces this with a partial unique index, so two replicas
racing on the same conversation still make one ticket. The ticket and its staff notification
(outbox rows) are committed in one transaction.

Every visitor-supplied value is validated or cleaned here (``clinic.validation``), even if the
form already did it. Functions raise ``InvalidInput`` for a rejected value,
``ClinicDatabaseError`` (``DatabaseUnavailable`` …) when the database fails (nothing written),
and ``TicketNotFound`` for an unknown reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.db import Database, get_database, is_unique_violation
from clinic.errors import ClinicDatabaseError, InvalidInput, TicketNotFound
from clinic.models import Priority, Ticket, TicketKind, TicketStatus, utcnow
from clinic.outbox import Topic, enqueue
from clinic.references import TICKET_PREFIXES, new_reference, normalize_reference
from clinic.transcript import clean_context
from clinic.validation import (
    MESSAGE_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    clean_text,
    validate_email,
    validate_name,
    validate_phone,
)

KIND_PRIORITY = {
    TicketKind.URGENT: Priority.URGENT,
    TicketKind.MEDICAL: Priority.HIGH,
    TicketKind.HUMAN: Priority.NORMAL,
    TicketKind.BOOKING: Priority.NORMAL,
}
REFERENCE_DRAWS = 10
CONTACT_FIELDS = ("visitor_name", "email", "phone", "consent", "preferred_times")


@dataclass(frozen=True)
class OpenedTicket:
    ticket: Ticket  # detached; its attributes stay readable
    existed: bool  # True: an open ticket of this kind already existed for this conversation
    updated: tuple = ()  # contact fields the call filled in on the existing ticket


@dataclass(frozen=True)
class _ContactDetails:
    visitor_name: Optional[str]
    email: Optional[str]
    phone: Optional[str]
    consent: Optional[bool]
    preferred_times: Optional[str]

    def given(self) -> Dict[str, Any]:
        return {field: getattr(self, field) for field in CONTACT_FIELDS if getattr(self, field) not in (None, "")}


def _contact_details(name, email, phone, consent, preferred_times, default_country_code) -> _ContactDetails:
    return _ContactDetails(
        visitor_name=validate_name(name) if name else None,
        email=validate_email(email) if email else None,
        phone=validate_phone(phone, default_country_code) if phone else None,
        consent=None if consent is None else bool(consent),
        preferred_times=clean_text(preferred_times, limit=SHORT_TEXT_MAX_LENGTH) or None,
    )


def _required_text(field: str, value: Optional[str], limit: int) -> str:
    text = clean_text(value, limit=limit, multiline=False)
    if not text:
        raise InvalidInput(field, "empty", f"{field} is required")
    return text


def ticket_payload(ticket: Ticket, changed: Iterable[str] = ()) -> Dict[str, Any]:
    """What staff are sent about a ticket (JSON-ready)."""
    return {
        "type": "ticket",
        "reference": ticket.reference,
        "kind": ticket.kind,
        "priority": Priority(ticket.priority).name.lower(),
        "status": ticket.status,
        "name": ticket.visitor_name,
        "email": ticket.email,
        "phone": ticket.phone,
        "consent": ticket.consent,
        "channel": ticket.channel,
        "sender_id": ticket.sender_id,
        "message": ticket.message,
        "context": list(ticket.context or []),
        "preferred_times": ticket.preferred_times,
        "created_at": ticket.created_at.isoformat(),
        "changed": list(changed),
    }


def _active_ticket(session: Session, sender_id: str, kind: str) -> Optional[Ticket]:
    query = select(Ticket).where(
        Ticket.sender_id == sender_id, Ticket.kind == kind, Ticket.status.in_(TicketStatus.ACTIVE)
    )
    return session.execute(query).scalars().first()


def _apply(ticket: Ticket, values: Mapping[str, Any], only_missing: bool, now: dt.datetime) -> List[str]:
    changed = []
    for field, value in values.items():
        current = getattr(ticket, field)
        if only_missing and current not in (None, "", False):
            continue
        if current != value:
            setattr(ticket, field, value)
            changed.append(field)
    if changed:
        ticket.updated_at = now
    return changed


def open_ticket(
    kind: str,
    sender_id: str,
    *,
    channel: str = "",
    message: str = "",
    name: Optional[str] = None,
    email: Optional[str] = None,
    phone: Optional[str] = None,
    consent: bool = False,
    context: Iterable[Mapping[str, Any]] = (),
    preferred_times: Optional[str] = None,
    default_country_code: str = "44",
    db: Optional[Database] = None,
    now: Optional[dt.datetime] = None,
) -> OpenedTicket:
    """Create a ticket, or return the conversation's open ticket of that kind.

    On an existing ticket, contact details it lacks are filled in from this call (never
    overwritten; use ``update_ticket_contact`` for that) and staff are notified of the change.
    ``context`` takes ``clinic.transcript.conversation_context(tracker.events)``.
    """
    if kind not in KIND_PRIORITY:
        raise InvalidInput("kind", "unknown", f"unknown ticket kind {kind!r}")
    sender_id = _required_text("sender_id", sender_id, 255)
    details = _contact_details(name, email, phone, consent, preferred_times, default_country_code)
    now = now or utcnow()
    db = db or get_database()
    with db.transaction() as session:
        existing = _active_ticket(session, sender_id, kind)
        if existing is not None:
            return _reuse(session, existing, details, now)
        for _ in range(REFERENCE_DRAWS):
            ticket = Ticket(
                reference=new_reference(TICKET_PREFIXES[kind]),
                kind=kind,
                priority=int(KIND_PRIORITY[kind]),
                status=TicketStatus.OPEN,
                channel=clean_text(channel, limit=32, multiline=False),
                sender_id=sender_id,
                message=clean_text(message, limit=MESSAGE_MAX_LENGTH),
                context=clean_context(context),
                consent=bool(details.consent),
                created_at=now,
                updated_at=now,
                **{k: v for k, v in details.given().items() if k != "consent"},
            )
            try:
                with session.begin_nested():
                    session.add(ticket)
            except IntegrityError as error:
                existing = _active_ticket(session, sender_id, kind)
                if existing is not None:  # another process opened it a moment ago
                    return _reuse(session, existing, details, now)
                if not is_unique_violation(error):
                    raise
                continue  # the reference was taken: draw another
            enqueue(session, Topic.TICKET_CREATED, ticket_payload(ticket), ticket.priority, now)
            return OpenedTicket(ticket, existed=False)
    raise ClinicDatabaseError("could not draw an unused ticket reference")


def _reuse(session: Session, ticket: Ticket, details: _ContactDetails, now: dt.datetime) -> OpenedTicket:
    changed = _apply(ticket, details.given(), only_missing=True, now=now)
    if changed:
        enqueue(session, Topic.TICKET_UPDATED, ticket_payload(ticket, changed), ticket.priority, now)
    return OpenedTicket(ticket, existed=True, updated=tuple(changed))


def ticket_by_reference(session: Session, reference: str) -> Ticket:
    normalized = normalize_reference(reference or "")
    ticket = (
        session.execute(select(Ticket).where(Ticket.reference == normalized)).scalars().first() if normalized else None
    )
    if ticket is None:
        raise TicketNotFound(f"no ticket with reference {reference!r}")
    return ticket


def update_ticket_contact(
    reference: str,
    *,
    name: Optional[str] = None,
    email: Optional[str] = None,
    phone: Optional[str] = None,
    consent: Optional[bool] = None,
    preferred_times: Optional[str] = None,
    default_country_code: str = "44",
    db: Optional[Database] = None,
    now: Optional[dt.datetime] = None,
) -> Ticket:
    """Set the contact details given (e.g. after an urgent ticket was opened with none); notify staff."""
    details = _contact_details(name, email, phone, consent, preferred_times, default_country_code)
    now = now or utcnow()
    with (db or get_database()).transaction() as session:
        ticket = ticket_by_reference(session, reference)
        changed = _apply(ticket, details.given(), only_missing=False, now=now)
        if changed:
            enqueue(session, Topic.TICKET_UPDATED, ticket_payload(ticket, changed), ticket.priority, now)
        return ticket


def get_ticket(reference: str, db: Optional[Database] = None) -> Ticket:
    with (db or get_database()).transaction(read_only=True) as session:
        return ticket_by_reference(session, reference)


def find_open_ticket(sender_id: str, kind: str, db: Optional[Database] = None) -> Optional[Ticket]:
    """The conversation's open (or in-progress) ticket of that kind, if any."""
    with (db or get_database()).transaction(read_only=True) as session:
        return _active_ticket(session, sender_id, kind)
