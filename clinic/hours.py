"""Opening hours: human-readable weekly hours, whether the clinic is open, and when it next opens."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Tuple

from clinic.config import WEEKDAYS, ClinicConfig

SEARCH_DAYS = 21  # a closure list longer than three weeks is treated as "no opening known"


def weekly_hours_lines(config: ClinicConfig) -> List[str]:
    """Consecutive days with the same hours grouped: ["Mon-Tue: 09:00-17:30", "Sun: closed"]."""
    groups: List[Tuple[int, int, str]] = []
    for index, day in enumerate(WEEKDAYS):
        span = config.hours[day]
        if groups and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], index, span)
        else:
            groups.append((index, index, span))
    lines = []
    for first, last, span in groups:
        days = WEEKDAYS[first][:3].title()
        if last != first:
            days += "-" + WEEKDAYS[last][:3].title()
        lines.append(f"{days}: {span.replace('-', '–') if span != 'closed' else 'closed'}")
    return lines


def now_in_clinic(config: ClinicConfig, now: Optional[dt.datetime] = None) -> dt.datetime:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(config.tz)


def is_open(config: ClinicConfig, now: Optional[dt.datetime] = None) -> bool:
    local = now_in_clinic(config, now)
    span = config.opening_span(local.date())
    return bool(span and span.opens <= local.time().replace(tzinfo=None) < span.closes)


def closing_time(config: ClinicConfig, now: Optional[dt.datetime] = None) -> Optional[dt.time]:
    """Today's closing time if the clinic is open now."""
    local = now_in_clinic(config, now)
    span = config.opening_span(local.date())
    return span.closes if span and is_open(config, now) else None


def next_opening(config: ClinicConfig, now: Optional[dt.datetime] = None) -> Optional[dt.datetime]:
    """The next moment the clinic opens (now itself when it is open), in the clinic's time zone."""
    local = now_in_clinic(config, now)
    if is_open(config, now):
        return local
    for offset in range(SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        span = config.opening_span(day)
        if not span:
            continue
        opens = dt.datetime.combine(day, span.opens, tzinfo=config.tz)
        if opens > local:
            return opens
    return None


def add_opening_time(config: ClinicConfig, start: dt.datetime, duration: dt.timedelta) -> Optional[dt.datetime]:
    """The moment ``duration`` of opening hours after ``start`` (time while closed does not count).

    None when the clinic has not been open that long within the next three weeks.
    """
    local = now_in_clinic(config, start)
    remaining = duration
    for offset in range(SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        span = config.opening_span(day)
        if not span:
            continue
        begin = max(dt.datetime.combine(day, span.opens, tzinfo=config.tz), local)
        closes = dt.datetime.combine(day, span.closes, tzinfo=config.tz)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    return None


def describe_day(moment: dt.datetime, now: dt.datetime) -> str:
    """'today', 'tomorrow' or 'Monday 1 December'."""
    days = (moment.date() - now.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"{moment.strftime('%A')} {moment.day} {moment.strftime('%B')}"


def describe_moment(moment: dt.datetime, now: dt.datetime) -> str:
    """'today at 09:00', 'tomorrow at 09:00' or 'Monday 1 December at 09:00'."""
    return f"{describe_day(moment, now)} at {moment.strftime('%H:%M')}"


def status_sentence(config: ClinicConfig, now: Optional[dt.datetime] = None) -> str:
    """'We're open now until 17:30.' or "We're closed right now and open again tomorrow at 09:00."."""
    local = now_in_clinic(config, now)
    closes = closing_time(config, now)
    if closes:
        return f"We're open now until {closes.strftime('%H:%M')}."
    opening = next_opening(config, now)
    if opening is None:
        return "We're closed at the moment."
    return f"We're closed right now and open again {describe_moment(opening, local)}."
