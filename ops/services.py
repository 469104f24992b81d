"""Start, watch and stop the product's processes (used by `make run`, the tests and the benchmark).

Each service is a subprocess with its own log file; `Stack` starts them in order, waits
until each answers on its readiness URL, and stops them all (SIGTERM, then SIGKILL) on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from clinic.env import env_int, env_str
from ops.paths import MODEL, RASA, ROOT, VAR, VENV_BIN

MAX_DEFAULT_WORKERS = 4


def bind_host() -> str:
    """BIND_HOST: the interface every service listens on (loopback unless set)."""
    return env_str("BIND_HOST", "127.0.0.1")


def rasa_workers() -> int:
    """Rasa's Sanic worker processes: SANIC_WORKERS, else one per core (at most 4).

    Several workers need a lock store shared between processes (endpoints.yml has one);
    each worker loads the model, so each adds its memory (README "Benchmarks").
    ``SettingError`` names the variable when it is not a whole number from 1 to 64.
    """
    return env_int("SANIC_WORKERS", max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1)), 1, 64)


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(extra or {})
    return env


def public_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches a service bound to host:port."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104 - a comparison


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lock_db_beside(tracker_db: Path) -> Path:
    return tracker_db.with_name(tracker_db.stem + "-locks.db")


def write_endpoints(path: Path, actions_port: int, tracker_db: Path) -> Path:
    """An endpoints.yml for a stack of its own: its action server, and its SQLite tracker
    store and lock store (``lock_db_beside``)."""
    return runtime_endpoints(
        path,
        actions_port,
        tracker_store={"type": "SQL", "dialect": "sqlite", "db": str(tracker_db)},
        lock_db=lock_db_beside(tracker_db),
    )


def runtime_endpoints(
    path: Path,
    actions_port: int,
    template: Path = ROOT / "endpoints.yml",
    tracker_store: Optional[Dict[str, str]] = None,
    lock_db: Optional[Path] = None,
) -> Path:
    """The project's endpoints.yml with the action server on ``actions_port`` (ACTIONS_PORT),
    and optionally another tracker store and lock store file."""
    import yaml

    endpoints = yaml.safe_load(template.read_text()) or {}
    endpoints.setdefault("action_endpoint", {})["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    if tracker_store is not None:
        endpoints["tracker_store"] = tracker_store
    if lock_db is not None:
        endpoints["lock_store"] = {**(endpoints.get("lock_store") or {}), "db": str(lock_db)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


@dataclass
class Service:
    name: str
    command: List[str]
    ready_url: str
    public_url: str
    env: Dict[str, str] = field(default_factory=dict)
    log_path: Optional[Path] = None
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    ready_seconds: float = 0.0

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        log = open(self.log_path, "ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=base_env(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:  # noqa: S310 - our own http URL
                    if response.status == 200:
                        self.ready_seconds = time.monotonic() - self.started_at
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.name} did not answer {self.ready_url} within {timeout:.0f} s; see {self.log_path}\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, AttributeError):
            return ""

    def stop(self, grace: float = 10.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the service's process tree so far (VmHWM), in MB."""
        total = 0
        for pid in _tree(self.process.pid) if self.process else []:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024


def _tree(pid: int) -> List[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids += _tree(int(child))
    return pids


def action_server(port: int, env: Optional[Dict[str, str]] = None) -> Service:
    # rasa-sdk binds to SANIC_HOST (its default is 0.0.0.0): keep it on BIND_HOST.
    return Service(
        name="action-server",
        command=[str(RASA), "run", "actions", "--actions", "actions", "--port", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/webhook",
        env={"SANIC_HOST": bind_host(), **(env or {})},
    )


def rasa_server(
    port: int,
    model: Path = MODEL,
    endpoints: Path = ROOT / "endpoints.yml",
    credentials: Path = ROOT / "credentials.yml",
    env: Optional[Dict[str, str]] = None,
    extra_args: Optional[List[str]] = None,
    name: str = "rasa",
    cors: Optional[List[str]] = None,
    stock: bool = False,
) -> Service:
    """cors: browser origins allowed to call Rasa (the chat widget's page), none by default.
    stock: plain `rasa run` instead of the project's entry point (rasa_runtime), for baselines:
    one worker, as Rasa allows without a shared lock store."""
    host = bind_host()
    workers = 1 if stock else rasa_workers()
    launcher = [str(RASA)] if stock else [str(VENV_BIN / "python"), "-m", "rasa_runtime"]
    command = (
        launcher
        + [
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--port",
            str(port),
            "--interface",
            host,
        ]
        + (["--cors", *cors] if cors else [])
        + list(extra_args or [])
    )
    return Service(
        name=name,
        command=command,
        ready_url=f"http://127.0.0.1:{port}/",
        public_url=public_url(host, port),
        env={"SANIC_WORKERS": str(workers), **(env or {})},
    )


def web_server(port: int, socket_url: str, env: Optional[Dict[str, str]] = None) -> Service:
    """The clinic's demo page with the chat widget (webchat/), talking to Rasa at socket_url."""
    host = bind_host()
    return Service(
        name="webchat",
        command=[str(VENV_BIN / "python"), "-m", "webchat"],
        ready_url=f"http://127.0.0.1:{port}/health",
        public_url=public_url(host, port),
        env={"WEB_PORT": str(port), "BIND_HOST": host, "WEBCHAT_SOCKET_URL": socket_url, **(env or {})},
    )


def console_server(port: int, env: Optional[Dict[str, str]] = None) -> Service:
    """The staff console (console/), reading Rasa's tracker store and the clinic database."""
    host = bind_host()
    return Service(
        name="console",
        command=[str(VENV_BIN / "python"), "-m", "console"],
        ready_url=f"http://127.0.0.1:{port}/health",
        public_url=public_url(host, port),
        env={"CONSOLE_PORT": str(port), "CONSOLE_HOST": host, **(env or {})},
    )


def rasa_with_website(
    rasa_port: int, web_port: int, web_env: Optional[Dict[str, str]] = None, **rasa_options
) -> Tuple[Service, Service]:
    """Rasa and the demo page, wired together: the page's widget talks to Rasa's socket.io
    URL, and the page's origin is the only one Rasa allows cross-origin (CORS).

    WEB_PUBLIC_URL and RASA_PUBLIC_URL replace the loopback URLs where browsers reach the
    services under other names (a reverse proxy, BIND_HOST=0.0.0.0).
    """
    page = (env_str("WEB_PUBLIC_URL") or public_url(bind_host(), web_port)).rstrip("/")
    origins = [page] + ([page.replace("//127.0.0.1:", "//localhost:")] if "//127.0.0.1:" in page else [])
    socket_url = (env_str("RASA_PUBLIC_URL") or public_url(bind_host(), rasa_port)).rstrip("/")
    return rasa_server(rasa_port, cors=origins, **rasa_options), web_server(web_port, socket_url, env=web_env)


class Stack:
    """Services started in order and stopped in reverse order."""

    def __init__(self, services: List[Service], log_dir: Path = VAR / "log", timeout: float = 180.0) -> None:
        self.services = services
        self.log_dir = log_dir
        self.timeout = timeout

    def __enter__(self) -> "Stack":
        try:
            for service in self.services:
                service.start(self.log_dir)
                service.wait_ready(self.timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def first_exited(self) -> Optional[Service]:
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)
