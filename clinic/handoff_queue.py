"""The hand-off queue: how staff see and work tickets (``clinic.tickets`` opens them).

Tickets are worked urgent first, then oldest first. Each carries the time the visitor was
told to expect contact (``clinic.response_time``, from the clinic's opening hours); a ticket
still open after it is overdue. Staff assign tickets to themselves or a colleague, move them
between open, in progress and resolved, and add notes. Every change writes a ticket note
(what changed, by whom, when) and an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import List, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic.audit import Actor, AuditAction, add_entry
from clinic.config import ClinicConfig
from clinic.console_models import StaffUser, TicketNote
from clinic.db import Database
from clinic.errors import InvalidInput
from clinic.models import Ticket, TicketKind, TicketStatus, utcnow
from clinic.response_time import expected_response
from clinic.tickets import ticket_by_reference
from clinic.validation import clean_text

QUEUE_STATUSES = ("active", *TicketStatus.ALL, "all")
STATUS_LABELS = {TicketStatus.OPEN: "open", TicketStatus.IN_PROGRESS: "in progress", TicketStatus.RESOLVED: "resolved"}
NOTE_MAX_LENGTH = 2000
PAGE_SIZE_MAX = 200


@dataclass(frozen=True)
class QueueQuery:
    """Which tickets to list. Build it with ``queue_query`` from untrusted values."""

    kind: Optional[str] = None
    status: str = "active"  # active = open or in progress
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class QueueItem:
    ticket: Ticket
    due: Optional[dt.datetime]  # when the visitor was told to expect contact (clinic time)
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    items: List[QueueItem]
    page: int
    has_next: bool


def queue_query(
    kind: Optional[str] = None, status: Optional[str] = None, page: Optional[str] = None, per_page: int = 50
) -> QueueQuery:
    """A validated ``QueueQuery`` (``InvalidInput`` naming the field otherwise)."""
    kind = (kind or "").strip() or None
    if kind is not None and kind not in TicketKind.ALL:
        raise InvalidInput("kind", "unknown", f"Unknown ticket kind; use one of {', '.join(TicketKind.ALL)}.")
    status = (status or "").strip() or "active"
    if status not in QUEUE_STATUSES:
        raise InvalidInput("status", "unknown", f"Unknown status; use one of {', '.join(QUEUE_STATUSES)}.")
    page_text = str(page or "1").strip()
    if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
        raise InvalidInput("page", "invalid", "The page must be a whole number from 1.")
    return QueueQuery(kind, status, int(page_text), max(1, min(per_page, PAGE_SIZE_MAX)))


def _due(config: ClinicConfig, ticket: Ticket) -> Optional[dt.datetime]:
    return expected_response(config, ticket.kind, now=ticket.created_at).due


def queue_item(config: ClinicConfig, ticket: Ticket, now: Optional[dt.datetime] = None) -> QueueItem:
    due = _due(config, ticket)
    overdue = ticket.is_open and due is not None and due <= (now or utcnow())
    return QueueItem(ticket, due, overdue)


def list_queue(db: Database, query: QueueQuery, config: ClinicConfig, now: Optional[dt.datetime] = None) -> QueuePage:
    """Tickets in the order staff should work them: urgent first, then oldest."""
    statement = select(Ticket).order_by(Ticket.priority, Ticket.created_at, Ticket.id)
    if query.status == "active":
        statement = statement.where(Ticket.status.in_(TicketStatus.ACTIVE))
    elif query.status != "all":
        statement = statement.where(Ticket.status == query.status)
    if query.kind:
        statement = statement.where(Ticket.kind == query.kind)
    statement = statement.offset((query.page - 1) * query.per_page).limit(query.per_page + 1)
    with db.transaction(read_only=True) as session:
        tickets = list(session.execute(statement).scalars())
    now = now or utcnow()
    items = [queue_item(config, ticket, now) for ticket in tickets[: query.per_page]]
    return QueuePage(items, query.page, len(tickets) > query.per_page)


def get_ticket_with_notes(db: Database, reference: str) -> tuple[Ticket, List[TicketNote]]:
    with db.transaction(read_only=True) as session:
        ticket = ticket_by_reference(session, reference)
        notes = session.execute(
            select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)
        ).scalars()
        return ticket, list(notes)


def _note(session: Session, ticket: Ticket, actor: Actor, body: str, now: dt.datetime) -> TicketNote:
    note = TicketNote(ticket_id=ticket.id, author=actor.username, body=body, created_at=now)
    session.add(note)
    return note


def _audit(session: Session, actor: Actor, ticket: Ticket, change: str, **detail) -> None:
    add_entry(session, actor, AuditAction.TICKET_CHANGED, "ticket", ticket.reference, {"change": change, **detail})


def apply_status(ticket: Ticket, status: str, now: dt.datetime) -> bool:
    """Set the status on a loaded ticket; returns whether it changed. Resolving a ticket lets
    its conversation open a new one of the same kind."""
    if status not in TicketStatus.ALL:
        raise InvalidInput("status", "unknown", f"Unknown status; use one of {', '.join(TicketStatus.ALL)}.")
    if ticket.status == status:
        return False
    ticket.status = status
    ticket.resolved_at = now if status == TicketStatus.RESOLVED else None
    ticket.updated_at = now
    return True


def change_status(db: Database, reference: str, status: str, actor: Actor, now: Optional[dt.datetime] = None) -> Ticket:
    now = now or utcnow()
    with db.transaction() as session:
        ticket = ticket_by_reference(session, reference)
        before = ticket.status
        if apply_status(ticket, status, now):
            _note(session, ticket, actor, f"Status: {STATUS_LABELS[before]} → {STATUS_LABELS[status]}", now)
            _audit(session, actor, ticket, "status", before=before, after=status)
        return ticket


def assign(
    db: Database, reference: str, assignee: Optional[str], actor: Actor, now: Optional[dt.datetime] = None
) -> Ticket:
    """Assign the ticket to an active staff account (by username), or unassign it (None/"")."""
    now = now or utcnow()
    username = (assignee or "").strip().lower() or None
    with db.transaction() as session:
        if username is not None:
            account = session.execute(select(StaffUser).where(StaffUser.username == username)).scalars().first()
            if account is None or not account.active:
                raise InvalidInput("assignee", "unknown", "Tickets can only be assigned to an active staff account.")
        ticket = ticket_by_reference(session, reference)
        before = ticket.assignee
        if before != username:
            ticket.assignee = username
            ticket.updated_at = now
            _note(session, ticket, actor, f"Assigned to {username}" if username else "Unassigned", now)
            _audit(session, actor, ticket, "assignee", before=before, after=username)
        return ticket


def add_note(db: Database, reference: str, body: str, actor: Actor, now: Optional[dt.datetime] = None) -> TicketNote:
    text = clean_text(body, limit=NOTE_MAX_LENGTH)
    if not text:
        raise InvalidInput("note", "empty", "The note is empty.")
    now = now or utcnow()
    with db.transaction() as session:
        ticket = ticket_by_reference(session, reference)
        note = _note(session, ticket, actor, text, now)
        ticket.updated_at = now
        _audit(session, actor, ticket, "note_added")
        return note


def new_urgent_tickets(db: Database, after_id: int = 0, limit: int = 20) -> List[Ticket]:
    """Active urgent tickets newer than ``after_id`` (what the queue page polls for)."""
    statement = (
        select(Ticket)
        .where(Ticket.kind == TicketKind.URGENT, Ticket.status.in_(TicketStatus.ACTIVE), Ticket.id > after_id)
        .order_by(Ticket.id)
        .limit(limit)
    )
    with db.transaction(read_only=True) as session:
        return list(session.execute(statement).scalars())


def count_active_urgent(db: Database) -> int:
    statement = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.kind == TicketKind.URGENT, Ticket.status.in_(TicketStatus.ACTIVE))
    )
    with db.transaction(read_only=True) as session:
        return session.execute(statement).scalar_one()


def tickets_for_conversations(db: Database, sender_ids: Sequence[str]) -> List[Ticket]:
    if not sender_ids:
        return []
    statement = select(Ticket).where(Ticket.sender_id.in_(list(sender_ids))).order_by(Ticket.id)
    with db.transaction(read_only=True) as session:
        return list(session.execute(statement).scalars())
