"""Reading settings from the environment: one parser per type, each with a clear error.

Every service reads its settings once, when it starts (a ``Settings.from_env()``), through
these functions, never at import time. A bad value stops the service with a message naming
the variable, the value and what was expected, instead of a traceback or a silent default.
"""

from __future__ import annotations

import os
import re
from typing import Mapping, Optional

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class SettingError(ValueError):
    """An environment variable holds a value its service cannot use."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"{name} must be {expected}, not {value!r}")
        self.name = name
        self.value = value
        self.expected = expected


def _raw(name: str, environ: Optional[Mapping[str, str]]) -> Optional[str]:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_str(name: str, default: str = "", environ: Optional[Mapping[str, str]] = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Optional[Mapping[str, str]] = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise SettingError(name, value, "true or false (also 1/0, yes/no, on/off)")


def env_choice(name: str, default: str, choices: tuple, environ: Optional[Mapping[str, str]] = None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value.lower() not in choices:
        raise SettingError(name, value, "one of " + ", ".join(choices))
    return value.lower()


def env_int(name: str, default: int, minimum: int, maximum: int, environ: Optional[Mapping[str, str]] = None) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    if not re.fullmatch(r"[+-]?\d+", value) or not minimum <= int(value) <= maximum:
        raise SettingError(name, value, f"a whole number from {minimum} to {maximum}")
    return int(value)


def env_float(
    name: str, default: float, minimum: float, maximum: float, environ: Optional[Mapping[str, str]] = None
) -> float:
    """A decimal number within [minimum, maximum] (a confidence, a fraction)."""
    value = _raw(name, environ)
    if value is None:
        return default
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value) or not minimum <= float(value) <= maximum:
        raise SettingError(name, value, f"a number from {minimum:g} to {maximum:g}")
    return float(value)


def env_port(name: str, default: int, environ: Optional[Mapping[str, str]] = None) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingError(name, value, "a port number (1-65535)")
    return int(value)


def parse_duration(text: str) -> float:
    """Seconds in ``"90"``, ``"90s"``, ``"15m"``, ``"12h"``, ``"7d"`` or ``"250ms"``; ValueError otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def env_duration(
    name: str,
    default_seconds: float,
    minimum: float = 0.0,
    maximum: float = 365 * 86400.0,
    environ: Optional[Mapping[str, str]] = None,
) -> float:
    """A duration in seconds; plain numbers are seconds."""
    value = _raw(name, environ)
    if value is None:
        return default_seconds
    try:
        seconds = parse_duration(value)
    except ValueError:
        seconds = None
    if seconds is None or not minimum <= seconds <= maximum:
        raise SettingError(name, value, f"a duration such as 90s, 15m or 12h (from {minimum:g} s to {maximum:g} s)")
    return seconds
