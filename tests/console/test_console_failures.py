"""The console when a store fails: Rasa's tracker store unreachable, the clinic database gone.
Staff get a polite 503 page (401/503 JSON for the API), never a traceback, and the console
keeps running."""

from __future__ import annotations

import pytest
from console_support import ConsoleClient
from psycopg2 import sql

from clinic.db import Database
from clinic.migrate import upgrade
from clinic.staff_accounts import create_account
from console.web import conversation_key
from ops.services import Stack, console_server, free_port

PASSWORD = "a long enough passphrase"


@pytest.fixture()
def failing_console(postgres, tmp_path, clinic_file):
    """A console on a throwaway PostgreSQL clinic database, reading a tracker store that does
    not exist (its database is missing)."""
    clinic_url = postgres.create()
    upgrade(clinic_url)
    db = Database(clinic_url)
    create_account(db, "admin", "Admin", "admin", PASSWORD)
    db.dispose()
    params = postgres.params
    missing_tracker = f"postgresql://{params['user']}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/no_such_tracker_db"
    env = {
        "DATABASE_URL": clinic_url,
        "TRACKER_STORE_URL": missing_tracker,
        "CLINIC_CONFIG": str(clinic_file),
        "CONSOLE_INDEX_INTERVAL": "0.5",
    }
    with Stack([console_server(free_port(), env=env)], log_dir=tmp_path / "log", timeout=60) as stack:
        yield stack.services[0], clinic_url


def test_an_unreachable_tracker_store_gives_a_polite_page(failing_console):
    service, _ = failing_console
    client = ConsoleClient(service.public_url)
    assert client.sign_in("admin", PASSWORD).status_code == 303
    reply = client.get(f"/conversations/{conversation_key('someone')}")
    assert reply.status_code == 503 and "conversation store is not answering" in reply.text
    assert "Traceback" not in reply.text and "psycopg2" not in reply.text
    assert client.get("/conversations").status_code == 200  # the list reads the console's own index
    assert client.get("/queue").status_code == 200
    assert service.process.poll() is None
    assert "Conversation index not updated (will retry)" in service.log_tail(200)


def test_a_lost_clinic_database_gives_a_polite_page_and_json(failing_console, postgres):
    service, clinic_url = failing_console
    client = ConsoleClient(service.public_url)
    assert client.sign_in("admin", PASSWORD).status_code == 303
    name = clinic_url.rsplit("/", 1)[1]
    with postgres.connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    page = client.get("/queue")
    assert page.status_code == 503 and "clinic database is not answering" in page.text
    api = client.get("/api/queue/urgent")
    assert api.status_code == 503 and api.json()["error"] == "unavailable"
    assert "Traceback" not in page.text and service.process.poll() is None
