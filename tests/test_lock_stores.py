"""The lock stores that let several Rasa processes share conversations: the SQLite one (Rasa
workers on one machine) and the Redis one (replicas on several machines). Both give the same
guarantees, so one suite runs over both.

Concurrency is tested with real processes on a real SQLite file and a real Redis server: the
property that matters is that two workers never run turns of one conversation at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from ops.backing_services import RedisInstance
from rasa_runtime.redis_lock_store import RedisLockStore
from rasa_runtime.sqlite_lock_store import SQLiteLockStore

SQLITE_TYPE = "rasa_runtime.sqlite_lock_store.SQLiteLockStore"
REDIS_TYPE = "rasa_runtime.redis_lock_store.RedisLockStore"
FORK = multiprocessing.get_context("fork")  # as Sanic starts its workers


@dataclass(frozen=True)
class StoreSpec:
    """How to open one shared store, in this process or in a forked worker."""

    kind: str
    where: str  # the SQLite file, or the Redis URL
    prefix: str = ""

    def open(self):
        if self.kind == "sqlite":
            return SQLiteLockStore(db=self.where)
        return RedisLockStore(url=self.where, key_prefix=self.prefix)


@pytest.fixture(params=["sqlite", "redis"])
def spec(request, tmp_path) -> StoreSpec:
    if request.param == "sqlite":
        return StoreSpec("sqlite", str(tmp_path / "locks.db"))
    redis = request.getfixturevalue("redis_instance")
    return StoreSpec("redis", redis.url, prefix=f"t{uuid.uuid4().hex[:10]}")  # a store of this test's own


def _turns(spec: StoreSpec, log: str, worker: int, turns: int) -> None:
    """A worker running `turns` turns of conversation "visitor", logging when each starts and ends."""
    store = spec.open()

    async def run() -> None:
        for turn in range(turns):
            async with store.lock("visitor"):
                with open(log, "a") as out:
                    out.write(f"start {worker}-{turn} {time.monotonic()}\n")
                await asyncio.sleep(0.01)  # the turn's work, with the event loop free
                with open(log, "a") as out:
                    out.write(f"end {worker}-{turn} {time.monotonic()}\n")

    asyncio.run(run())


def test_workers_never_run_turns_of_one_conversation_at_the_same_time(spec: StoreSpec, tmp_path: Path):
    log = tmp_path / "turns.log"
    workers = [FORK.Process(target=_turns, args=(spec, str(log), n, 8)) for n in range(4)]
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
    assert spec.open().get_lock("visitor") is None


def _issue(spec: StoreSpec, count: int, results) -> None:
    store = spec.open()
    results.put([store.issue_ticket("crowded") for _ in range(count)])


def test_tickets_issued_at_the_same_moment_by_many_processes_are_all_different(spec: StoreSpec):
    """Rasa's own RedisLockStore reads, changes and writes a lock in separate steps: two replicas
    could both get the same ticket and run one conversation at once (RasaHQ/rasa#9213)."""
    results = FORK.Queue()
    workers = [FORK.Process(target=_issue, args=(spec, 25, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    tickets = [ticket for _ in workers for ticket in results.get(timeout=60)]
    for worker in workers:
        worker.join(30)
    assert sorted(tickets) == list(range(100))
    lock = spec.open().get_lock("crowded")
    assert [ticket.number for ticket in lock.tickets] == list(range(100))  # all kept, in order


def test_tickets_are_served_in_the_order_they_were_issued(spec: StoreSpec):
    store = spec.open()
    first, second = store.issue_ticket("visitor"), store.issue_ticket("visitor")
    assert second == first + 1
    lock = store.get_lock("visitor")
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("visitor", first)
    assert not store.get_lock("visitor").is_locked(second)
    store.cleanup("visitor", second)
    assert store.get_lock("visitor") is None


def test_a_ticket_left_by_a_dead_worker_expires(spec: StoreSpec):
    store = spec.open()
    store.issue_ticket("visitor", lock_lifetime=0.05)  # its worker died mid-turn: never cleaned up

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock("visitor", lock_lifetime=5):
            return time.monotonic() - started

    waited = asyncio.run(next_turn())
    assert waited < 2.0  # served once the stale ticket expired, not blocked for good
    assert store.get_lock("visitor") is None


def _die_holding_the_lock(spec: StoreSpec, held) -> None:
    store = spec.open()

    async def run() -> None:
        async with store.lock("visitor", lock_lifetime=1):
            held.set()
            await asyncio.sleep(3600)  # killed here, mid-turn

    asyncio.run(run())


def test_a_worker_killed_mid_turn_holds_its_conversation_only_until_its_ticket_expires(spec: StoreSpec):
    held = FORK.Event()
    worker = FORK.Process(target=_die_holding_the_lock, args=(spec, held))
    worker.start()
    assert held.wait(30)
    worker.kill()
    worker.join(10)
    store = spec.open()

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock("visitor", lock_lifetime=5):
            return time.monotonic() - started

    waited = asyncio.run(next_turn())
    assert 0.3 < waited < 3.0  # it did wait for the dead worker's ticket, then went on
    assert store.get_lock("visitor") is None


def test_other_conversations_are_not_held_up(spec: StoreSpec):
    store = spec.open()

    async def both() -> None:
        async with store.lock("first"):
            async with store.lock("second"):  # would wait for ever if the lock were global
                pass

    asyncio.run(asyncio.wait_for(both(), timeout=5))


def _record(spec: StoreSpec, key: str, results) -> None:
    results.put(spec.open().first_delivery(key))


def test_a_redelivered_webhook_is_first_for_exactly_one_worker(spec: StoreSpec):
    results = FORK.Queue()
    workers = [FORK.Process(target=_record, args=(spec, "telegram:42", results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(results.get(timeout=5) for _ in workers) == [False, False, False, True]
    store = spec.open()
    assert store.first_delivery("telegram:43") is True


def test_a_delivery_id_given_back_is_first_again(spec: StoreSpec):
    store = spec.open()
    assert store.first_delivery("whatsapp:SM1") is True
    assert store.first_delivery("whatsapp:SM1") is False
    store.forget_delivery("whatsapp:SM1")
    store.forget_delivery("whatsapp:never-seen")  # nothing to give back: no error
    assert store.first_delivery("whatsapp:SM1") is True
    assert spec.open().first_delivery("whatsapp:SM1") is False  # shared, not per process


def test_delivery_ids_are_forgotten_after_a_day(spec: StoreSpec):
    store = spec.open()
    assert store.first_delivery("telegram:42") is True
    if spec.kind == "sqlite":  # forgotten when a later delivery is recorded
        assert store.first_delivery("telegram:44", now=time.time() + 2 * 24 * 3600) is True
        assert store.first_delivery("telegram:42") is True
    else:  # Redis expires the key by itself
        ttl = store.redis.ttl(f"{store.prefix}delivery:telegram:42")
        assert 23 * 3600 < ttl <= 24 * 3600


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_rasa_builds_it_from_endpoints_and_then_allows_several_workers(kind, tmp_path: Path, monkeypatch, request):
    if kind == "sqlite":
        config = EndpointConfig(type=SQLITE_TYPE, db=str(tmp_path / "nested" / "locks.db"))
        store = LockStore.create(config)
        assert isinstance(store, SQLiteLockStore) and store.path == tmp_path / "nested" / "locks.db"
    else:
        redis = request.getfixturevalue("redis_instance")
        config = EndpointConfig(url=redis.url, type=REDIS_TYPE, key_prefix="clinic")
        store = LockStore.create(config)
        assert isinstance(store, RedisLockStore) and store.prefix == "clinic:"
        assert store.issue_ticket("visitor") == 0 and store.redis.exists("clinic:lock:visitor")
        store.cleanup("visitor", 0)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2
    assert number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1


@pytest.mark.parametrize("db", [":memory:", "", 42])
def test_a_sqlite_database_that_cannot_be_shared_is_refused(db):
    with pytest.raises(ValueError, match="lock_store.db"):
        SQLiteLockStore(endpoint_config=EndpointConfig(type=SQLITE_TYPE, db=db))


@pytest.mark.parametrize(
    "url, prefix", [("http://127.0.0.1:6379", ""), ("", "bad prefix!"), ("redis://127.0.0.1:1/0", "")]
)
def test_a_redis_store_that_is_misconfigured_or_unreachable_fails_at_start_up(url, prefix, request):
    if not url:
        url = request.getfixturevalue("redis_instance").url
    with pytest.raises((ValueError, LockError)):
        RedisLockStore(url=url, key_prefix=prefix)


def test_redis_going_away_is_a_lock_error_with_a_clear_log_line_and_no_turn_runs(caplog, tmp_path):
    with RedisInstance(log_dir=tmp_path) as redis:
        store = RedisLockStore(url=redis.url)
        redis.stop()
        ran = []

        async def turn() -> None:
            async with store.lock("visitor"):
                ran.append(True)

        started = time.monotonic()
        with caplog.at_level(logging.ERROR), pytest.raises(LockError):
            asyncio.run(turn())
        assert time.monotonic() - started < 10 and ran == []
        assert f"The Redis lock store at redis://127.0.0.1:{redis.port}/0 failed" in caplog.text
        redis.start()  # back: the same store object works again
        asyncio.run(turn())
        assert ran == [True] and store.get_lock("visitor") is None
