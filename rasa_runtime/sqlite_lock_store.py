"""A Rasa lock store in a SQLite file, so several Rasa worker processes on one machine can
share the embedded default (SQLite tracker store) without Redis.

    # endpoints.yml
    lock_store:
      type: rasa_runtime.sqlite_lock_store.SQLiteLockStore
      db: var/locks.db          # optional; this is the default

Rasa serialises the turns of one conversation with a ticket lock. Its in-memory lock store
lives in one process, which is why Rasa refuses more than one Sanic worker (SANIC_WORKERS)
without Redis or a custom lock store. This store keeps each conversation's ticket lock in a
SQLite row and changes it only inside ``BEGIN IMMEDIATE`` transactions, so issuing and
returning tickets is atomic across processes (Rasa's base class reads, changes and writes a
lock in separate steps; Redis's store inherits that race).

It also records platform delivery ids (``first_delivery``), so a webhook that a platform
redelivers is handled once even when the retry reaches another worker; a connector gives an
id back (``forget_delivery``) when its message could not be handed to the assistant.

Tickets expire after Rasa's lock lifetime (TICKET_LOCK_LIFETIME, 60 s), so a worker that dies
mid-turn blocks its conversation for at most that long. Waiting for a busy conversation is
polled every 50 ms instead of Rasa's 1 s, so a visitor's quick second message is not held up.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import AsyncContextManager, Callable, Iterator, Optional, Text, TypeVar, Union

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_runtime.patches import use_wal

Result = TypeVar("Result")

DEFAULT_DB = "var/locks.db"
WAIT_BETWEEN_ATTEMPTS_S = 0.05
BUSY_TIMEOUT_MS = 10_000
DELIVERY_MEMORY_S = 24 * 3600  # platforms redeliver within minutes; a day is ample

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ticket_locks ( conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deliveries ( delivery_key TEXT PRIMARY KEY, seen_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS deliveries_seen_at ON deliveries (seen_at)",
)


class SQLiteLockStore(LockStore):
    """Ticket locks (and delivery ids) shared by the Rasa processes of one machine."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, db: Union[str, Path, None] = None) -> None:
        configured = db if db is not None else (endpoint_config.kwargs.get("db") if endpoint_config else None)
        if configured is None:
            configured = DEFAULT_DB
        if not isinstance(configured, (str, Path)) or not str(configured).strip():
            raise ValueError(f"lock_store.db must be a file path, not {configured!r}")
        if str(configured).strip() == ":memory:":
            raise ValueError("lock_store.db must be a file: an in-memory database is not shared between workers")
        self.path = Path(str(configured).strip()).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._transaction() as connection:  # fails at start-up, not at the first message
            for statement in SCHEMA:
                connection.execute(statement)

    # -- connection handling ---------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per process and thread: Sanic forks its workers after start-up.
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            use_wal(connection)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")  # takes the write lock now: read-modify-write is atomic
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @staticmethod
    def _read(connection: sqlite3.Connection, conversation_id: Text) -> Optional[TicketLock]:
        row = connection.execute(
            "SELECT lock FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    @staticmethod
    def _write(connection: sqlite3.Connection, lock: TicketLock) -> None:
        if lock.tickets:
            connection.execute(
                "INSERT INTO ticket_locks (conversation_id, lock) VALUES (?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET lock = excluded.lock",
                (lock.conversation_id, lock.dumps()),
            )
        else:
            connection.execute("DELETE FROM ticket_locks WHERE conversation_id = ?", (lock.conversation_id,))

    # -- Rasa's LockStore interface ----------------------------------------------------------

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self._read(self._connection(), conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        with self._transaction() as connection:
            deleted = connection.execute(
                "DELETE FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)
            ).rowcount
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        with self._transaction() as connection:
            self._write(connection, lock)

    def _change(
        self, conversation_id: Text, change: Callable[[TicketLock], Result], create: bool = False
    ) -> Optional[Result]:
        """Read, change and write a conversation's lock in one transaction (None: no lock)."""
        with self._transaction() as connection:
            lock = self._read(connection, conversation_id)
            if lock is None and create:
                lock = self.create_lock(conversation_id)
            if lock is None:
                return None
            result = change(lock)
            self._write(connection, lock)
            return result

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except sqlite3.Error as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, TicketLock.remove_expired_tickets)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One transaction: returning the ticket and deleting an empty lock cannot race with
        # another worker issuing the next ticket (the lock row is deleted once it is empty).
        self.finish_serving(conversation_id, ticket_number)

    def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_BETWEEN_ATTEMPTS_S,
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    # -- webhook deliveries --------------------------------------------------------------------

    def first_delivery(self, key: Text, now: Optional[float] = None) -> bool:
        """Record a platform's delivery id; True the first time it is seen by any worker."""
        now = time.time() if now is None else now
        with self._transaction() as connection:
            connection.execute("DELETE FROM deliveries WHERE seen_at < ?", (now - DELIVERY_MEMORY_S,))
            inserted = connection.execute(
                "INSERT OR IGNORE INTO deliveries (delivery_key, seen_at) VALUES (?, ?)", (key, now)
            ).rowcount
        return inserted == 1

    def forget_delivery(self, key: Text) -> None:
        """Give a delivery id back: its message never reached the assistant, so the platform's retry must be handled."""
        with self._transaction() as connection:
            connection.execute("DELETE FROM deliveries WHERE delivery_key = ?", (key,))
