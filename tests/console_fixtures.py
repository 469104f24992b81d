"""Fixtures of the staff console's tests (tests/console/): a real console process reading a real Rasa stack's stores.

Per backend (SQLite, PostgreSQL) the console runs against the tracker store and clinic
database of a Rasa server + action server that real conversations were driven through (REST,
and the website's socket.io channel), so every page and filter is checked on what Rasa
really wrote. SQLite reuses the session's ``servers`` stack; PostgreSQL gets a stack of its
own on throwaway databases of the machine's PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from console_support import ConsoleClient, ConsoleWorld, drive_conversations, postgres_stack

from clinic.db import Database
from clinic.staff_accounts import create_account
from ops.services import Stack, console_server, free_port

PASSWORDS = {
    "admin": "correct horse battery admin",
    "nurse": "correct horse battery nurse",
    "doctor": "correct horse battery doctor",
}


# The console shows times in the clinic's time zone. The test clinic is in London, which is
# UTC for half the year; the console's copy of the clinic file says Kolkata (UTC+5:30, no
# daylight saving), so a time shown in UTC could never pass for clinic time.
CONSOLE_TZ = "Asia/Kolkata"


def _console_clinic_file(work: Path, clinic_file: Path) -> Path:
    data = yaml.safe_load(clinic_file.read_text(encoding="utf-8"))
    data["clinic"]["timezone"] = CONSOLE_TZ
    path = work / "console-clinic.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _start_console(work: Path, database_url: str, tracker_url: str, clinic_file: Path) -> Stack:
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "TRACKER_STORE_URL": tracker_url,
        "CLINIC_CONFIG": str(clinic_file),
        "CONSOLE_INDEX_INTERVAL": "0.3",
        "CONSOLE_SIGN_IN_LOCKOUT": "10m",
    }
    service = console_server(port, env=env)
    return Stack([service], log_dir=work / "log", timeout=60)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def console_world(request, tmp_path_factory):
    """A running console, its accounts, and the conversations driven through Rasa, per backend."""
    work = tmp_path_factory.mktemp(f"console-{request.param}")
    if request.param == "sqlite":
        servers = request.getfixturevalue("servers")
        stack_cm = None
        tracker_url = f"sqlite:///{servers.tracker_db}"
    else:
        stack_cm = postgres_stack(work, request.getfixturevalue("postgres"), request.getfixturevalue("clinic_file"))
        servers = stack_cm.__enter__()
        tracker_url = servers.tracker_url
    try:
        db = Database(servers.database_url)
        suffix = uuid.uuid4().hex[:6]
        accounts = {}
        for name, role in (("admin", "admin"), ("nurse", "staff"), ("doctor", "staff")):
            username = f"{name}-{suffix}"
            accounts[name] = create_account(db, username, name.title(), role, PASSWORDS[name])
        conversations = drive_conversations(servers, suffix)
        console_clinic_file = _console_clinic_file(work, servers.clinic_file)
        console = _start_console(work, servers.database_url, tracker_url, console_clinic_file)
        with console:
            url = console.services[0].public_url
            yield ConsoleWorld(
                backend=request.param,
                url=url,
                db=db,
                servers=servers,
                accounts=accounts,
                passwords={accounts[name].username: PASSWORDS[name] for name in accounts},
                conversations=conversations,
                console_service=console.services[0],
                clinic_file=console_clinic_file,
                tracker_url=tracker_url,
            )
        db.dispose()
    finally:
        if stack_cm is not None:
            stack_cm.__exit__(None, None, None)


@pytest.fixture()
def admin(console_world) -> ConsoleClient:
    return console_world.signed_in("admin")


@pytest.fixture()
def nurse(console_world) -> ConsoleClient:
    return console_world.signed_in("nurse")


@pytest.fixture()
def anonymous(console_world) -> ConsoleClient:
    return ConsoleClient(console_world.url)
