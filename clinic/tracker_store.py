"""Read-only access to Rasa's SQL tracker store (the ``events`` table Rasa's SQLTrackerStore writes).

The staff console reads conversations here and never writes Rasa's tables: the connection
itself refuses writes (SQLite: the file is opened with ``mode=ro`` and ``PRAGMA query_only``;
PostgreSQL: ``default_transaction_read_only=on``). A tracker store that does not exist yet
(the console started before Rasa ever ran: no SQLite file, or no ``events`` table) reads as
empty instead of failing.

Rasa's rows: ``id`` (ascending, the order of a conversation's events), ``sender_id``,
``type_name`` (``user``, ``bot``, ``action``, ``slot``, ``active_loop``, ``session_started``...),
``timestamp`` (float, seconds since the epoch), ``intent_name`` (user events), ``action_name``
(the ``name`` of action, slot and active-loop events) and ``data`` (the event's
``as_dict()`` as JSON text).

The URL is a SQLAlchemy URL (``sqlite:///var/tracker.db``, ``postgresql://user@host/db``);
``tracker_url_from_endpoints`` derives it from the ``tracker_store:`` section of Rasa's
endpoints.yml the way Rasa itself does.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence
from urllib.parse import quote, urlsplit

import yaml
from sqlalchemy import bindparam, text
from sqlalchemy.engine import URL, Engine, create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from clinic.db import safe_url
from clinic.errors import ClinicError

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EVENTS_TABLE = "events"
# The event types whose JSON the console needs when indexing; other rows are read without it.
MESSAGE_TYPES = ("user", "bot")
DEFAULT_TIMEOUT_SECONDS = 5.0
POSTGRESQL_SCHEMA_ENV = "POSTGRESQL_SCHEMA"  # Rasa's own variable for a non-default schema
_ENV_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_COLUMNS = "id, sender_id, type_name, timestamp, intent_name, action_name"


class TrackerStoreError(ClinicError):
    """Rasa's tracker store cannot be read (unreachable, misconfigured, or not a SQL store)."""


@dataclass(frozen=True)
class StoredEvent:
    """One row of Rasa's ``events`` table.

    ``data`` is the event's JSON (``Event.as_dict()``) parsed, or None when the caller did not
    ask for it (``events_after`` loads it only for messages); ``{}`` if the row held invalid JSON.
    """

    id: int
    sender_id: str
    type_name: str
    timestamp: Optional[float]
    intent_name: Optional[str]
    action_name: Optional[str]
    data: Optional[Dict[str, Any]] = None


def _parse(raw: Optional[str], event_id: int) -> Dict[str, Any]:
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        logger.warning("Tracker event %s holds invalid JSON; read as empty", event_id)
        return {}
    return value if isinstance(value, dict) else {}


def _event(row: Sequence[Any], with_data: bool) -> StoredEvent:
    event_id = int(row[0])
    return StoredEvent(
        id=event_id,
        sender_id=row[1],
        type_name=row[2],
        timestamp=row[3],
        intent_name=row[4],
        action_name=row[5],
        data=_parse(row[6], event_id) if with_data else None,
    )


def _is_missing_table(error: SQLAlchemyError) -> bool:
    detail = str(getattr(error, "orig", None) or error).lower()
    return "no such table" in detail or ("relation" in detail and "does not exist" in detail)


