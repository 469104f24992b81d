"""The clinic's configuration file (``clinic.yml``): schema, validation and loading.

Everything a clinic may change without retraining the assistant lives in that one file.
``load_config`` validates it and raises ``ClinicConfigError`` with one line per problem;
``ConfigProvider`` re-reads it when it changes on disk and keeps serving the last good
version if a new edit is invalid.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from pathlib import Path
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "clinic.yml"
CONFIG_ENV_VAR = "CLINIC_CONFIG"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-.]{5,22}[0-9]$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOURS_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class ClinicConfigError(ValueError):
    """The clinic file is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


def _check_phone(value: str) -> str:
    if value and not _PHONE_RE.match(value):
        raise ValueError("is not a phone number (digits, spaces, +, -, brackets)")
    return value


def _check_url(value: str) -> str:
    if value and not re.match(r"^https?://[^\s]+$", value):
        raise ValueError("must be an http(s) URL or empty")
    return value


class ClinicDetails(_Strict):
    name: str = Field(..., min_length=2, max_length=120)
    timezone: str
    phone: str
    email: str
    address: str = Field(..., min_length=5, max_length=300)
    directions: str = Field("", max_length=500)
    # Step-free access, a lift, disabled parking: said when a visitor asks about access.
    accessibility: str = Field("", max_length=500)
    map_link: str = ""
    booking_link: str = ""
    urgent_line: str
    emergency_number: str = Field(..., min_length=2, max_length=10)
    social: Dict[str, str] = Field(default_factory=dict)
    # What the clinic offers, said when a visitor asks about a treatment it does not (Botox).
    treatments: List[str] = Field(default_factory=list, max_items=20)

    _phones = validator("phone", "urgent_line", allow_reuse=True)(_check_phone)
    _urls = validator("map_link", "booking_link", allow_reuse=True)(_check_url)

    @validator("timezone")
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @validator("treatments", each_item=True)
    def _treatment(cls, value: str) -> str:
        if not 2 <= len(value) <= 120:
            raise ValueError("each treatment must be 2 to 120 characters")
        return value

    @validator("email")
    def _email(cls, value: str) -> str:
        if not _EMAIL_RE.match(value):
            raise ValueError("is not an e-mail address")
        return value

    @validator("emergency_number")
    def _emergency(cls, value: str) -> str:
        if not value.isdigit():
            raise ValueError("must be digits only, e.g. 999, 112 or 911")
        return value


class OpeningSpan(BaseModel):
    opens: dt.time
    closes: dt.time


class Price(_Strict):
    treatment: str = Field(..., min_length=2, max_length=120)
    price: float = Field(..., ge=0)
    currency: str = Field("GBP", regex=r"^[A-Z]{3}$")
    note: str = Field("", max_length=300)


