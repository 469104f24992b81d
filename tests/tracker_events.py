"""Read a conversation's events straight from a test stack's SQLite tracker store."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any, Dict, List, Optional


def stored_events(tracker_db: Path, sender_id: str, type_name: Optional[str] = None) -> List[Dict[str, Any]]:
    """The conversation's stored events, oldest first; only those of ``type_name`` if given."""
    query = "SELECT data FROM events WHERE sender_id = ?" + (" AND type_name = ?" if type_name else "") + " ORDER BY id"
    with closing(sqlite3.connect(tracker_db)) as db:
        rows = db.execute(query, (sender_id, type_name) if type_name else (sender_id,)).fetchall()
    return [json.loads(row[0]) for row in rows]
