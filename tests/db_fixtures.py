"""Clinic-database fixtures: every database test runs on SQLite and on the machine's PostgreSQL.

PostgreSQL is reached as ``CLINIC_TEST_POSTGRES`` (a libpq DSN of a user allowed to create
databases), by default ``host=127.0.0.1 port=5432 dbname=postgres`` as user ``postgres``, then
``root``. Each test session creates its own throwaway databases and drops them at the end.
PostgreSQL runs on every development machine and in CI: when it cannot be reached the tests
fail (they are never skipped).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import List, Optional

import psycopg2
import pytest
import yaml
from clinic_fixture import clinic_data, event_data
from psycopg2 import sql

from clinic.config import ClinicConfig, load_config
from clinic.db import Database
from clinic.migrate import upgrade

BACKENDS = ["sqlite", "postgresql"]
# Children before parents (SQLite deletes them in this order).
CLINIC_TABLES = [
    "ticket_notes",
    "tickets",
    "event_registrations",
    "event_locks",
    "outbox",
    "staff_sessions",
    "sign_in_throttle",
    "audit_log",
    "staff_users",
    "conversation_reviews",
    "conversation_tags",
    "conversation_notes",
    "conversation_search",
    "conversation_intents",
    "conversation_summaries",
    "conversation_index_state",
    "conversation_index_gaps",
]


def _admin_dsns() -> List[str]:
    configured = os.environ.get("CLINIC_TEST_POSTGRES")
    if configured:
        return [configured]
    return [f"host=127.0.0.1 port=5432 dbname=postgres user={user}" for user in ("postgres", "root")]


class ThrowawayPostgres:
    """Creates databases for this test session and drops them all at the end."""

    def __init__(self) -> None:
        errors = []
        for dsn in _admin_dsns():
            try:
                connection = psycopg2.connect(dsn, connect_timeout=5)
            except psycopg2.Error as error:
                errors.append(f"{dsn}: {error}".strip())
                continue
            connection.autocommit = True
            self.connection = connection
            self.params = connection.get_dsn_parameters()
            break
        else:
            pytest.fail(
                "PostgreSQL is needed for the clinic database tests and could not be reached:\n" + "\n".join(errors)
            )
        self.created: List[str] = []

    def create(self) -> str:
        name = f"clinic_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self.url(name)

    def url(self, name: str) -> str:
        p = self.params
        return f"postgresql://{p['user']}@{p.get('host', '127.0.0.1')}:{p.get('port', '5432')}/{name}"

    def drop_all(self) -> None:
        with self.connection.cursor() as cursor:
            for name in self.created:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.connection.close()


@pytest.fixture(scope="session")
def postgres():
    server = ThrowawayPostgres()
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres) -> str:
    url = postgres.create()
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path) -> str:
    """A database with nothing in it (not even the schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("postgres").create()


def _truncate(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            connection.exec_driver_sql(f"TRUNCATE {', '.join(CLINIC_TABLES)} RESTART IDENTITY")
        else:
            for table in CLINIC_TABLES:
                connection.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Database:
    """A migrated, empty clinic database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("migrated_postgres_url")
    database = Database(url)
    _truncate(database)
    yield database
    database.dispose()


def make_config(tmp_path, now: Optional[dt.datetime] = None, **overrides) -> ClinicConfig:
    path = tmp_path / f"clinic-{uuid.uuid4().hex[:6]}.yml"
    path.write_text(yaml.safe_dump(clinic_data(now=now, **overrides), sort_keys=False), encoding="utf-8")
    return load_config(path)


@pytest.fixture()
def clinic_config(tmp_path) -> ClinicConfig:
    """The test clinic with events relative to now: one past, one small upcoming, one without guests."""
    return make_config(
        tmp_path,
        events=[
            event_data("past-talk", -3, capacity=10),
            event_data("acne-evening", 10, capacity=3, allow_guests=True, max_guests=1),
            event_data("skin-talk", 20, capacity=2),
        ],
    )
