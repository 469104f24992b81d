"""Load test of the scaled topology (issue #11): realistic conversations against one Rasa
replica and against two, in the same run, behind the same load balancer and stores.

    python -m ops.loadtest [--conversations 100] [--concurrency 50]     (make loadtest)

It starts its own PostgreSQL and Redis (ops.backing_services), the topology of ops.topology
(2 Rasa replicas of 1 Sanic worker each, 2 action servers, HAProxy), and a clinic file of its
own with an upcoming event. Each conversation is one of:

  faq           greeting, three FAQ questions, goodbye
  medical       a personal medical question, "yes", name, e-mail, consent: a MED- ticket
  registration  the events, "yes", name, e-mail, guests: a confirmed registration
  fallback      gibberish twice (the second offers a person), then a real question

Phase 1: replica 2 stopped, the load balancer sends everything to replica 1. Phase 2: both.
Printed per phase: p50/p95/p99 latency, throughput, errors, empty replies, outage replies,
replies off the script, and the two-replica/one-replica ratio. Afterwards every conversation
is read back from the tracker store: each user turn must be stored exactly once, in order;
and the clinic database must hold one ticket per medical and one registration per
registration conversation. Figures are printed, never asserted (targets in the README).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from ops.paths import ROOT, VAR

OUTAGE_MARK = "technical problem on our side"
REFERENCE = re.compile(r"\b(MED|URG|HUM|BKG)-[A-Z0-9]{4,}\b")
# One step: what the visitor sends, and a piece of the reply that shows the conversation is on script.
Step = Tuple[str, Optional[str]]


def faq(tag: str) -> List[Step]:
    return [
        ("hi", "virtual assistant"),
        ("what is micro-needling?", "Epidermal Collagen Therapy"),
        ("how long is the downtime?", None),
        ("does it hurt?", None),
        ("thanks, bye", None),
    ]


def medical(tag: str) -> List[Step]:
    return [
        ("I'm on roaccutane, is microneedling safe for me?", "licensed professional"),
        ("yes please", "What's your name?"),
        ("my name is Ana Silva", "e-mail address or phone number"),
        (f"it's ana.{tag}@example.com", "OK for the clinic to contact you"),
        ("yes", "MED-"),
    ]


def registration(tag: str) -> List[Step]:
    return [
        ("tell me about your events", None),
        ("yes", "What's your name?"),
        ("Noor", None),
        (f"noor.{tag}@example.com", "How many guests"),
        ("just me", "You're booked in"),
    ]


def fallback(tag: str) -> List[Step]:
    return [
        ("hello", None),
        ("qwzx vbnm plorf", None),
        ("zzkq grmbl fnord", None),
        ("what are your opening hours?", None),
    ]


SCRIPTS: Dict[str, Callable[[str], List[Step]]] = {
    "faq": faq,
    "medical": medical,
    "registration": registration,
    "fallback": fallback,
}
# The mix of a day's conversations: mostly questions, some hand-offs and registrations.
MIX = ["faq", "faq", "faq", "medical", "registration", "fallback"]


@dataclass
class Turn:
    text: str
    status: int  # HTTP status; 0 for a connection failure
    latency_ms: float
    reply: str = ""
    replica: str = ""
    on_script: bool = True
    started_at: float = 0.0  # time.monotonic() when it was sent
    error: str = ""  # why it failed, when it did

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def empty(self) -> bool:
        return self.ok and not self.reply.strip()

    @property
    def outage(self) -> bool:
        return OUTAGE_MARK in self.reply


@dataclass
class Conversation:
    sender: str
    kind: str
    steps: List[Step]
    turns: List[Turn] = field(default_factory=list)


def conversations(count: int, prefix: str) -> List[Conversation]:
    """``count`` conversations in the day's mix, each with a sender id of its own."""
    made = []
    for number in range(count):
        kind = MIX[number % len(MIX)]
        tag = f"{prefix}-{number}-{uuid.uuid4().hex[:6]}"
        made.append(Conversation(f"load-{tag}", kind, SCRIPTS[kind](tag)))
    return made


