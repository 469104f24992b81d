"""Expected response times from the clinic's opening hours (fixed dates, passed in: never today's)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from clinic_fixture import write_clinic_file

from clinic.config import load_config
from clinic.hours import add_opening_time
from clinic.response_time import expected_response

LONDON = ZoneInfo("Europe/London")  # the test clinic: Mon-Fri 09:00-17:00, Sat 10:00-14:00, Sun closed


def config(tmp_path, **overrides):
    return load_config(write_clinic_file(tmp_path / "c.yml", **overrides))


def at(day, hour, minute=0):
    return dt.datetime(2030, 1, day, hour, minute, tzinfo=LONDON)  # 7 January 2030 is a Monday


def test_opening_time_skips_closed_hours(tmp_path):
    c = config(tmp_path)
    assert add_opening_time(c, at(7, 10), dt.timedelta(hours=2)) == at(7, 12)
    assert add_opening_time(c, at(7, 16), dt.timedelta(hours=2)) == at(8, 10)
    assert add_opening_time(c, at(7, 20), dt.timedelta(hours=1)) == at(8, 10)
    assert add_opening_time(c, at(12, 13), dt.timedelta(hours=2)) == at(14, 10)  # Saturday to Monday
    utc = at(7, 10).astimezone(dt.timezone.utc)
    assert add_opening_time(c, utc, dt.timedelta(hours=2)) == at(7, 12)


@pytest.mark.parametrize(
    "now, kind, text, due",
    [
        (at(7, 10), "medical", "within 2 working hours", at(7, 12)),
        (at(7, 10), "urgent", "within 1 working hour", at(7, 11)),
        (at(7, 10), "booking", "within 4 working hours", at(7, 14)),
        (at(7, 16), "medical", "by tomorrow at 10:00", at(8, 10)),
        (at(7, 18), "medical", "tomorrow after 09:00", at(8, 11)),
        (at(7, 7), "human", "today after 09:00", at(7, 11)),
        (at(11, 18), "medical", "tomorrow after 10:00", at(12, 12)),  # Friday evening
        (at(12, 15), "urgent", "Monday 14 January after 09:00", at(14, 10)),
    ],
)
def test_expected_response(tmp_path, now, kind, text, due):
    response = expected_response(config(tmp_path), kind, now)
    assert response.text == text
    assert response.due == due
    assert response.handled_first is (kind == "urgent")


def test_expected_response_respects_closures_and_unknown_openings(tmp_path):
    closed_monday = config(tmp_path, closures=["2030-01-14"])
    assert expected_response(closed_monday, "medical", at(12, 15)).text == "Tuesday 15 January after 09:00"
    closures = [(dt.date(2030, 1, 7) + dt.timedelta(days=n)).isoformat() for n in range(30)]
    shut = config(tmp_path, closures=closures)
    response = expected_response(shut, "medical", at(7, 10))
    assert response.due is None and response.text == "as soon as the clinic reopens"
    with pytest.raises(ValueError):
        expected_response(shut, "surgery", at(7, 10))
