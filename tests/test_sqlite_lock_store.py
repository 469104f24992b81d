"""The SQLite lock store that lets several Rasa workers share one machine's conversations.

Concurrency is tested with real processes on a real SQLite file: the property that matters
is that two workers never run turns of one conversation at the same time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from rasa_runtime.sqlite_lock_store import SQLiteLockStore

STORE_TYPE = "rasa_runtime.sqlite_lock_store.SQLiteLockStore"
FORK = multiprocessing.get_context("fork")  # as Sanic starts its workers


def _turns(db: str, log: str, worker: int, turns: int) -> None:
    """A worker running `turns` turns of conversation "visitor", logging when each starts and ends."""
    store = SQLiteLockStore(db=db)

    async def run() -> None:
        for turn in range(turns):
            async with store.lock("visitor"):
                with open(log, "a") as out:
                    out.write(f"start {worker}-{turn} {time.monotonic()}\n")
                await asyncio.sleep(0.01)  # the turn's work, with the event loop free
                with open(log, "a") as out:
                    out.write(f"end {worker}-{turn} {time.monotonic()}\n")

    asyncio.run(run())


def test_workers_never_run_turns_of_one_conversation_at_the_same_time(tmp_path: Path):
    db, log = str(tmp_path / "locks.db"), tmp_path / "turns.log"
    workers = [FORK.Process(target=_turns, args=(db, str(log), n, 8)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = [line.split()[:2] for line in log.read_text().splitlines()]
    assert len(lines) == 4 * 8 * 2
    # Strictly alternating start/end of the same turn: no turn began while another ran.
    for (kind_a, turn_a), (kind_b, turn_b) in zip(lines[::2], lines[1::2], strict=True):
        assert (kind_a, kind_b, turn_a) == ("start", "end", turn_b)
    # And nothing is left behind once every turn is done.
    assert SQLiteLockStore(db=db).get_lock("visitor") is None


def test_tickets_are_served_in_the_order_they_were_issued(tmp_path: Path):
    store = SQLiteLockStore(db=tmp_path / "locks.db")
    first, second = store.issue_ticket("visitor"), store.issue_ticket("visitor")
    assert second == first + 1
    lock = store.get_lock("visitor")
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("visitor", first)
    assert not store.get_lock("visitor").is_locked(second)
    store.cleanup("visitor", second)
    assert store.get_lock("visitor") is None


def test_a_ticket_left_by_a_dead_worker_expires(tmp_path: Path):
    store = SQLiteLockStore(db=tmp_path / "locks.db")
    store.issue_ticket("visitor", lock_lifetime=0.05)  # its worker died mid-turn: never cleaned up

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock("visitor", lock_lifetime=5):
            return time.monotonic() - started

    waited = asyncio.run(next_turn())
    assert waited < 2.0  # served once the stale ticket expired, not blocked for good
    assert store.get_lock("visitor") is None


def test_other_conversations_are_not_held_up(tmp_path: Path):
    store = SQLiteLockStore(db=tmp_path / "locks.db")

    async def both() -> None:
        async with store.lock("first"):
            async with store.lock("second"):  # would wait for ever if the lock were global
                pass

    asyncio.run(asyncio.wait_for(both(), timeout=5))


def _record(db: str, key: str, results) -> None:
    results.put(SQLiteLockStore(db=db).first_delivery(key))


def test_a_redelivered_webhook_is_first_for_exactly_one_worker(tmp_path: Path):
    db = str(tmp_path / "locks.db")
    results = FORK.Queue()
    workers = [FORK.Process(target=_record, args=(db, "telegram:42", results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(results.get(timeout=5) for _ in workers) == [False, False, False, True]
    store = SQLiteLockStore(db=db)
    assert store.first_delivery("telegram:43") is True
    # Ids are forgotten after a day, so the table does not grow for ever.
    assert store.first_delivery("telegram:44", now=time.time() + 2 * 24 * 3600) is True
    assert store.first_delivery("telegram:42") is True


def test_rasa_builds_it_from_endpoints_and_then_allows_several_workers(tmp_path: Path, monkeypatch):
    config = EndpointConfig(type=STORE_TYPE, db=str(tmp_path / "nested" / "locks.db"))
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore) and store.path == tmp_path / "nested" / "locks.db"
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2
    assert number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1


@pytest.mark.parametrize("db", [":memory:", "", 42])
def test_a_database_that_cannot_be_shared_is_refused(db):
    with pytest.raises(ValueError, match="lock_store.db"):
        SQLiteLockStore(endpoint_config=EndpointConfig(type=STORE_TYPE, db=db))