async def _talk(session, url: str, conversation: Conversation, stop_on_error: bool) -> None:
    import aiohttp

    for text, expected in conversation.steps:
        started, started_at = time.perf_counter(), time.monotonic()
        status, reply, replica, error = 0, "", "", ""
        try:
            async with session.post(url, json={"sender": conversation.sender, "message": text}) as response:
                status, replica = response.status, response.headers.get("X-Clinic-Replica", "")
                body = await response.json(content_type=None) if status == 200 else None
                if isinstance(body, list):
                    reply = "\n".join(str(m.get("text") or "") for m in body if isinstance(m, dict))
                    if not reply and any(isinstance(m, dict) and (m.get("buttons") or m.get("image")) for m in body):
                        reply = "(buttons)"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as failure:
            status, error = 0, f"{failure.__class__.__name__}: {failure}"[:200]
        latency_ms = (time.perf_counter() - started) * 1000
        turn = Turn(text, status, latency_ms, reply, replica, started_at=started_at, error=error)
        turn.on_script = turn.ok and (expected is None or expected in reply)
        conversation.turns.append(turn)
        if stop_on_error and not turn.ok:
            return


async def drive(url: str, talks: Sequence[Conversation], concurrency: int, stop_on_error: bool = False) -> float:
    """Run the conversations, ``concurrency`` at a time, each turn after the last; returns seconds taken."""
    import aiohttp

    limit = asyncio.Semaphore(concurrency)

    async def one(session, conversation: Conversation) -> None:
        async with limit:
            await _talk(session, url, conversation, stop_on_error)

    timeout = aiohttp.ClientTimeout(total=120)
    # Each visitor is a client of their own: no keep-alive connection shared between visitors
    # (one closed by the load balancer after a replica died would fail the next visitor's turn).
    connector = aiohttp.TCPConnector(limit=concurrency + 10, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, c) for c in talks))
        return time.perf_counter() - started


def run(url: str, talks: Sequence[Conversation], concurrency: int, stop_on_error: bool = False) -> float:
    return asyncio.run(drive(url, talks, concurrency, stop_on_error))


@dataclass
class Figures:
    conversations: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput_rps: float
    errors: int
    empty_replies: int
    outage_replies: int
    off_script: int
    replicas: Dict[str, int]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def figures(talks: Sequence[Conversation], seconds: float) -> Figures:
    turns = [t for c in talks for t in c.turns]
    latencies = [t.latency_ms for t in turns]
    replicas: Dict[str, int] = {}
    for turn in turns:
        replicas[turn.replica or "-"] = replicas.get(turn.replica or "-", 0) + 1
    return Figures(
        conversations=len(talks),
        requests=len(turns),
        seconds=seconds,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        throughput_rps=len(turns) / seconds if seconds else 0.0,
        errors=sum(not t.ok for t in turns),
        empty_replies=sum(t.empty for t in turns),
        outage_replies=sum(t.outage for t in turns),
        off_script=sum(t.ok and not t.outage and not t.on_script for t in turns),
        replicas=replicas,
    )


def cpu_seconds(services) -> Dict[str, float]:
    """CPU time (user + system) each service's process tree has used so far."""
    from ops.services import _tree

    ticks = os.sysconf("SC_CLK_TCK")
    used: Dict[str, float] = {}
    for service in services:
        total = 0
        for pid in _tree(service.process.pid) if service.process and service.process.poll() is None else []:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        used[service.name] = total / ticks
    return used


def cores_used(before: Dict[str, float], after: Dict[str, float], seconds: float) -> Dict[str, float]:
    """Average cores each service used between two ``cpu_seconds`` readings."""
    return {name: round((after.get(name, 0.0) - before.get(name, 0.0)) / seconds, 2) for name in after if seconds}


# --- what was stored ----------------------------------------------------------------------------


def stored_user_texts(tracker_store_url: str, senders: Sequence[str]) -> Dict[str, List[str]]:
    """Every conversation's user messages as the tracker store holds them, oldest first."""
    from clinic.tracker_store import TrackerStoreReader

    reader = TrackerStoreReader(tracker_store_url)
    try:
        return {
            sender: [(e.data or {}).get("text") or "" for e in reader.conversation_events(sender, "user")]
            for sender in senders
        }
    finally:
        reader.dispose()


