"""The last messages of a conversation, in the shape a ticket stores them as context.

``conversation_context`` reads Rasa tracker events (``tracker.events``: plain dicts, so this
module needs no Rasa import); ``clean_context`` bounds and cleans entries from any source.
An entry is ``{"role": "visitor" | "assistant", "text": str, "at": ISO-8601 UTC or None,
"intent": str or None}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterable, List, Mapping, Optional

from clinic.validation import clean_text

CONTEXT_MAX_MESSAGES = 20  # enough to keep the question that led to a hand-off form
CONTEXT_TEXT_MAX_LENGTH = 500
ROLES = {"user": "visitor", "bot": "assistant", "visitor": "visitor", "assistant": "assistant"}


def _timestamp(value: Any) -> Optional[str]:
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).isoformat(timespec="seconds")
    if isinstance(value, str) and value:
        return value[:40]
    return None


def clean_context(entries: Iterable[Mapping[str, Any]], limit: int = CONTEXT_MAX_MESSAGES) -> List[Dict[str, Any]]:
    """The last ``limit`` entries with a known role and some text, each bounded in length."""
    cleaned = []
    for entry in entries or ():
        role = ROLES.get(str(entry.get("role", "")))
        text = clean_text(entry.get("text"), limit=CONTEXT_TEXT_MAX_LENGTH)
        if role and text:
            intent = entry.get("intent")
            cleaned.append(
                {
                    "role": role,
                    "text": text,
                    "at": _timestamp(entry.get("at")),
                    "intent": clean_text(str(intent), limit=80, multiline=False) if intent else None,
                }
            )
    return cleaned[-limit:] if limit > 0 else []


def conversation_context(
    events: Iterable[Mapping[str, Any]], limit: int = CONTEXT_MAX_MESSAGES
) -> List[Dict[str, Any]]:
    """The last ``limit`` visitor and assistant messages among Rasa tracker events."""
    entries = []
    for event in events or ():
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name") if kind == "user" else None
        entries.append({"role": kind, "text": event.get("text"), "at": event.get("timestamp"), "intent": intent})
    return clean_context(entries, limit)
