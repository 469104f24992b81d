"""The fixes described in rasa_runtime/__init__.py; `install()` applies them once."""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

_installed = False


@functools.lru_cache(maxsize=None)
def _action_result_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every call
    return cls(schema)


def validate_action_result(self, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator compiled once (same schema, same errors)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def use_wal(connection: Any) -> None:
    """WAL and synchronous=NORMAL for a sqlite3 connection (see rasa_runtime/__init__.py)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            use_wal(dbapi_connection)
        except sqlite3.OperationalError:  # a read-only connection (mode=ro) keeps the file's own mode
            pass


def create_engine_kwargs(url: Any) -> Dict[Text, Any]:
    """Rasa's engine options, plus a small connection pool for SQLite.

    SQLAlchemy gives file-based SQLite no pool, so the tracker store opened, configured and
    closed a connection for every read and write of every turn.
    """
    from sqlalchemy.pool import QueuePool

    if str(url).startswith("sqlite") and ":memory:" not in str(url):
        return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 4, "connect_args": {"check_same_thread": False}}
    return _rasa_create_engine_kwargs(url)


_rasa_create_engine_kwargs = None


def install() -> None:
    global _installed
    if _installed:
        return
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    global _rasa_create_engine_kwargs
    RemoteAction._validate_action_result = validate_action_result
    event.listen(Engine, "connect", _sqlite_pragmas)
    _rasa_create_engine_kwargs = tracker_store.create_engine_kwargs
    tracker_store.create_engine_kwargs = create_engine_kwargs
    from rasa_runtime import input_hygiene, resilience, worker_sockets

    worker_sockets.install()  # each worker accepts on a socket of its own (README "Benchmarks")
    resilience.install()  # outage replies, tracker-store retries, request size limits (issue #11)
    input_hygiene.install()  # REST bodies checked, message texts made storable (issue #11)
    _installed = True
