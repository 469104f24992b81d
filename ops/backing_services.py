"""PostgreSQL and Redis instances of the project's own, started from the machine's Debian
binaries on spare loopback ports, so the topology's tests and the load test can stop, kill and
restart them without touching the machine's services (issue #11).

    with PostgresInstance(work_dir) as pg, RedisInstance(work_dir) as redis:
        pg.create_database("tracker")   # -> postgresql://postgres@127.0.0.1:<port>/tracker
        pg.restart()
        redis.stop(); redis.start()

PostgreSQL refuses to run as root: as root, initdb, pg_ctl and the server run as the
``postgres`` user (Debian's package creates it), in a data folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional

from ops.services import free_port


class MissingTool(RuntimeError):
    """A binary the topology needs is not installed (the message says how to install it)."""


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries (PG_BIN, else /usr/lib/postgresql/<version>/bin)."""
    configured = os.environ.get("PG_BIN", "").strip()
    candidates = [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version)
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise MissingTool("PostgreSQL's initdb/pg_ctl not found (Debian: apt-get install postgresql; or set PG_BIN)")


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def require(binary: str, package: str) -> str:
    found = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.path.exists(p)), None
    )
    if not found:
        raise MissingTool(f"{binary} not found (Debian: apt-get install {package}; `make scaled-tools` does it)")
    return found


def _wait_port(port: int, timeout: float, alive) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for port {port} exited while starting")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


class PostgresInstance:
    """A throwaway PostgreSQL cluster: trust authentication, loopback only, a spare port."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.bin = postgres_bin()
        self.port = port or free_port()
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp folders: the postgres user must be able to reach it.
        self.data_dir = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.log_path = self.data_dir.parent / (self.data_dir.name + ".log")
        if self.as_root:
            shutil.chown(self.data_dir, "postgres", "postgres")
            self.log_path.touch()
            shutil.chown(self.log_path, "postgres", "postgres")
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
            + ["--locale=C", "--no-sync"]
        )

    def _run(self, command: List[str]) -> None:
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir} -c fsync=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options, "-w"]
            + ["start"]
        )

    def stop(self, mode: str = "fast") -> None:
        """mode: fast (clients disconnected, clean shutdown) or immediate (as after a crash)."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(self.url(), connect_timeout=5)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            connection.close()
        return self.url(name)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> "PostgresInstance":
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class RedisInstance:
    """A throwaway Redis: loopback only, a spare port, nothing kept on disk."""

    def __init__(self, port: Optional[int] = None, log_dir: Optional[Path] = None) -> None:
        self.binary = require("redis-server", "redis-server")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-redis-"))
        self.log_path = (log_dir or self.dir) / f"redis-{self.port}.log"
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.dir), "--logfile", str(self.log_path)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_port(self.port, 20, lambda: self.process.poll() is None)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "RedisInstance":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
