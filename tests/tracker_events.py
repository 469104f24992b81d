"""Read a conversation's events from a test stack's SQLite tracker store, through the console's
read-only reader (clinic.tracker_store), the one reader of Rasa's events."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from clinic.tracker_store import TrackerStoreReader


def stored_events(tracker_db: Path, sender_id: str, type_name: Optional[str] = None) -> List[Dict[str, Any]]:
    """The conversation's stored events (their JSON), oldest first; only those of ``type_name`` if given."""
    reader = TrackerStoreReader(f"sqlite:///{tracker_db}")
    try:
        return [event.data or {} for event in reader.conversation_events(sender_id, type_name)]
    finally:
        reader.dispose()
