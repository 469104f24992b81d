"""The failures the clinic package reports to its callers (the actions and the staff console).

Every exception here is meant to be caught and turned into a polite, honest reply. They carry
a code and the field, never a chat sentence: the actions choose the visitor's words from
domain.yml (actions/wording.py), the console shows its own.

- ``InvalidInput``: a value is not acceptable; ``field`` says which, ``reason`` is the code
  (``"empty"``, ``"invalid"``, ``"too_many"``...), ``params`` the limits involved
  (``{"max_guests": 1}``); ``message`` is a plain description for logs and staff screens.
- ``ClinicDatabaseError`` and its subclasses: the clinic database could not do its job;
  nothing was written. Reply with an apology and the clinic's phone number.
- ``TicketNotFound``: no ticket has the reference given.
- ``RegistrationError`` and its subclasses: an event registration was refused for a reason
  the visitor should be told; each subclass is one ``reason`` (unknown or closed event, no
  registration to cancel) and carries the event's id and title.
"""

from __future__ import annotations

from typing import Any, Dict


class ClinicError(Exception):
    """Base class of every error the clinic package raises on purpose."""


class InvalidInput(ClinicError, ValueError):
    """A supplied value was rejected: ``field`` and the code ``reason`` say which and why."""

    def __init__(self, field: str, reason: str, message: str = "", **params: Any) -> None:
        self.field = field
        self.reason = reason
        self.params: Dict[str, Any] = params
        self.message = message or f"{field}: {reason.replace('_', ' ')}"
        super().__init__(self.message)


class ClinicDatabaseError(ClinicError):
    """The clinic database failed; the operation was rolled back and nothing was written."""


class DatabaseUnavailable(ClinicDatabaseError):
    """The database is down, unreachable, or locked for longer than the configured timeout."""


class DatabaseNotMigrated(ClinicDatabaseError):
    """The database has no (or an old) schema: run ``python -m clinic.migrate`` (``make setup``)."""


class TicketNotFound(ClinicError, LookupError):
    """No ticket has that reference."""


class RegistrationError(ClinicError):
    """An event registration or cancellation was refused; the subclass's ``reason`` says why."""

    reason = "refused"

    def __init__(self, event_id: str, event_title: str = "") -> None:
        super().__init__(f"{self.reason.replace('_', ' ')}: {event_id}")
        self.event_id = event_id
        self.event_title = event_title


class UnknownEvent(RegistrationError):
    """No event with that id is in the clinic file."""

    reason = "unknown_event"


class EventClosed(RegistrationError):
    """The event has already started or is over: registration and cancellation are refused."""

    reason = "event_closed"


class RegistrationNotFound(RegistrationError):
    """There is no active registration for that e-mail address or conversation."""

    reason = "registration_not_found"
