"""The clinic configuration as the actions see it (its facts fill domain.yml's responses)."""

from __future__ import annotations

import logging
from typing import Optional

from clinic.config import ClinicConfig, ConfigProvider

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


def money(amount: float, currency: str) -> str:
    """A price as the clinic's visitors read it: "£180", "€49.50", "120 CHF"."""
    symbols = {"GBP": "£", "EUR": "€", "USD": "$"}
    value = f"{amount:,.2f}".replace(".00", "")
    symbol = symbols.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency}"
