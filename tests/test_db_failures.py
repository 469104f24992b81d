"""A locked, down, unmigrated or failing database: a typed error, a log line, nothing half-written."""

from __future__ import annotations

import logging
import sqlite3
import time

import psycopg2
import pytest
from sqlalchemy import func, select

from clinic import tickets
from clinic.db import Database
from clinic.errors import ClinicDatabaseError, DatabaseNotMigrated, DatabaseUnavailable
from clinic.models import OutboxMessage, Ticket
from clinic.registrations import register_for_event
from clinic.tickets import open_ticket
from ops.services import free_port


def rows(db, model):
    with db.transaction() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_locked_sqlite_database_raises_database_unavailable(tmp_path, caplog):
    from clinic.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    upgrade(url)
    db = Database(url, timeout=0.3)
    holder = sqlite3.connect(tmp_path / "clinic.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="clinic.db"), pytest.raises(DatabaseUnavailable) as error:
            open_ticket("medical", "v", message="help", db=db)
        assert time.monotonic() - started < 5
        assert "locked" in str(error.value)
        assert any("Clinic database error" in record.getMessage() for record in caplog.records)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert rows(db, Ticket) == 0 and rows(db, OutboxMessage) == 0
    assert not open_ticket("medical", "v", db=db).existed  # works again once the lock is gone
    db.dispose()


def test_a_locked_postgres_table_raises_database_unavailable(migrated_postgres_url, caplog):
    db = Database(migrated_postgres_url, timeout=0.5)
    holder = psycopg2.connect(migrated_postgres_url)
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE")
        with caplog.at_level(logging.ERROR, logger="clinic.db"), pytest.raises(DatabaseUnavailable):
            open_ticket("medical", "locked-visitor", db=db)
        assert any("Clinic database error" in record.getMessage() for record in caplog.records)
    finally:
        holder.rollback()
        holder.close()
    with db.transaction() as session:
        assert (
            session.execute(
                select(func.count()).select_from(Ticket).where(Ticket.sender_id == "locked-visitor")
            ).scalar_one()
            == 0
        )
    db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:{port}/clinic",  # nothing listening
        "sqlite:////proc/no-such-dir/clinic.db",  # cannot be opened
    ],
)
def test_a_database_that_is_down_raises_database_unavailable(url, caplog):
    db = Database(url.format(port=free_port()), timeout=1)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="clinic.db"), pytest.raises(DatabaseUnavailable):
        open_ticket("urgent", "v", db=db)
    assert time.monotonic() - started < 10
    assert caplog.records, "the failure is logged for staff"
    db.dispose()


def test_an_unmigrated_database_says_how_to_fix_it(empty_database_url, clinic_config):
    db = Database(empty_database_url)
    with pytest.raises(DatabaseNotMigrated) as error:
        open_ticket("medical", "v", db=db)
    assert "python -m clinic.migrate" in str(error.value)
    with pytest.raises(ClinicDatabaseError):
        register_for_event(clinic_config, "acne-evening", name="Ann", email="ann@example.com", db=db)
    db.dispose()


def test_a_failing_outbox_write_rolls_the_ticket_back(db, monkeypatch):
    def broken_enqueue(session, topic, payload, priority, now=None):
        session.add(OutboxMessage(topic=topic, channel="carrier-pigeon", priority=priority, payload=payload))

    monkeypatch.setattr(tickets, "enqueue", broken_enqueue)
    with pytest.raises(ClinicDatabaseError):
        open_ticket("medical", "v", message="help", db=db)
    assert rows(db, Ticket) == 0 and rows(db, OutboxMessage) == 0


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path):
    from clinic.migrate import upgrade
    from clinic.tickets import get_ticket

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    upgrade(url)
    db = Database(url, timeout=0.3)
    reference = open_ticket("medical", "v", db=db).ticket.reference
    holder = sqlite3.connect(tmp_path / "clinic.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
    try:
        assert get_ticket(reference, db=db).reference == reference
        with pytest.raises(DatabaseUnavailable):
            open_ticket("medical", "w", db=db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db.dispose()


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/clinic", "not a url"])
def test_an_unusable_database_url_is_a_clinic_database_error(url):
    with pytest.raises(ClinicDatabaseError):
        Database(url)
