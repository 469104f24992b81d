"""The clinic database: migrations from empty, idempotent setup, models in step with migrations."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from db_fixtures import CLINIC_TABLES
from sqlalchemy import inspect

from clinic.db import DEFAULT_SQLITE_PATH, Database, database_url
from clinic.migrate import ROOT, current_revision, head_revision, upgrade
from clinic.schema import include_object, metadata


def test_migrations_create_the_schema_from_empty_and_are_idempotent(empty_database_url):
    assert current_revision(empty_database_url) is None
    assert upgrade(empty_database_url) == head_revision()
    assert upgrade(empty_database_url) == head_revision()  # a second setup changes nothing
    database = Database(empty_database_url)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert set(CLINIC_TABLES) | {"alembic_version"} <= tables
    finally:
        database.dispose()


def test_models_match_the_migrations(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrate_command_uses_database_url(empty_database_url):
    env = {"DATABASE_URL": empty_database_url, "PATH": "/usr/bin:/bin"}
    for expected in ("upgraded from empty", "already up to date"):
        result = subprocess.run(
            [sys.executable, "-m", "clinic.migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout and head_revision() in result.stdout
    assert current_revision(empty_database_url) == head_revision()


def test_migrate_command_reports_an_unreachable_database():
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing", "CLINIC_DB_TIMEOUT": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "clinic.migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "cannot migrate the clinic database" in result.stderr and "Traceback" not in result.stderr


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'sub' / 'clinic.db'}", timeout=2.5)  # the folder is created
    try:
        with database.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 2500
    finally:
        database.dispose()


def test_database_url_default_and_postgres_alias(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "var"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert database_url() == "postgresql://u@h/d"
