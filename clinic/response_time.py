"""When a visitor can expect the clinic to get back to them about a ticket.

Computed from the clinic's opening hours and time zone (``clinic.hours``): each kind of
ticket has a target in *opening* hours; time while the clinic is closed does not count.
Urgent tickets have the shortest target and are worked (and notified) first.

The text fits after "The team will contact you …": "within 2 working hours",
"by tomorrow at 10:00", "tomorrow after 09:00", "Monday 1 December after 10:00".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from clinic.config import ClinicConfig
from clinic.hours import add_opening_time, describe_day, describe_moment, is_open, next_opening, now_in_clinic
from clinic.models import TicketKind

RESPONSE_TARGETS = {
    TicketKind.URGENT: dt.timedelta(hours=1),
    TicketKind.MEDICAL: dt.timedelta(hours=2),
    TicketKind.HUMAN: dt.timedelta(hours=2),
    TicketKind.BOOKING: dt.timedelta(hours=4),
}


@dataclass(frozen=True)
class ExpectedResponse:
    due: Optional[dt.datetime]  # in the clinic's time zone; None when no opening is known
    text: str
    handled_first: bool  # urgent tickets go to the front of the queue


def _hours(target: dt.timedelta) -> str:
    hours = target.total_seconds() / 3600
    count = f"{hours:g}"
    return f"within {count} working hour" + ("" if hours == 1 else "s")


def expected_response(config: ClinicConfig, kind: str, now: Optional[dt.datetime] = None) -> ExpectedResponse:
    """The expected response time for a new ticket of ``kind`` created at ``now``."""
    if kind not in RESPONSE_TARGETS:
        raise ValueError(f"unknown ticket kind {kind!r}")
    target = RESPONSE_TARGETS[kind]
    local = now_in_clinic(config, now)
    due = add_opening_time(config, local, target)
    urgent = kind == TicketKind.URGENT
    if due is None:
        return ExpectedResponse(None, "as soon as the clinic reopens", urgent)
    if is_open(config, local):
        text = _hours(target) if due.date() == local.date() else f"by {describe_moment(due, local)}"
        return ExpectedResponse(due, text, urgent)
    opens = next_opening(config, local)
    return ExpectedResponse(due, f"{describe_day(opens, local)} after {opens.strftime('%H:%M')}", urgent)
