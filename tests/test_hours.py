"""Opening hours: the weekly summary, open/closed, and the next opening."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from clinic_fixture import write_clinic_file

from clinic.config import load_config
from clinic.hours import describe_moment, is_open, next_opening, status_sentence, weekly_hours_lines

LONDON = ZoneInfo("Europe/London")


def config(tmp_path, **overrides):
    return load_config(write_clinic_file(tmp_path / "c.yml", **overrides))


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_weekly_hours_group_consecutive_days(tmp_path):
    assert weekly_hours_lines(config(tmp_path)) == ["Mon-Fri: 09:00–17:00", "Sat: 10:00–14:00", "Sun: closed"]


def test_open_and_closed(tmp_path):
    c = config(tmp_path)
    assert is_open(c, at(2030, 1, 7, 10))  # a Monday morning
    assert not is_open(c, at(2030, 1, 7, 17))  # closing time is exclusive
    assert not is_open(c, at(2030, 1, 13, 12))  # Sunday


def test_next_opening_skips_closed_days_and_closures(tmp_path):
    c = config(tmp_path)
    saturday_evening = at(2030, 1, 12, 18)
    assert next_opening(c, saturday_evening) == at(2030, 1, 14, 9)
    closed = config(tmp_path, closures=["2030-01-14"])
    assert next_opening(closed, saturday_evening) == at(2030, 1, 15, 9)


def test_time_zone_is_the_clinics_not_the_servers(tmp_path):
    c = config(tmp_path)
    # 08:30 UTC in summer is 09:30 in London: open.
    assert is_open(c, dt.datetime(2030, 7, 1, 8, 30, tzinfo=dt.timezone.utc))


def test_status_sentences(tmp_path):
    c = config(tmp_path)
    assert status_sentence(c, at(2030, 1, 7, 10)) == "We're open now until 17:00."
    assert status_sentence(c, at(2030, 1, 7, 18)) == "We're closed right now and open again tomorrow at 09:00."
    assert (
        status_sentence(c, at(2030, 1, 12, 18)) == "We're closed right now and open again Monday 14 January at 09:00."
    )
    assert describe_moment(at(2030, 1, 7, 9), at(2030, 1, 7, 8)) == "today at 09:00"
