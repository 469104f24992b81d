"""The assistant past one machine, started on this machine without containers (issue #11):
N Rasa replicas and M action servers behind HAProxy, on PostgreSQL (tracker store and clinic
database) and Redis (lock store), with the staff console and the clinic website.

    public URL (HAProxy)  ->  rasa-1 .. rasa-N   (deploy/endpoints.scaled.yml: PostgreSQL, Redis)
    actions URL (HAProxy) ->  action-server-1 .. action-server-M   (clinic database: PostgreSQL)
    console  ->  PostgreSQL;  website  ->  the public URL (socket.io)

Used by `make run-scaled` (ops/run_scaled.py), the load test (ops/loadtest.py) and the
topology's fault tests. Every process binds to BIND_HOST (loopback unless set).
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ops.backing_services import require
from ops.haproxy_config import render, write
from ops.paths import MODEL, ROOT, VAR
from ops.services import (
    Service,
    action_server,
    bind_host,
    console_server,
    free_port,
    public_url,
    rasa_server,
    web_server,
)

SCALED_ENDPOINTS = ROOT / "deploy" / "endpoints.scaled.yml"


@dataclass
class TopologySettings:
    tracker_store_url: str  # postgresql://... (Rasa's events)
    database_url: str  # postgresql://... (the clinic database, migrated before start)
    redis_url: str  # redis://... (the lock store)
    rasa_replicas: int = 2
    action_replicas: int = 2
    lb_port: int = field(default_factory=free_port)
    actions_lb_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    console_port: int = field(default_factory=free_port)
    model: Path = MODEL
    log_dir: Path = VAR / "log" / "scaled"
    work_dir: Path = VAR / "scaled"
    env: Dict[str, str] = field(default_factory=dict)  # for every service (e.g. CLINIC_CONFIG)
    rasa_env: Dict[str, str] = field(default_factory=dict)  # for the Rasa replicas only
    with_console: bool = True
    with_website: bool = True


class Topology:
    """The scaled services, started in dependency order and stopped in reverse."""

    def __init__(self, settings: TopologySettings) -> None:
        if not 1 <= settings.rasa_replicas <= 16 or not 1 <= settings.action_replicas <= 16:
            raise ValueError("RASA_REPLICAS and ACTION_REPLICAS must be from 1 to 16")
        self.settings = settings
        self.public_url = public_url(bind_host(), settings.lb_port)
        self.actions_url = f"http://127.0.0.1:{settings.actions_lb_port}"
        shared = {"DATABASE_URL": settings.database_url, **settings.env}
        self.action_ports = [free_port() for _ in range(settings.action_replicas)]
        self.rasa_ports = [free_port() for _ in range(settings.rasa_replicas)]
        self.actions: List[Service] = []
        for number, port in enumerate(self.action_ports, 1):
            service = action_server(port, env=shared)
            service.name = f"action-server-{number}"
            self.actions.append(service)
        web_origin = public_url(bind_host(), settings.web_port)
        origins = [web_origin, web_origin.replace("//127.0.0.1:", "//localhost:")]
        rasa_env = {
            **shared,
            "SANIC_WORKERS": "1",
            "ACTION_ENDPOINT_URL": f"{self.actions_url}/webhook",
            "TRACKER_STORE_URL": settings.tracker_store_url,
            "REDIS_URL": settings.redis_url,
            **settings.rasa_env,
        }
        self.rasa: List[Service] = [
            rasa_server(
                port,
                model=settings.model,
                endpoints=SCALED_ENDPOINTS,
                env=rasa_env,
                name=f"rasa-{number}",
                cors=origins,
            )
            for number, port in enumerate(self.rasa_ports, 1)
        ]
        self.haproxy_config = settings.work_dir / "haproxy.cfg"
        self.haproxy = Service(
            name="haproxy",
            command=[require("haproxy", "haproxy"), "-db", "-f", str(self.haproxy_config)],
            ready_url=f"http://127.0.0.1:{settings.lb_port}/lb-health",
            public_url=self.public_url,
        )
        self.web: Optional[Service] = (
            web_server(settings.web_port, self.public_url, env=settings.env) if settings.with_website else None
        )
        self.console: Optional[Service] = (
            console_server(
                settings.console_port,
                env={**shared, "TRACKER_STORE_URL": settings.tracker_store_url},
            )
            if settings.with_console
            else None
        )

    @property
    def services(self) -> List[Service]:
        return [*self.actions, *self.rasa, self.haproxy, *(s for s in (self.web, self.console) if s)]

    def rest_url(self) -> str:
        return f"{self.public_url}/webhooks/rest/webhook"

    def write_haproxy_config(self) -> Path:
        host = "127.0.0.1" if bind_host() in ("127.0.0.1", "localhost") else bind_host()
        return write(
            self.haproxy_config,
            render(
                f"{host}:{self.settings.lb_port}",
                f"127.0.0.1:{self.settings.actions_lb_port}",
                [f"127.0.0.1:{port}" for port in self.rasa_ports],
                [f"127.0.0.1:{port}" for port in self.action_ports],
            ),
        )

    def start(self, timeout: float = 300.0) -> "Topology":
        """Action servers, then the Rasa replicas (the first alone: it creates the tracker tables),
        then the load balancer, the website and the console."""
        from clinic.migrate import upgrade

        upgrade(self.settings.database_url)
        self.write_haproxy_config()
        log_dir = self.settings.log_dir
        try:
            self._start_together(self.actions, log_dir, timeout)
            self._start_together(self.rasa[:1], log_dir, timeout)
            self._start_together(self.rasa[1:], log_dir, timeout)
            self._start_together([s for s in (self.haproxy, self.web, self.console) if s], log_dir, timeout)
            self.wait_balanced(timeout=30)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _start_together(services: List[Service], log_dir: Path, timeout: float) -> None:
        for service in services:
            service.start(log_dir)
        for service in services:
            service.wait_ready(timeout)

    def wait_balanced(self, timeout: float = 30.0, expected: Optional[int] = None) -> None:
        """Wait until the load balancer sees ``expected`` Rasa replicas up (default: all running ones)."""
        expected = expected if expected is not None else sum(1 for s in self.rasa if self.running(s))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replicas_up() == expected:
                return
            time.sleep(0.2)
        raise TimeoutError(f"the load balancer did not see {expected} Rasa replica(s) up within {timeout:.0f} s")

    def replicas_up(self) -> int:
        """Distinct replicas answering through the load balancer's any-replica backend (10 tries)."""
        seen = set()
        for _ in range(10):
            try:
                with urllib.request.urlopen(f"{self.public_url}/", timeout=2) as reply:  # noqa: S310 - ours
                    seen.add(reply.headers.get("X-Clinic-Replica"))
            except OSError:
                pass
        return len(seen - {None})

    @staticmethod
    def running(service: Service) -> bool:
        return bool(service.process) and service.process.poll() is None

    def kill(self, service: Service) -> None:
        """SIGKILL a service's whole process group, as a crash or an OOM kill would."""
        if self.running(service):
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

    def restart(self, service: Service, timeout: float = 300.0) -> None:
        service.stop()
        service.start(self.settings.log_dir)
        service.wait_ready(timeout)

    def first_exited(self) -> Optional[Service]:
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> "Topology":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
