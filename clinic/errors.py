"""The failures the clinic package reports to its callers (the actions and the staff console).

Every exception here is meant to be caught and turned into a polite, honest reply:

- ``InvalidInput``: a value the visitor typed is not acceptable; ``message`` is a sentence
  that can be shown to the visitor as a re-ask, ``field`` and ``reason`` are for code.
- ``ClinicDatabaseError`` and its subclasses: the clinic database could not do its job;
  nothing was written. Reply with an apology and the clinic's phone number.
- ``TicketNotFound``: no ticket has the reference given.
- ``RegistrationError`` and its subclasses: an event registration was refused for a reason
  the visitor should be told (unknown or past event, no registration to cancel).
"""

from __future__ import annotations


class ClinicError(Exception):
    """Base class of every error the clinic package raises on purpose."""


class InvalidInput(ClinicError, ValueError):
    """A visitor-supplied value was rejected. ``message`` is safe to show to the visitor."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


class ClinicDatabaseError(ClinicError):
    """The clinic database failed; the operation was rolled back and nothing was written."""


class DatabaseUnavailable(ClinicDatabaseError):
    """The database is down, unreachable, or locked for longer than the configured timeout."""


class DatabaseNotMigrated(ClinicDatabaseError):
    """The database has no (or an old) schema: run ``python -m clinic.migrate`` (``make setup``)."""


class TicketNotFound(ClinicError, LookupError):
    """No ticket has that reference."""


class RegistrationError(ClinicError):
    """An event registration or cancellation was refused; ``message`` can be shown to the visitor."""

    def __init__(self, message: str, event_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.event_id = event_id


class UnknownEvent(RegistrationError):
    """No event with that id is in the clinic file."""


class EventClosed(RegistrationError):
    """The event has already started or is over: registration and cancellation are refused."""


class RegistrationNotFound(RegistrationError):
    """There is no active registration for that e-mail address or conversation."""
