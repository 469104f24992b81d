"""Benchmark the clinic assistant against a stock `rasa init` assistant, in the same run.

    python -m ops.bench [--requests 300] [--users 10] [--reuse-models]

Both assistants are trained (timed), served on loopback and sent the same messages through
the REST channel: once by a single user, once by N concurrent users. Printed for each:
training time, start-up time to ready, p50/p95/p99 latency, throughput, errors, empty
replies and peak memory (resident set, whole process tree), with clinic/stock ratios.
Figures are printed, never asserted: targets are judged by reading them.

The clinic assistant is served as `make run` serves it (one Rasa worker per core, sharing
the SQLite lock store); stock `rasa init` can only run one worker (its in-memory lock store).
The clinic with a single worker is measured too, so the gain of each step shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ops.nlu_eval import HOLDOUT, load_examples
from ops.paths import RASA, ROOT, VAR
from ops.services import (
    Service,
    Stack,
    action_server,
    base_env,
    free_port,
    lock_db_beside,
    rasa_server,
    rasa_workers,
    write_endpoints,
)

BENCH = VAR / "bench"
STOCK_DIR = BENCH / "stock"


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    empty: int = 0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self) -> Dict[str, float]:
        return {
            "p50_ms": self.percentile(50),
            "p95_ms": self.percentile(95),
            "p99_ms": self.percentile(99),
            "mean_ms": statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan"),
            "throughput_rps": self.throughput,
            "errors": self.errors,
            "empty_replies": self.empty,
            "requests": self.requests,
        }


@dataclass
class Figures:
    name: str
    training_s: float = 0.0
    startup_s: float = 0.0
    peak_memory_mb: float = 0.0
    single: Dict[str, float] = field(default_factory=dict)
    concurrent: Dict[str, float] = field(default_factory=dict)


def messages() -> List[str]:
    """Realistic visitor messages (the held-out set: never training data)."""
    return [text for text, _ in load_examples(HOLDOUT)]


async def _load(url: str, texts: List[str], total: int, users: int, tag: str) -> LoadResult:
    import aiohttp

    result = LoadResult()
    counter = iter(range(total))

    async def user(number: int, session: "aiohttp.ClientSession") -> None:
        for index in counter:
            text = texts[index % len(texts)]
            sender = f"{tag}-{number}-{index // 6}"  # a new conversation every few messages
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    body = await response.json(content_type=None)
                    ok = response.status == 200
            except Exception:  # noqa: BLE001 - any failure is counted as an error
                ok, body = False, None
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.requests += 1
            if not ok:
                result.errors += 1
            elif not body or not any((m.get("text") or m.get("buttons") or m.get("image")) for m in body):
                result.empty += 1

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # Warm-up: first requests load lazily initialised parts; not measured.
        for text in texts[:5]:
            async with session.post(url, json={"sender": f"{tag}-warmup", "message": text}) as response:
                await response.read()
        started = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        result.seconds = time.perf_counter() - started
    return result


def run_load(url: str, total: int, users: int, tag: str) -> LoadResult:
    return asyncio.run(_load(url, messages(), total, users, tag))


def timed(command: List[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=base_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return time.monotonic() - started


def prepare_stock(reuse: bool) -> float:
    """A stock `rasa init` project; returns its training time (0 when reused)."""
    model = STOCK_DIR / "models" / "stock.tar.gz"
    if reuse and model.exists():
        return json.loads((STOCK_DIR / "training.json").read_text())["seconds"]
    shutil.rmtree(STOCK_DIR, ignore_errors=True)
    STOCK_DIR.mkdir(parents=True)
    # `rasa init` also trains; its model is replaced by the timed training below.
    subprocess.run(
        [str(RASA), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        cwd=STOCK_DIR,
        env=base_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    shutil.rmtree(STOCK_DIR / "models", ignore_errors=True)
    seconds = timed([str(RASA), "train", "--force", "--fixed-model-name", "stock", "--out", "models"], STOCK_DIR)
    (STOCK_DIR / "training.json").write_text(json.dumps({"seconds": seconds}))
    return seconds


def prepare_clinic(reuse: bool) -> float:
    """Train the clinic assistant into var/bench (models/ is left alone); returns seconds."""
    out = BENCH / "clinic"
    model = out / "clinic.tar.gz"
    if reuse and model.exists():
        return json.loads((out / "training.json").read_text())["seconds"]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seconds = timed([str(RASA), "train", "--force", "--fixed-model-name", "clinic", "--out", str(out)], ROOT)
    (out / "training.json").write_text(json.dumps({"seconds": seconds}))
    return seconds


def measure(name: str, services: List[Service], rasa: Service, args, log_dir: Path) -> Figures:
    figures = Figures(name)
    with Stack(services, log_dir=log_dir, timeout=300):
        figures.startup_s = rasa.ready_seconds
        url = f"http://127.0.0.1:{rasa.public_url.rsplit(':', 1)[1]}/webhooks/rest/webhook"
        print(f"  {name}: ready in {figures.startup_s:.1f} s; single user...", flush=True)
        figures.single = run_load(url, args.requests, 1, f"{name}-single").row()
        print(f"  {name}: {args.users} concurrent users...", flush=True)
        figures.concurrent = run_load(url, args.requests, args.users, f"{name}-multi").row()
        figures.peak_memory_mb = sum(s.peak_rss_mb() for s in services)
    return figures


def measure_clinic(name: str, workers: int, args) -> Figures:
    """The clinic assistant with its action server and a fresh SQLite tracker and lock store."""
    print(
        f"Serving and loading the clinic assistant ({workers} Rasa worker{'s' if workers > 1 else ''})...", flush=True
    )
    actions_port = free_port()
    tracker = BENCH / f"{name}-tracker.db"
    for stale in (tracker, lock_db_beside(tracker)):
        stale.unlink(missing_ok=True)
    endpoints = write_endpoints(BENCH / f"{name}-endpoints.yml", actions_port, tracker)
    rasa = rasa_server(
        free_port(),
        model=BENCH / "clinic" / "clinic.tar.gz",
        endpoints=endpoints,
        env={"SANIC_WORKERS": str(workers)},
        name=f"{name}-rasa",
    )
    return measure(name, [action_server(actions_port), rasa], rasa, args, BENCH / "log")


def ratio(ours: float, stock: float) -> str:
    return f"{ours / stock:.2f}x" if stock else "n/a"


def report(clinic: Figures, one_worker: Figures, stock: Figures, users: int, workers: int) -> str:
    columns = (clinic, one_worker, stock)
    rows = [
        ("training time (s)", [f.training_s for f in columns]),
        ("start-up to ready (s)", [f.startup_s for f in columns]),
        ("peak memory (MB)", [f.peak_memory_mb for f in columns]),
    ]
    for phase, attribute in (("1 user", "single"), (f"{users} users", "concurrent")):
        for label, key in (("p50", "p50_ms"), ("p95", "p95_ms"), ("p99", "p99_ms")):
            rows.append((f"{phase} {label} latency (ms)", [getattr(f, attribute)[key] for f in columns]))
        rows.append((f"{phase} throughput (req/s)", [getattr(f, attribute)["throughput_rps"] for f in columns]))
    for label, key in (("errors", "errors"), ("empty replies", "empty_replies")):
        rows.append((f"{label} (1 user + {users} users)", [f.single[key] + f.concurrent[key] for f in columns]))
    ours = f"clinic, {workers} workers"
    lines = [
        f"| {'metric':<34} | {ours:>17} | {'clinic, 1 worker':>16} | {'stock rasa init':>15} "
        f"| {'clinic/stock':>12} | {'1 worker/stock':>14} |",
        f"|{'-' * 36}|{'-' * 19}|{'-' * 18}|{'-' * 17}|{'-' * 14}|{'-' * 16}|",
    ]
    for label, (figure, single, theirs) in rows:
        lines.append(
            f"| {label:<34} | {figure:>17.1f} | {single:>16.1f} | {theirs:>15.1f} "
            f"| {ratio(figure, theirs):>12} | {ratio(single, theirs):>14} |"
        )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="messages per load phase")
    parser.add_argument("--users", type=int, default=10, help="concurrent users in the second phase")
    parser.add_argument("--reuse-models", action="store_true", help="reuse models trained by an earlier bench run")
    args = parser.parse_args(argv)
    try:
        workers = rasa_workers()
    except ValueError as error:
        parser.error(str(error))
    BENCH.mkdir(parents=True, exist_ok=True)

    print("Training both assistants (timed)...", flush=True)
    stock_training = prepare_stock(args.reuse_models)
    clinic_training = prepare_clinic(args.reuse_models)

    print("Serving and loading the stock assistant...", flush=True)
    stock_rasa = rasa_server(
        free_port(),
        model=STOCK_DIR / "models" / "stock.tar.gz",
        endpoints=STOCK_DIR / "endpoints.yml",
        credentials=STOCK_DIR / "credentials.yml",
        name="stock-rasa",
        stock=True,
    )
    stock = measure("stock", [stock_rasa], stock_rasa, args, BENCH / "log")
    stock.training_s = stock_training

    clinic = measure_clinic("clinic", workers, args)
    one_worker = measure_clinic("clinic-1-worker", 1, args)
    clinic.training_s = one_worker.training_s = clinic_training

    table = report(clinic, one_worker, stock, args.users, workers)
    print(
        f"\n{len(messages())} distinct held-out messages, {args.requests} requests per phase, "
        f"{args.users} concurrent users, REST channel, loopback, {time.strftime('%Y-%m-%d')}\n"
    )
    print(table)
    (VAR / "results").mkdir(parents=True, exist_ok=True)
    (VAR / "results" / "bench.json").write_text(
        json.dumps(
            {
                "workers": workers,
                "clinic": asdict(clinic),
                "clinic_1_worker": asdict(one_worker),
                "stock": asdict(stock),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
