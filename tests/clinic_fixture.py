"""A clinic file for tests, with event dates relative to now (never the sample file's dates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

TEST_CLINIC_NAME = "Test Glow Clinic"
TEST_TZ = "Europe/London"


def clinic_data(now: Optional[dt.datetime] = None, **overrides: Any) -> Dict[str, Any]:
    now = now or dt.datetime.now(dt.timezone.utc)
    day = lambda offset: (now + dt.timedelta(days=offset)).date().isoformat()  # noqa: E731
    data: Dict[str, Any] = {
        "clinic": {
            "name": TEST_CLINIC_NAME,
            "timezone": TEST_TZ,
            "phone": "+44 20 7946 0555",
            "email": "desk@testclinic.example",
            "address": "1 Test Road, London",
            "directions": "Opposite the park.",
            "booking_link": "",
            "urgent_line": "+44 20 7946 0911",
            "emergency_number": "999",
            "social": {"instagram": "@testglow"},
        },
        "hours": {
            "monday": "09:00-17:00",
            "tuesday": "09:00-17:00",
            "wednesday": "09:00-17:00",
            "thursday": "09:00-17:00",
            "friday": "09:00-17:00",
            "saturday": "10:00-14:00",
            "sunday": "closed",
        },
        "prices": [],
        "consultation_note": "Costs are explained at your consultation.",
        "events": [
            {
                "id": "past-acne-talk",
                "title": "Past Acne Talk",
                "date": day(-3),
                "start_time": "18:00",
                "end_time": "19:00",
                "place": "The clinic",
                "capacity": 10,
            },
            {
                "id": "acne-evening",
                "title": "Acne Evening",
                "description": "All about acne and its treatments.",
                "date": day(10),
                "start_time": "18:30",
                "end_time": "20:00",
                "place": "The clinic lounge",
                "capacity": 3,
                "price": 0,
                "allow_guests": True,
                "max_guests": 1,
            },
        ],
        "notifications": {"email_to": [], "webhook_url": ""},
    }
    for key, value in overrides.items():
        data[key] = value
    return data


def write_clinic_file(path: Path, **overrides: Any) -> Path:
    path.write_text(yaml.safe_dump(clinic_data(**overrides), sort_keys=False), encoding="utf-8")
    return path


def event_data(
    event_id: str, days_from_now: float, capacity: int = 3, now: Optional[dt.datetime] = None, **fields: Any
) -> Dict[str, Any]:
    """One event of the clinic file, ``days_from_now`` days away (negative: in the past), at 18:30 London time."""
    now = now or dt.datetime.now(dt.timezone.utc)
    day = (now + dt.timedelta(days=days_from_now)).date().isoformat()
    data = {
        "id": event_id,
        "title": event_id.replace("-", " ").title(),
        "date": day,
        "start_time": "18:30",
        "end_time": "20:00",
        "place": "The clinic lounge",
        "capacity": capacity,
    }
    data.update(fields)
    return data
