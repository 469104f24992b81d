"""The console's read-only reader of Rasa's tracker store, on SQLite and PostgreSQL, against
rows written by Rasa's own SQLTrackerStore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tracker_fixtures
from rasa_conversations import ConversationBuilder, RasaWriter, new_tracker_url
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from clinic.tracker_store import (
    TrackerStoreError,
    TrackerStoreReader,
    tracker_url_from_config,
    tracker_url_from_endpoints,
)

rasa_tracker = tracker_fixtures.rasa_tracker  # the fixture, used by name
START = 1_780_000_000.0  # 2026-05-28


def faq_conversation(sender_id: str, start: float = START) -> ConversationBuilder:
    builder = ConversationBuilder(sender_id, start)
    builder.session().visitor("how long is the downtime?", "faq", 1.0, faq=("downtime", 0.97)).faq_answer("downtime")
    return builder


def test_reads_what_rasa_wrote_in_order(rasa_tracker):
    builder = faq_conversation("visitor-1")
    expected = [event.as_dict() for event in builder.events]
    rasa_tracker.add(builder)
    rasa_tracker.add(faq_conversation("visitor-2"))

    events = rasa_tracker.reader.conversation_events("visitor-1")
    assert [event.data for event in events] == json.loads(json.dumps(expected))
    assert [event.id for event in events] == sorted(event.id for event in events)
    assert {event.sender_id for event in events} == {"visitor-1"}
    user = rasa_tracker.reader.conversation_events("visitor-1", type_name="user")
    assert [(event.type_name, event.intent_name, event.data["text"]) for event in user] == [
        ("user", "faq", "how long is the downtime?")
    ]
    latest = rasa_tracker.reader.conversation_events("visitor-1", limit=2)
    assert [event.id for event in latest] == [event.id for event in events][-2:]
    assert rasa_tracker.reader.conversation_events("nobody") == []


def test_events_after_reads_batches_in_id_order_with_message_data_only(rasa_tracker):
    written = 0
    for n in range(3):
        builder = faq_conversation(f"visitor-{n}", START + n * 100)
        written += len(builder.events)
        rasa_tracker.add(builder)
    reader = rasa_tracker.reader
    every = reader.events_after(0, limit=10_000)
    assert len(every) == reader.last_event_id() == written == 24
    batches, position = [], 0
    while batch := reader.events_after(position, limit=7):
        batches.append(batch)
        position = batch[-1].id
    assert [e.id for batch in batches for e in batch] == [e.id for e in every]
    assert max(len(batch) for batch in batches) == 7
    for event in every:
        if event.type_name in ("user", "bot"):
            assert event.data and event.data["event"] == event.type_name
        else:
            assert event.data is None
    actions = [e.action_name for e in every if e.type_name == "action"]
    assert "action_answer_faq" in actions and "action_session_start" in actions
    middle = [e.id for e in every][10:13]
    assert [e.id for e in reader.events_by_id(middle + [10_000_000])] == middle
    assert reader.event_ids_between(middle[0] - 1, middle[-1]) == middle


def _write_attempts(reader: TrackerStoreReader):
    return [
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('intruder', 'user', 1.0, '{}')",
        "UPDATE events SET sender_id = 'changed'",
        "DELETE FROM events",
        "CREATE TABLE console_was_here (id INTEGER)",
    ]


def test_the_connection_refuses_every_write(rasa_tracker):
    rasa_tracker.add(faq_conversation("visitor-1"))
    reader = rasa_tracker.reader
    before = [(e.id, e.sender_id) for e in reader.events_after(0, limit=1000)]
    for statement in _write_attempts(reader):
        with pytest.raises(SQLAlchemyError, match="(?i)read-only|readonly"):
            with reader.engine.begin() as connection:
                connection.execute(text(statement))
    assert [(e.id, e.sender_id) for e in reader.events_after(0, limit=1000)] == before


def test_a_store_rasa_never_opened_reads_as_empty(db, tmp_path, request):
    url = new_tracker_url(db.backend, tmp_path, lambda: request.getfixturevalue("postgres"))
    reader = TrackerStoreReader(url)
    try:
        assert reader.last_event_id() == 0
        assert reader.events_after(0) == []
        assert reader.conversation_events("anyone") == []
        if db.backend == "sqlite":
            assert not Path(reader.sqlite_path).exists()  # reading never creates Rasa's file
        writer = RasaWriter(url)  # Rasa starts later and creates its table
        try:
            writer.add_conversation(faq_conversation("late-starter"))
        finally:
            writer.close()
        assert reader.last_event_id() > 0
        assert {e.sender_id for e in reader.events_after(0)} == {"late-starter"}
    finally:
        reader.dispose()


def test_an_sqlite_file_without_the_events_table_reads_as_empty(tmp_path):
    path = tmp_path / "tracker.db"
    import sqlite3

    sqlite3.connect(path).close()
    reader = TrackerStoreReader(f"sqlite:///{path}")
    try:
        assert reader.events_after(0) == [] and reader.last_event_id() == 0
    finally:
        reader.dispose()


def test_unusable_urls_are_refused_clearly():
    for url in ("mysql://u@h/db", "sqlite://", "not a url"):
        with pytest.raises(TrackerStoreError):
            TrackerStoreReader(url)


def test_an_unreachable_postgresql_store_is_a_tracker_store_error():
    reader = TrackerStoreReader("postgresql://nobody@127.0.0.1:1/nothing", timeout=1)
    try:
        with pytest.raises(TrackerStoreError, match="cannot read"):
            reader.events_after(0)
    finally:
        reader.dispose()


def test_tracker_url_from_rasa_endpoints_settings(tmp_path):
    base = Path("/srv/clinic")
    sqlite = {"type": "SQL", "dialect": "sqlite", "db": "var/tracker.db"}
    assert tracker_url_from_config(sqlite, base_dir=base, env={}) == "sqlite:////srv/clinic/var/tracker.db"
    assert tracker_url_from_config({"type": "sql", "db": "/data/t.db"}, env={}) == "sqlite:////data/t.db"
    postgres = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": None,
        "host": "db.internal",
        "port": 5433,
        "db": "rasa",
        "username": "${DB_USER}",
        "password": "${DB_PASSWORD}",
    }
    env = {"DB_USER": "rasa", "DB_PASSWORD": "p@ss:word/1"}
    url = tracker_url_from_config(postgres, env=env)
    assert url == "postgresql://rasa:p%40ss%3Aword%2F1@db.internal:5433/rasa"
    assert tracker_url_from_config({**postgres, "port": None, "host": "db.internal:6543"}, env=env).endswith(
        "@db.internal:6543/rasa"
    )
    assert (
        tracker_url_from_config({"type": "SQL", "host": "postgresql://u@h/d"}, env={}) == "postgresql://u@h/d"
    )  # Rasa accepts a whole URL as the host
    assert tracker_url_from_config({"type": "SQL", "url": "postgresql://a@b/c"}, env={}) == "postgresql://a@b/c"
    with pytest.raises(TrackerStoreError, match="DB_PASSWORD"):
        tracker_url_from_config(postgres, env={"DB_USER": "rasa"})
    with pytest.raises(TrackerStoreError, match="in memory"):
        tracker_url_from_config(None)
    with pytest.raises(TrackerStoreError, match="redis"):
        tracker_url_from_config({"type": "redis", "url": "localhost"})
    with pytest.raises(TrackerStoreError, match="dialect"):
        tracker_url_from_config({"type": "SQL", "dialect": "oracle"}, env={})
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/tracker.db\n")
    assert tracker_url_from_endpoints(endpoints, base_dir=tmp_path) == f"sqlite:///{tmp_path / 'var/tracker.db'}"


def test_the_projects_endpoints_file_names_the_tracker_make_run_uses():
    from ops.paths import ROOT

    assert tracker_url_from_endpoints() == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
