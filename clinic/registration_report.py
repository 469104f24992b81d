"""Event registrations as staff see them: per-event counts, the list, and a CSV export.

Events come from the clinic file; an event that was removed from it but still has
registrations is listed too (its registrations are still people the clinic must tell).
The CSV is safe to open in a spreadsheet: a cell that would start a formula is prefixed with
an apostrophe (OWASP's advice on CSV injection); contact details are masked as the viewer's
role requires.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import func, select

from clinic.config import ClinicConfig
from clinic.db import Database
from clinic.errors import UnknownEvent
from clinic.models import EventRegistration, RegistrationStatus, utcnow
from clinic.privacy import ContactView

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("reference", "status", "name", "email", "guests", "registered_at", "cancelled_at", "channel")


@dataclass(frozen=True)
class EventSummary:
    event_id: str
    title: str
    starts_at: Optional[dt.datetime]  # clinic time; None when the event is no longer in the clinic file
    capacity: Optional[int]
    confirmed: int  # registrations
    confirmed_seats: int  # registrations plus their guests
    waitlisted: int
    cancelled: int
    seats_left: Optional[int]
    past: bool
    in_clinic_file: bool


def event_summaries(db: Database, config: ClinicConfig, now: Optional[dt.datetime] = None) -> List[EventSummary]:
    """One summary per event: upcoming first (soonest first), then past, then removed ones."""
    now = now or utcnow()
    counts: Dict[str, Dict[str, tuple]] = {}
    statement = select(
        EventRegistration.event_id,
        EventRegistration.status,
        func.count(),
        func.coalesce(func.sum(1 + EventRegistration.guests), 0),
    ).group_by(EventRegistration.event_id, EventRegistration.status)
    with db.transaction(read_only=True) as session:
        for event_id, status, registrations, seats in session.execute(statement):
            counts.setdefault(event_id, {})[status] = (int(registrations), int(seats))

    def summary(event_id: str, title: str, starts_at, capacity) -> EventSummary:
        by_status = counts.get(event_id, {})
        confirmed, confirmed_seats = by_status.get(RegistrationStatus.CONFIRMED, (0, 0))
        return EventSummary(
            event_id=event_id,
            title=title,
            starts_at=starts_at,
            capacity=capacity,
            confirmed=confirmed,
            confirmed_seats=confirmed_seats,
            waitlisted=by_status.get(RegistrationStatus.WAITLISTED, (0, 0))[0],
            cancelled=by_status.get(RegistrationStatus.CANCELLED, (0, 0))[0],
            seats_left=None if capacity is None else max(0, capacity - confirmed_seats),
            past=starts_at is not None and starts_at <= now,
            in_clinic_file=starts_at is not None,
        )

    listed = [summary(e.id, e.title, e.starts_at(config.tz), e.capacity) for e in config.events]
    known = {event.id for event in config.events}
    removed = [summary(event_id, event_id, None, None) for event_id in sorted(set(counts) - known)]
    upcoming = sorted((s for s in listed if not s.past), key=lambda s: s.starts_at)
    past = sorted((s for s in listed if s.past), key=lambda s: s.starts_at, reverse=True)
    return upcoming + past + removed


def find_summary(summaries: List[EventSummary], event_id: str) -> EventSummary:
    for summary in summaries:
        if summary.event_id == event_id:
            return summary
    raise UnknownEvent(event_id)


def event_registrations(db: Database, event_id: str) -> List[EventRegistration]:
    """The event's registrations: confirmed, then waitlisted in waiting order, then cancelled."""
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1, RegistrationStatus.CANCELLED: 2}
    statement = select(EventRegistration).where(EventRegistration.event_id == event_id).order_by(EventRegistration.id)
    with db.transaction(read_only=True) as session:
        registrations = list(session.execute(statement).scalars())
    return sorted(registrations, key=lambda r: order.get(r.status, 3))


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def registrations_csv(registrations: List[EventRegistration], view: ContactView, tz: dt.tzinfo) -> str:
    """The registrations as CSV text (UTF-8 with a header row), masked as ``view`` says."""

    def local(moment: Optional[dt.datetime]) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for registration in registrations:
        row = (
            registration.reference,
            registration.status,
            registration.name,
            view.email(registration.email),
            registration.guests,
            local(registration.created_at),
            local(registration.cancelled_at),
            registration.channel,
        )
        writer.writerow([spreadsheet_safe(value) for value in row])
    return out.getvalue()
