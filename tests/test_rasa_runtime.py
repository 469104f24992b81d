"""The project's Rasa entry point keeps Rasa's behaviour: same validation, same errors."""

from __future__ import annotations

import sqlite3

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from rasa_runtime.patches import install, validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "pending_offer", "value": None}],
    "responses": [{"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
}


@pytest.mark.parametrize(
    "result",
    [
        {"events": "not a list"},
        {"events": [{"no_event_key": 1}]},
        {"responses": "text"},
    ],
)
def test_invalid_action_results_are_refused_as_by_rasa(result):
    from jsonschema import validate

    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())  # what Rasa does
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_result(None, result)  # what the fix does


def test_valid_action_results_pass():
    assert validate_action_result(None, VALID) is True


def test_install_replaces_the_validation_and_sets_sqlite_pragmas(tmp_path):
    from sqlalchemy import create_engine, text

    install()
    install()  # idempotent
    assert RemoteAction._validate_action_result is validate_action_result
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    engine.dispose()
    assert sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_tracker_store_keeps_its_connections_in_a_pool(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.pool import QueuePool

    install()
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, QueuePool)
    tracker = DialogueStateTracker.from_events("visitor", [UserUttered("hello")])
    import asyncio

    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("visitor"))
    assert again.latest_message.text == "hello"


def test_the_wal_patch_leaves_read_only_connections_working(tmp_path):
    """The patch applies to every SQLite engine of the process; a read-only reader (the staff
    console's tracker-store reader, in the same test process) must still work."""
    import sqlite3

    from clinic.tracker_store import TrackerStoreReader

    install()
    path = tmp_path / "tracker.db"
    sqlite3.connect(path).close()
    reader = TrackerStoreReader(f"sqlite:///{path}")
    try:
        assert reader.events_after(0) == [] and reader.last_event_id() == 0
    finally:
        reader.dispose()
