"""The clinic configuration as the actions see it, and the sentences built from it."""

from __future__ import annotations

import logging
from typing import Optional

from clinic.config import ClinicConfig, ConfigProvider, Event

logger = logging.getLogger(__name__)

_provider: Optional[ConfigProvider] = None


def clinic() -> ClinicConfig:
    """The current clinic configuration (re-read when the file changes).

    The first call validates the file; an invalid file fails loudly at start-up (see
    actions/__init__ loading in the action server) rather than mid-conversation.
    """
    global _provider
    if _provider is None:
        _provider = ConfigProvider()
    return _provider.get()


def reset_for_tests() -> None:
    global _provider
    _provider = None


def contact_line(config: ClinicConfig) -> str:
    return f"call {config.clinic.phone} or email {config.clinic.email}"


def urgent_message(config: ClinicConfig) -> str:
    details = config.clinic
    return (
        "⚠️ What you describe can be a sign of something that needs urgent medical attention. "
        f"If you have trouble breathing, swelling of your lips, tongue or throat, or feel very unwell, "
        f"call {details.emergency_number} now or go to your nearest emergency department. "
        f"For other urgent concerns after a treatment, call the clinic's urgent line on {details.urgent_line} "
        "or seek urgent care today. Please don't wait for a reply here."
    )


def money(amount: float, currency: str) -> str:
    symbols = {"GBP": "£", "EUR": "€", "USD": "$"}
    value = f"{amount:,.2f}".replace(".00", "")
    symbol = symbols.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def event_summary(config: ClinicConfig, event: Event) -> str:
    when = event.starts_at(config.tz)
    price = "free" if event.is_free else money(event.price, event.currency)
    lines = [
        f"📅 {event.title}",
        f"{when.strftime('%A')} {when.day} {when.strftime('%B %Y')}, {event.start_time}–{event.end_time}",
        f"📍 {event.place}",
        f"Entry: {price}. Places: {event.capacity}."
        + (f" You can bring up to {event.max_guests} guest(s)." if event.allow_guests else ""),
    ]
    if event.description:
        lines.append(event.description)
    return "\n".join(lines)


def apology_for_failure(config: ClinicConfig) -> str:
    """What the visitor is told when saving something failed (nothing was half-written)."""
    return (
        "I'm sorry, something went wrong on our side and I couldn't save that just now. "
        f"So that nothing gets lost, please call the clinic on {config.clinic.phone} or email {config.clinic.email}."
    )
