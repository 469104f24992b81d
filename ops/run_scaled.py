"""`make run-scaled`: the assistant past one machine, started on this machine without containers.

RASA_REPLICAS (2) Rasa replicas and ACTION_REPLICAS (2) action servers behind HAProxy, on the
machine's PostgreSQL (TRACKER_STORE_URL and DATABASE_URL; each database is created if missing)
and Redis (REDIS_URL), with the staff console and the clinic website. Ctrl-C stops everything
it started; PostgreSQL and Redis are the machine's and keep running.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from clinic.config import ClinicConfigError, load_config
from clinic.env import env_int, env_port
from ops.backing_services import MissingTool
from ops.paths import MODEL, VAR

DEFAULT_TRACKER_STORE_URL = "postgresql://postgres@127.0.0.1:5432/clinic_tracker"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/clinic"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` if it does not exist; True if it was created."""
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the scaled topology needs PostgreSQL, not {parsed.get_backend_name()}")
    connection = psycopg2.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
        connect_timeout=5,
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
            return True
    finally:
        connection.close()


def main() -> int:
    from ops.topology import Topology, TopologySettings

    if not MODEL.exists():
        print(f"error: no trained model at {MODEL}; run `make train`", file=sys.stderr)
        return 1
    try:
        config = load_config()
        settings = TopologySettings(
            tracker_store_url=os.environ.get("TRACKER_STORE_URL", "").strip() or DEFAULT_TRACKER_STORE_URL,
            database_url=os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            redis_url=os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL,
            rasa_replicas=env_int("RASA_REPLICAS", 2, 1, 16),
            action_replicas=env_int("ACTION_REPLICAS", 2, 1, 16),
            lb_port=env_port("LB_PORT", 8000),
            actions_lb_port=env_port("ACTIONS_LB_PORT", 5056),
            web_port=env_port("WEB_PORT", 8080),
            console_port=env_port("CONSOLE_PORT", 8090),
        )
        for url in (settings.tracker_store_url, settings.database_url):
            if ensure_database(url):
                print(f"Created the database {url.rsplit('/', 1)[1]}", flush=True)
        topology = Topology(settings)
    except (ClinicConfigError, ValueError, MissingTool) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - PostgreSQL unreachable: say so in one line
        print(f"error: PostgreSQL could not be reached: {error}".strip(), file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(
        f"Starting {settings.action_replicas} action servers, {settings.rasa_replicas} Rasa replicas, HAProxy, "
        f"the website and the staff console (logs in {settings.log_dir})...",
        flush=True,
    )
    try:
        with topology:
            public = topology.public_url
            print(
                f"\n{config.clinic.name}'s assistant is running past one machine:\n"
                f"  Clinic website (chat):      {topology.web.public_url}/\n"
                f"  Load balancer (REST):       {public}/webhooks/rest/webhook"
                f" ({settings.rasa_replicas} Rasa replicas: {', '.join(s.public_url for s in topology.rasa)})\n"
                f"  Social channel webhooks:    {public}/webhooks/<messenger|instagram|whatsapp|telegram>/webhook\n"
                f"  Action servers:             {topology.actions_url}/webhook"
                f" (load balanced: {', '.join(s.public_url for s in topology.actions)})\n"
                f"  Staff console:              {topology.console.public_url}/\n"
                f"  Tracker store, clinic DB:   PostgreSQL ({settings.tracker_store_url.rsplit('/', 1)[1]}, "
                f"{settings.database_url.rsplit('/', 1)[1]}); lock store: Redis ({settings.redis_url})\n"
                f"  Logs:                       {settings.log_dir}\n"
                "Press Ctrl-C to stop.\n",
                flush=True,
            )
            while True:
                exited = topology.first_exited()
                if exited:
                    print(f"error: {exited.name} stopped unexpectedly; see {exited.log_path}", file=sys.stderr)
                    print(exited.log_tail(), file=sys.stderr)
                    return 1
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...")
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    VAR.mkdir(exist_ok=True)
    sys.exit(main())
