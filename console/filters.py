"""Jinja2 filters of the console's templates: times in the clinic's time zone, ages, figures.

Times are stored in UTC; staff read them in the clinic's own time zone (the clinic file's
``clinic.timezone``), which templates get as ``clinic``.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from jinja2 import Environment, pass_context

from clinic.models import utcnow


@pass_context
def clinic_time(context, moment: Optional[dt.datetime], fmt: str = "%d %b %Y %H:%M") -> str:
    """``moment`` in the clinic's time zone (``clinic`` in the template's context)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(context["clinic"].tz).strftime(fmt)


def age(moment: Optional[dt.datetime], now: Optional[dt.datetime] = None) -> str:
    """How long ago, in the largest sensible unit: "5 min", "3 h", "2 d"."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def percent(value: Optional[float], digits: int = 0) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}%"


def install(environment: Environment) -> None:
    from console.web import conversation_url

    environment.filters.update(clinic_time=clinic_time, age=age, percent=percent)
    environment.globals.update(conversation_url=conversation_url)