def storage_problems(talks: Sequence[Conversation], stored: Dict[str, List[str]]) -> List[str]:
    """Turns not stored exactly once, in order.

    A turn answered normally must be stored once. A turn that failed (the replica died under it)
    or was declined with the outage reply may be stored once or not at all: never twice.
    """
    problems = []
    for conversation in talks:
        kept = list(stored.get(conversation.sender, []))
        position = 0
        for turn in conversation.turns:
            must = turn.ok and not turn.outage
            if position < len(kept) and kept[position] == turn.text:
                position += 1
                continue
            if must:
                problems.append(f"{conversation.sender}: {turn.text!r} answered but not stored (in order)")
        if position != len(kept):
            problems.append(f"{conversation.sender}: stored {kept[position:]!r} beyond what was sent")
    return problems


def clinic_records(database_url: str, senders: Sequence[str]) -> Dict[str, int]:
    """Tickets, registrations and outbox rows of these conversations in the clinic database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            tickets = connection.execute(
                text("SELECT count(*) FROM tickets WHERE sender_id = ANY(:s)"), {"s": list(senders)}
            ).scalar()
            registrations = connection.execute(
                text("SELECT count(*) FROM event_registrations WHERE sender_id = ANY(:s)"), {"s": list(senders)}
            ).scalar()
            outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar()
        return {"tickets": int(tickets), "registrations": int(registrations), "outbox": int(outbox)}
    finally:
        engine.dispose()


def expected_records(talks: Sequence[Conversation]) -> Dict[str, int]:
    """Records the finished conversations must have left: a ticket per referenced medical hand-off,
    a registration per confirmed one (as the visitor was told)."""
    tickets = sum(any(REFERENCE.search(t.reply) for t in c.turns) for c in talks)
    registrations = sum(any("You're booked in" in t.reply for t in c.turns) for c in talks)
    return {"tickets": tickets, "registrations": registrations}


# --- the run -------------------------------------------------------------------------------------


def clinic_file(path: Path, today: Optional[dt.date] = None) -> Path:
    """The project's clinic file with one upcoming event, large enough for the whole run."""
    data = yaml.safe_load((ROOT / "clinic.yml").read_text(encoding="utf-8"))
    today = today or dt.date.today()
    event = dict(data["events"][0]) if data.get("events") else {}
    event.update(
        {
            "id": "load-test-evening",
            "title": "Acne & Clear Skin Evening",
            "description": "An evening on acne and its treatments.",
            "date": (today + dt.timedelta(days=14)).isoformat(),
            "start_time": "18:30",
            "end_time": "20:00",
            "place": event.get("place") or "At the clinic",
            "capacity": 10_000,
            "price": 0,
            "currency": event.get("currency") or "GBP",
            "allow_guests": True,
            "max_guests": 2,
        }
    )
    data["events"] = [event]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def table(one: Figures, two: Figures) -> str:
    rows = [
        ("conversations", one.conversations, two.conversations),
        ("requests", one.requests, two.requests),
        ("p50 latency (ms)", one.p50_ms, two.p50_ms),
        ("p95 latency (ms)", one.p95_ms, two.p95_ms),
        ("p99 latency (ms)", one.p99_ms, two.p99_ms),
        ("throughput (req/s)", one.throughput_rps, two.throughput_rps),
        ("errors", one.errors, two.errors),
        ("empty replies", one.empty_replies, two.empty_replies),
        ("outage replies", one.outage_replies, two.outage_replies),
        ("replies off the script", one.off_script, two.off_script),
    ]
    lines = [
        f"| {'metric':<24} | {'1 replica':>10} | {'2 replicas':>10} | {'2/1':>6} |",
        f"|{'-' * 26}|{'-' * 12}|{'-' * 12}|{'-' * 8}|",
    ]
    for label, a, b in rows:
        ratio = f"{b / a:.2f}x" if isinstance(a, float) and a else ""
        lines.append(f"| {label:<24} | {a:>10.1f} | {b:>10.1f} | {ratio:>6} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100, help="conversations per phase")
    parser.add_argument("--concurrency", type=int, default=50, help="conversations at the same time")
    args = parser.parse_args(argv)
    if args.conversations < 1 or not 1 <= args.concurrency <= 500:
        parser.error("--conversations must be >= 1 and --concurrency from 1 to 500")

    from ops.backing_services import MissingTool, PostgresInstance, RedisInstance
    from ops.topology import Topology, TopologySettings

    work = VAR / "loadtest"
    try:
        postgres, redis = PostgresInstance(), RedisInstance(log_dir=work / "log")
    except MissingTool as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    with postgres, redis:
        settings = TopologySettings(
            tracker_store_url=postgres.create_database("tracker"),
            database_url=postgres.create_database("clinic"),
            redis_url=redis.url,
            log_dir=work / "log",
            work_dir=work,
            env={"CLINIC_CONFIG": str(clinic_file(work / "clinic.yml"))},
            with_console=False,
            with_website=False,
        )
        print("Starting PostgreSQL, Redis, 2 action servers, 2 Rasa replicas and HAProxy...", flush=True)
        with Topology(settings) as topology:
            url = topology.rest_url()
            run(url, conversations(6, "warm-up"), 6)  # first turns load lazily built parts
            topology.rasa[1].stop()
            topology.wait_balanced(expected=1)
            print(
                f"Phase 1: {args.conversations} conversations, {args.concurrency} at a time, 1 replica...", flush=True
            )
            one_talks = conversations(args.conversations, "one")
            before, load_before = cpu_seconds(topology.services), os.getloadavg()[0]
            one = figures(one_talks, run(url, one_talks, args.concurrency))
            one_cores = cores_used(before, cpu_seconds(topology.services), one.seconds)
            one_load = (load_before + os.getloadavg()[0]) / 2
            topology.restart(topology.rasa[1])
            topology.wait_balanced(expected=2)
            run(url, conversations(6, "warm-up-2"), 6)
            print("Phase 2: the same with 2 replicas...", flush=True)
            two_talks = conversations(args.conversations, "two")
            before, load_before = cpu_seconds(topology.services), os.getloadavg()[0]
            two = figures(two_talks, run(url, two_talks, args.concurrency))
            two_cores = cores_used(before, cpu_seconds(topology.services), two.seconds)
            two_load = (load_before + os.getloadavg()[0]) / 2
            talks = one_talks + two_talks
            problems = storage_problems(talks, stored_user_texts(settings.tracker_store_url, [c.sender for c in talks]))
            records = clinic_records(settings.database_url, [c.sender for c in talks])
            expected = expected_records(talks)

    print(
        f"\nREST through HAProxy, {args.concurrency} concurrent conversations of the day's mix "
        f"({', '.join(MIX)}), {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores\n"
    )
    print(table(one, two))
    print(f"\nreplicas that answered: phase 1 {one.replicas}, phase 2 {two.replicas}")
    for label, cores, load in (("phase 1", one_cores, one_load), ("phase 2", two_cores, two_load)):
        busy = ", ".join(f"{name} {value:.2f}" for name, value in cores.items() if value >= 0.01)
        print(f"cores used, {label}: {busy} (machine load average about {load:.1f})")
    failures = Counter(f"HTTP {t.status}" if t.status else t.error for c in talks for t in c.turns if not t.ok)
    if failures:
        print("failed turns: " + ", ".join(f"{why} x{count}" for why, count in failures.most_common(5)))
    turns = sum(len(c.turns) for c in talks)
    print(
        f"tracker store: {turns} user turns sent, "
        + ("every one stored exactly once, in order" if not problems else f"{len(problems)} problems:")
    )
    for problem in problems[:20]:
        print("  " + problem)
    print(
        f"clinic database: {records['tickets']} tickets (visitors given a reference: {expected['tickets']}), "
        f"{records['registrations']} registrations (confirmed to visitors: {expected['registrations']}), "
        f"{records['outbox']} outbox rows"
    )
    (VAR / "results").mkdir(parents=True, exist_ok=True)
    (VAR / "results" / "loadtest.json").write_text(
        json.dumps(
            {
                "one_replica": asdict(one),
                "two_replicas": asdict(two),
                "cores_used": {"one_replica": one_cores, "two_replicas": two_cores},
                "load_average": {"one_replica": one_load, "two_replicas": two_load},
                "storage_problems": problems,
                "records": records,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