class TrackerStoreReader:
    """Read-only reader of one Rasa SQL tracker store (SQLite or PostgreSQL, same code).

    Thread-safe (a small connection pool); every method returns plain values and never
    writes. ``dispose()`` closes the pool.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, schema: Optional[str] = None) -> None:
        """``url``: SQLAlchemy URL of the tracker store; ``timeout``: seconds to wait for a
        connection, lock or statement; ``schema``: PostgreSQL schema (default: Rasa's
        ``POSTGRESQL_SCHEMA`` variable, else the user's search path)."""
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        self.url = url
        self.timeout = max(0.05, float(timeout))
        try:
            parsed = make_url(url)
        except (SQLAlchemyError, ValueError) as error:
            raise TrackerStoreError(f"the tracker store URL is not usable: {error}") from error
        self.backend = parsed.get_backend_name()
        self.sqlite_path: Optional[Path] = None
        if self.backend == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise TrackerStoreError("a SQLite tracker store needs a file path (sqlite:///path/to/tracker.db)")
            self.sqlite_path = Path(parsed.database)
            self.engine = self._sqlite_engine(self.sqlite_path)
        elif self.backend == "postgresql":
            self.engine = self._postgresql_engine(url, schema or os.environ.get(POSTGRESQL_SCHEMA_ENV) or None)
        else:
            raise TrackerStoreError(
                f"unsupported tracker store {safe_url(url)!r}: the console reads Rasa's SQL tracker store "
                "on sqlite:/// or postgresql://"
            )
        self._table_seen = False

    def _sqlite_engine(self, path: Path) -> Engine:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        busy_millis = int(self.timeout * 1000)

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(uri, uri=True, timeout=self.timeout, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {busy_millis}")
            connection.execute("PRAGMA query_only = ON")
            return connection

        return create_engine(
            "sqlite://", creator=connect, poolclass=QueuePool, pool_size=4, max_overflow=4, future=True
        )

    def _postgresql_engine(self, url: str, schema: Optional[str]) -> Engine:
        millis = int(self.timeout * 1000)
        options = f"-c default_transaction_read_only=on -c statement_timeout={millis * 6} -c lock_timeout={millis}"
        if schema:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", schema):
                raise TrackerStoreError(f"invalid PostgreSQL schema name {schema!r}")
            options += f" -c search_path={schema}"
        return create_engine(
            url,
            future=True,
            pool_pre_ping=True,
            pool_size=4,
            max_overflow=4,
            pool_timeout=self.timeout,
            connect_args={
                "connect_timeout": max(1, int(round(self.timeout))),
                "options": options,
                "application_name": "clinic-console",
            },
        )

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- reading ---------------------------------------------------------------------------

    def _rows(self, sql: str, params: Mapping[str, Any], expanding: Iterable[str] = ()) -> List[Sequence[Any]]:
        """Rows of one read; [] when the store or its events table does not exist yet."""
        if self.sqlite_path is not None and not self.sqlite_path.exists():
            return []
        statement = text(sql)
        for name in expanding:
            statement = statement.bindparams(bindparam(name, expanding=True))
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(statement, dict(params)).all()
        except SQLAlchemyError as error:
            if _is_missing_table(error):
                if self._table_seen:
                    logger.warning("Rasa's events table disappeared from %s", self.safe_url)
                return []
            raise TrackerStoreError(f"cannot read Rasa's tracker store at {self.safe_url}: {error}") from error
        self._table_seen = True
        return rows

    def last_event_id(self) -> int:
        """The highest event id in the store (0 when it is empty or does not exist yet)."""
        rows = self._rows(f"SELECT MAX(id) FROM {EVENTS_TABLE}", {})  # noqa: S608 - constant table name
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def events_after(
        self, after_id: int, limit: int = 5000, with_data_for: Sequence[str] = MESSAGE_TYPES
    ) -> List[StoredEvent]:
        """Up to ``limit`` events with ``id > after_id``, in id order (one batch of an index run).

        Only events whose type is in ``with_data_for`` come with their JSON ``data``: the
        others (actions, slots, loops) are described by their columns, which saves parsing
        most of the store.
        """
        if limit < 1:
            return []
        types = list(with_data_for) or [""]
        rows = self._rows(
            f"SELECT {_COLUMNS}, CASE WHEN type_name IN :types THEN data END FROM {EVENTS_TABLE} "  # noqa: S608
            "WHERE id > :after ORDER BY id LIMIT :limit",
            {"after": int(after_id), "limit": int(limit), "types": types},
            expanding=("types",),
        )
        wanted = set(types)
        return [_event(row, row[2] in wanted) for row in rows]

    def event_ids_between(self, low_exclusive: int, high_inclusive: int) -> List[int]:
        """The ids that exist in ``(low_exclusive, high_inclusive]``, ascending (index only)."""
        if high_inclusive <= low_exclusive:
            return []
        rows = self._rows(
            f"SELECT id FROM {EVENTS_TABLE} WHERE id > :low AND id <= :high ORDER BY id",  # noqa: S608
            {"low": int(low_exclusive), "high": int(high_inclusive)},
        )
        return [int(row[0]) for row in rows]

    def events_by_id(self, ids: Iterable[int], with_data_for: Sequence[str] = MESSAGE_TYPES) -> List[StoredEvent]:
        """The events with these ids, in id order (ids that do not exist are left out)."""
        wanted_ids = sorted({int(i) for i in ids})
        types = list(with_data_for) or [""]
        wanted_types = set(types)
        events: List[StoredEvent] = []
        for start in range(0, len(wanted_ids), 500):
            rows = self._rows(
                f"SELECT {_COLUMNS}, CASE WHEN type_name IN :types THEN data END FROM {EVENTS_TABLE} "  # noqa: S608
                "WHERE id IN :ids ORDER BY id",
                {"ids": wanted_ids[start : start + 500], "types": types},
                expanding=("ids", "types"),
            )
            events.extend(_event(row, row[2] in wanted_types) for row in rows)
        return events

    def conversation_events(
        self, sender_id: str, type_name: Optional[str] = None, limit: Optional[int] = None
    ) -> List[StoredEvent]:
        """One conversation's events (every session), oldest first, each with its ``data``.

        ``type_name`` keeps one event type; ``limit`` keeps the latest ``limit`` events.
        """
        where = "sender_id = :sender" + (" AND type_name = :type" if type_name else "")
        params: Dict[str, Any] = {"sender": sender_id, "type": type_name}
        if limit is not None:
            sql = (
                f"SELECT * FROM (SELECT {_COLUMNS}, data FROM {EVENTS_TABLE} WHERE {where} "  # noqa: S608
                "ORDER BY id DESC LIMIT :limit) AS latest ORDER BY id"
            )
            params["limit"] = max(0, int(limit))
        else:
            sql = f"SELECT {_COLUMNS}, data FROM {EVENTS_TABLE} WHERE {where} ORDER BY id"  # noqa: S608
        return [_event(row, True) for row in self._rows(sql, params)]


# -- configuration from Rasa's endpoints.yml -------------------------------------------------


def _expand_env(value: Any, env: Mapping[str, str]) -> Any:
    """``${NAME}`` placeholders replaced from the environment, as Rasa does in endpoints.yml
    (an unset variable is an error, never an empty password)."""
    if not isinstance(value, str):
        return value
    missing = [name for name in _ENV_PLACEHOLDER.findall(value) if name not in env]
    if missing:
        raise TrackerStoreError(
            f"endpoints.yml refers to environment variables that are not set: {', '.join(sorted(set(missing)))}"
        )
    return _ENV_PLACEHOLDER.sub(lambda match: env[match.group(1)], value)


def tracker_url_from_config(
    section: Optional[Mapping[str, Any]], base_dir: Path = ROOT, env: Optional[Mapping[str, str]] = None
) -> str:
    """The SQLAlchemy URL of the store an endpoints.yml ``tracker_store:`` section describes.

    Follows Rasa's SQLTrackerStore: ``type: SQL``; ``dialect`` (default ``sqlite``); ``db``
    (default ``rasa.db``; a relative SQLite path is relative to ``base_dir``, where Rasa runs);
    ``host`` (may hold a whole URL, as Rasa allows), ``port``, ``username``, ``password``,
    ``query``; ``${VAR}`` placeholders come from the environment. ``url`` (an extension of
    this project) gives the whole URL directly. A missing section is Rasa's default in-memory
    store, which the console cannot read: that and any other type are refused with a clear error.
    """
    env = os.environ if env is None else env
    if not section:
        raise TrackerStoreError(
            "endpoints.yml has no tracker_store: Rasa keeps conversations in memory, where the console cannot read them"
        )
    values = {key: _expand_env(value, env) for key, value in section.items()}
    kind = str(values.get("type") or "").strip().lower()
    if kind != "sql":
        raise TrackerStoreError(f"the console reads Rasa's SQL tracker store, not tracker_store type {kind!r}")
    if values.get("url"):
        return str(values["url"])
    host = values.get("host")
    if host and "://" in str(host):
        return str(host)
    dialect = str(values.get("dialect") or "sqlite").strip().lower()
    if dialect in ("postgres", "postgresql+psycopg2"):
        dialect = "postgresql"
    db = str(values.get("db") or "rasa.db")
    if dialect == "sqlite":
        path = Path(db)
        return f"sqlite:///{path if path.is_absolute() else (base_dir / path)}"
    if dialect != "postgresql":
        raise TrackerStoreError(f"unsupported tracker store dialect {dialect!r}: use sqlite or postgresql")
    port = values.get("port")
    if host:  # like Rasa: the host may carry the port ("db.example:5433")
        try:
            parsed_host = urlsplit(f"scheme://{host}")
            host, port = parsed_host.hostname or host, parsed_host.port or port
        except ValueError as error:
            raise TrackerStoreError(f"the tracker store host {host!r} is not valid: {error}") from error
    try:
        port_number = int(port) if port not in (None, "") else None
    except (TypeError, ValueError) as error:
        raise TrackerStoreError(f"the tracker store port {port!r} is not a number") from error
    query = values.get("query") or {}
    url = URL.create(
        "postgresql",
        username=values.get("username") or None,
        password=values.get("password") or None,
        host=str(host) if host else None,
        port=port_number,
        database=db,
        query={str(k): str(v) for k, v in dict(query).items()},
    )
    return url.render_as_string(hide_password=False)


def tracker_url_from_endpoints(
    path: Path = ROOT / "endpoints.yml", base_dir: Optional[Path] = None, env: Optional[Mapping[str, str]] = None
) -> str:
    """The tracker store URL from an endpoints.yml file (relative SQLite paths are taken from
    ``base_dir``, by default the project root, where ``make run`` starts Rasa)."""
    try:
        endpoints = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TrackerStoreError(f"cannot read {path}: {error}") from error
    if not isinstance(endpoints, dict):
        raise TrackerStoreError(f"{path} is not a mapping of endpoints")
    return tracker_url_from_config(endpoints.get("tracker_store"), base_dir=base_dir or ROOT, env=env)
