"""The clinic database connection: URL, engine settings per backend, and transactions.

``DATABASE_URL`` selects the database (``postgresql://user@host/db`` past one machine);
without it the clinic uses the SQLite file ``var/clinic.db``. The schema is created and
upgraded by ``python -m clinic.migrate`` (run by ``make setup``), never by hand.

Every unit of work runs in ``Database.transaction()``: it commits on success, rolls back on
any error, and turns driver errors into the typed ``ClinicDatabaseError`` family so that
callers can reply politely instead of crashing. Errors are logged here, once.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction starts
with ``BEGIN IMMEDIATE``: writers queue for the lock at the start instead of failing half-way,
which also makes read-then-write sequences (seat counting, outbox claims) safe; read-only
transactions use a plain ``BEGIN`` and never wait for writers. PostgreSQL
gets connect, lock and statement timeouts, and row locks where the code asks for them.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from clinic.env import env_duration
from clinic.errors import ClinicDatabaseError, DatabaseNotMigrated, DatabaseUnavailable

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "var" / "clinic.db"
DATABASE_URL_ENV = "DATABASE_URL"
TIMEOUT_ENV = "CLINIC_DB_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 5.0
READ_ONLY_OPTION = "clinic_read_only"


def database_url() -> str:
    """``DATABASE_URL`` if set (``postgres://`` is accepted for ``postgresql://``), else the SQLite file."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def safe_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


def timeout_seconds() -> float:
    """CLINIC_DB_TIMEOUT in seconds (``SettingError`` when it is not a duration of 50 ms to 5 min)."""
    return env_duration(TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS, 0.05, 300)


def create_clinic_engine(url: str, timeout: float) -> Engine:
    """An engine with the clinic's settings for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, timeout)
    if parsed.get_backend_name() == "postgresql":
        millis = int(timeout * 1000)
        return create_engine(
            url,
            future=True,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            pool_timeout=timeout,
            connect_args={
                "connect_timeout": max(1, int(round(timeout))),
                "options": f"-c lock_timeout={millis} -c statement_timeout={millis * 6}",
                "application_name": "clinic",
            },
        )
    raise ValueError(f"unsupported clinic database {safe_url(url)!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: str, path: Optional[str], timeout: float) -> Engine:
    if path and path != ":memory:" and not path.startswith("file:"):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # reported as DatabaseUnavailable on first use
            logger.error("Cannot create the folder of the clinic database %s: %s", path, error)
    # A small pool: SQLAlchemy 1.4 gives a file database none, and opening and configuring a
    # connection for every transaction costs about 1.5 ms of CPU (a console transcript, an action).
    pooled = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10} if path and path != ":memory:" else {}
    engine = create_engine(url, future=True, connect_args={"timeout": timeout, "check_same_thread": False}, **pooled)
    busy_millis = int(timeout * 1000)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver must not issue its own BEGIN; see below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_millis}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def translate_error(error: SQLAlchemyError) -> ClinicDatabaseError:
    """The typed clinic error for a SQLAlchemy/driver error."""
    detail = (str(getattr(error, "orig", None) or error).strip().splitlines() or [type(error).__name__])[0]
    lowered = detail.lower()
    if isinstance(error, (OperationalError, ProgrammingError)) and (
        "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered)
    ):
        return DatabaseNotMigrated(
            f"The clinic database has no schema yet; run `python -m clinic.migrate` (part of `make setup`): {detail}"
        )
    unavailable = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
    if isinstance(error, unavailable) or (isinstance(error, DBAPIError) and error.connection_invalidated):
        return DatabaseUnavailable(f"The clinic database is unavailable or busy: {detail}")
    return ClinicDatabaseError(f"The clinic database failed: {detail}")


class Database:
    """One clinic database: an engine and its transactions."""

    def __init__(self, url: Optional[str] = None, timeout: Optional[float] = None) -> None:
        self.url = url or database_url()
        self.timeout = timeout if timeout is not None else timeout_seconds()
        try:
            self.engine = create_clinic_engine(self.url, self.timeout)
        except (SQLAlchemyError, ValueError, ImportError) as error:
            logger.error("Invalid clinic database URL: %s", error)
            raise ClinicDatabaseError(f"The clinic database URL is not usable: {error}") from error
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        Objects read or written stay usable (detached, not expired) after the block. Driver
        errors leave as ``ClinicDatabaseError`` subclasses (logged here); ``IntegrityError``
        raised inside the block and not handled there is treated the same way. A
        ``read_only`` transaction on SQLite does not queue for the write lock (WAL readers
        never wait for writers); it must not write.
        """
        session = self._sessions()
        try:
            if read_only:
                session.connection(execution_options={READ_ONLY_OPTION: True})
            yield session
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            translated = translate_error(error)
            logger.error("Clinic database error (%s): %s", self.safe_url, translated, exc_info=error)
            raise translated from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def dialect_insert(session: Session, model):
    """An INSERT for ``model`` in the session's dialect, so that ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (which SQLite and PostgreSQL both have) are available."""
    from sqlalchemy.dialects import postgresql, sqlite

    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name](model)


def is_unique_violation(error: IntegrityError) -> bool:
    """True for a unique-constraint violation (as opposed to a NOT NULL or CHECK failure)."""
    code = getattr(getattr(error, "orig", None), "pgcode", None)
    if code is not None:
        return code == "23505"
    return "unique" in str(getattr(error, "orig", error)).lower()


_default: Optional[Database] = None
_default_lock = threading.Lock()


def get_database() -> Database:
    """The process-wide database for ``DATABASE_URL`` (created on first use)."""
    global _default
    url = database_url()
    with _default_lock:
        if _default is None or _default.url != url:
            if _default is not None:
                _default.dispose()
            _default = Database(url)
        return _default


def reset_default_database() -> None:
    """Forget the process-wide database (tests switch ``DATABASE_URL`` between backends)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.dispose()
        _default = None