class Event(_Strict):
    id: str
    title: str = Field(..., min_length=3, max_length=120)
    description: str = Field("", max_length=600)
    date: dt.date
    start_time: str
    end_time: str
    place: str = Field(..., min_length=3, max_length=300)
    capacity: int = Field(..., ge=1, le=10000)
    price: float = Field(0, ge=0)
    currency: str = Field("GBP", regex=r"^[A-Z]{3}$")
    allow_guests: bool = False
    max_guests: int = Field(0, ge=0, le=20)

    @validator("id")
    def _slug(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("must be lower-case letters, digits and dashes (2-63 characters)")
        return value

    @validator("start_time", "end_time")
    def _time(cls, value: str) -> str:
        if not _TIME_RE.match(value):
            raise ValueError("must be a 24-hour time HH:MM")
        return value

    @root_validator(skip_on_failure=True)
    def _times_in_order(cls, values):
        if values["end_time"] <= values["start_time"]:
            raise ValueError(f"event {values['id']!r}: end_time must be after start_time")
        if values["allow_guests"] and values["max_guests"] < 1:
            raise ValueError(f"event {values['id']!r}: allow_guests needs max_guests of at least 1")
        return values

    def starts_at(self, tz: ZoneInfo) -> dt.datetime:
        hour, minute = map(int, self.start_time.split(":"))
        return dt.datetime.combine(self.date, dt.time(hour, minute), tzinfo=tz)

    @property
    def is_free(self) -> bool:
        return self.price == 0


class Notifications(_Strict):
    email_to: List[str] = Field(default_factory=list)
    webhook_url: str = ""

    _url = validator("webhook_url", allow_reuse=True)(_check_url)

    @validator("email_to", each_item=True)
    def _emails(cls, value: str) -> str:
        if not _EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


class ClinicConfig(_Strict):
    clinic: ClinicDetails
    hours: Dict[str, str]
    closures: List[dt.date] = Field(default_factory=list)
    prices: List[Price] = Field(default_factory=list)
    consultation_note: str = Field("", max_length=500)
    # Insurance, HSA/FSA, instalments, when payment is taken: said when a visitor asks about paying.
    payment_note: str = Field("", max_length=500)
    # Questions about the clinic that no FAQ answer covers (actions/clinic_questions.py): who it
    # treats by age, who carries out treatments and their qualifications, gift vouchers, cancellations,
    # the consultation and first visit (how long, whether one is needed, walk-ins, referrals), how to
    # prepare for a visit.
    age_note: str = Field("", max_length=500)
    practitioners_note: str = Field("", max_length=500)
    gift_voucher_note: str = Field("", max_length=500)
    cancellation_note: str = Field("", max_length=500)
    first_visit_note: str = Field("", max_length=500)
    preparation_note: str = Field("", max_length=500)
    events: List[Event] = Field(default_factory=list)
    notifications: Notifications = Field(default_factory=Notifications)

    @validator("hours")
    def _hours(cls, value: Dict[str, str]) -> Dict[str, str]:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown day(s) {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        missing = [day for day in WEEKDAYS if day not in value]
        if missing:
            raise ValueError(f'missing day(s) {missing}; write "closed" for a day the clinic is shut')
        for day, span in value.items():
            span = str(span).strip().lower()
            if span != "closed":
                match = _HOURS_RE.match(span)
                if not match or span[:5] >= span[6:]:
                    raise ValueError(f'{day}: {span!r} must be "HH:MM-HH:MM" (opening before closing) or "closed"')
            value[day] = span
        if all(span == "closed" for span in value.values()):
            raise ValueError("the clinic must be open on at least one day")
        return value

    @validator("events")
    def _unique_event_ids(cls, value: List[Event]) -> List[Event]:
        seen = set()
        for event in value:
            if event.id in seen:
                raise ValueError(f"event id {event.id!r} is used twice")
            seen.add(event.id)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def opening_span(self, day: dt.date) -> Optional[OpeningSpan]:
        """The opening hours on a date, or None when the clinic is shut that day."""
        if day in self.closures:
            return None
        span = self.hours[WEEKDAYS[day.weekday()]]
        if span == "closed":
            return None
        opens, closes = span.split("-")
        return OpeningSpan(opens=dt.time.fromisoformat(opens), closes=dt.time.fromisoformat(closes))

    def upcoming_events(self, now: Optional[dt.datetime] = None) -> List[Event]:
        """Events that have not started yet, soonest first. Past events are never offered."""
        now = now or dt.datetime.now(self.tz)
        upcoming = [event for event in self.events if event.starts_at(self.tz) > now]
        return sorted(upcoming, key=lambda event: event.starts_at(self.tz))

    def find_event(self, event_id: str) -> Optional[Event]:
        return next((event for event in self.events if event.id == event_id), None)


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {len(error.errors())} problem(s) in the clinic file:"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "__root__")
        lines.append(f"  - {where or 'file'}: {item['msg']}")
    return "\n".join(lines)


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)


def load_config(path: Optional[Path] = None) -> ClinicConfig:
    """Read and validate the clinic file; raise ClinicConfigError with a readable message."""
    path = Path(path or config_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClinicConfigError(f"{path}: the clinic file does not exist (set {CONFIG_ENV_VAR} or create it)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ClinicConfigError(f"{path}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise ClinicConfigError(f"{path}: is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ClinicConfigError(f"{path}: must be a YAML mapping with `clinic:`, `hours:` and so on")
    try:
        return ClinicConfig.parse_obj(raw)
    except ValidationError as error:
        raise ClinicConfigError(_format_errors(path, error)) from None


class ConfigProvider:
    """Serves the current clinic configuration, re-reading the file when it changes.

    An invalid edit is logged and the last good configuration keeps being served, so a typo
    in the clinic file never takes the assistant down.
    """

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = Path(path or config_path())
        self._lock = threading.Lock()
        self._config = load_config(self.path)
        self._mtime = self._stat()

    def _stat(self) -> Optional[float]:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def get(self) -> ClinicConfig:
        mtime = self._stat()
        if mtime is not None and mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    try:
                        self._config = load_config(self.path)
                        logger.info("Reloaded clinic configuration from %s", self.path)
                    except ClinicConfigError as error:
                        logger.error("Keeping the previous clinic configuration: %s", error)
                    self._mtime = mtime
        return self._config


def main() -> int:
    """`python -m clinic.config [PATH]`: validate a clinic file and print a summary."""
    import sys

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else config_path()
    try:
        config = load_config(path)
    except ClinicConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    upcoming = config.upcoming_events()
    print(f"{path}: OK ({config.clinic.name}; {len(config.events)} event(s), {len(upcoming)} upcoming)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
