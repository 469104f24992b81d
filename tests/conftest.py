"""Shared fixtures: a test clinic file, and the real action server + Rasa server on free ports."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest
from clinic_fixture import clinic_data, event_data, write_clinic_file

from ops.paths import MODEL
from ops.services import Stack, action_server, free_port, rasa_server, write_endpoints

# Fixtures of their own modules: databases on SQLite and PostgreSQL, chromium, the staff console,
# Redis and PostgreSQL instances of the tests' own, the scaled topology.
# The project root and tests/ are importable through pytest.ini's `pythonpath`.
pytest_plugins = ["db_fixtures", "browser_support", "console_fixtures", "service_fixtures", "scaled_fixtures"]


# Test tiers (pytest.ini's markers): what a test needs, read from the fixtures it uses, so that
# `make test-unit` can leave out whatever needs a trained model, PostgreSQL or a browser.
RASA_FIXTURES = {"servers", "channel_stack", "console_world", "scaled"}
POSTGRES_FIXTURES = {"postgres", "migrated_postgres_url", "postgres_instance"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        names = set(item.fixturenames)
        if names & RASA_FIXTURES:
            item.add_marker("rasa")
        if "browser" in names:
            item.add_marker("browser")
        backends = {str(value) for value in getattr(getattr(item, "callspec", None), "params", {}).values()}
        if names & POSTGRES_FIXTURES or "postgresql" in backends:
            item.add_marker("postgres")


@pytest.fixture(scope="session")
def clinic_file(tmp_path_factory) -> Path:
    return write_clinic_file(tmp_path_factory.mktemp("clinic") / "clinic.yml")


@pytest.fixture()
def use_clinic_file(tmp_path, monkeypatch):
    """Point the actions (in this process) at a fresh test clinic file of this test's own."""
    from actions import clinic_context

    clinic_file = write_clinic_file(tmp_path / "clinic.yml")
    monkeypatch.setenv("CLINIC_CONFIG", str(clinic_file))
    clinic_context.reset_for_tests()
    yield clinic_file
    clinic_context.reset_for_tests()


class Servers:
    def __init__(
        self, rasa_url: str, clinic_file: Path, tracker_db: Path, database_url: str, smtp, webhook, rasa=None
    ) -> None:
        self.rasa_url = rasa_url
        self.rasa = rasa  # the Rasa server's ops.services.Service
        self.clinic_file = clinic_file
        self.tracker_db = tracker_db
        self.database_url = database_url
        self.smtp = smtp  # the local SMTP server staff e-mails reach
        self.webhook = webhook  # the local receiver of the staff webhook

    def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        """Send one message through the REST channel; return the bot's messages."""
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def texts(self, sender: str, message: str) -> List[str]:
        return [m.get("text", "") for m in self.send(sender, message)]

    def say(self, sender: str, message: str) -> str:
        """All the bot's texts for one message, joined."""
        return "\n".join(self.texts(sender, message))

    def database(self):
        """The clinic database the action server writes to (one engine for the session)."""
        from clinic.db import Database

        if getattr(self, "_database", None) is None:
            self._database = Database(self.database_url)
        return self._database


WEBHOOK_SECRET = "test-webhook-secret"
TEST_RASA_WORKERS = 2


@pytest.fixture(scope="session")
def servers(tmp_path_factory, clinic_file):
    """The real action server and Rasa server with the trained model, on free ports, with a
    migrated clinic database of their own, a local SMTP server and a local webhook receiver."""
    from notification_receivers import SmtpInbox, WebhookReceiver

    from clinic.migrate import upgrade

    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    work = tmp_path_factory.mktemp("stack")
    actions_port, rasa_port = free_port(), free_port()
    tracker_db = work / "tracker.db"
    database_url = f"sqlite:///{work / 'clinic.db'}"
    upgrade(database_url)
    endpoints = write_endpoints(work / "endpoints.yml", actions_port, tracker_db)
    with SmtpInbox() as smtp, WebhookReceiver(WEBHOOK_SECRET) as webhook:
        events = clinic_data()["events"] + [event_data("tiny-workshop", 20, capacity=1, title="Tiny Skin Workshop")]
        write_clinic_file(
            clinic_file,
            events=events,
            notifications={"email_to": ["staff@testclinic.example"], "webhook_url": webhook.url},
        )
        env = {
            "CLINIC_CONFIG": str(clinic_file),
            "DATABASE_URL": database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "false",
            "SMTP_FROM": "assistant@testclinic.example",
            "NOTIFY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        # Two Rasa workers, as `make run` runs on this machine kind, whatever this machine's cores.
        rasa = rasa_server(rasa_port, endpoints=endpoints, env={**env, "SANIC_WORKERS": str(TEST_RASA_WORKERS)})
        stack = Stack([action_server(actions_port, env=env), rasa], log_dir=work / "log")
        with stack:
            yield Servers(f"http://127.0.0.1:{rasa_port}", clinic_file, tracker_db, database_url, smtp, webhook, rasa)


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory):
    """What `make run` starts (action server, Rasa, the clinic website), with every social
    channel enabled against a local capture server standing in for the platforms' APIs."""
    from channel_support import start_channel_stack

    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    stack, channels = start_channel_stack(tmp_path_factory.mktemp("channels"))
    try:
        with stack:
            yield channels
    finally:
        channels.capture.close()
