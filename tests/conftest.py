"""Shared fixtures: a test clinic file, and the real action server + Rasa server on free ports."""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clinic_fixture import write_clinic_file  # noqa: E402
from ops.paths import MODEL  # noqa: E402
from ops.services import Stack, action_server, free_port, rasa_server  # noqa: E402


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
    def __init__(self, rasa_url: str, clinic_file: Path, tracker_db: Path) -> None:
        self.rasa_url = rasa_url
        self.clinic_file = clinic_file
        self.tracker_db = tracker_db

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


@pytest.fixture(scope="session")
def servers(tmp_path_factory, clinic_file):
    """The real action server and Rasa server with the trained model, on free ports."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    work = tmp_path_factory.mktemp("stack")
    actions_port, rasa_port = free_port(), free_port()
    tracker_db = work / "tracker.db"
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
    )
    env = {"CLINIC_CONFIG": str(clinic_file)}
    stack = Stack(
        [action_server(actions_port, env=env), rasa_server(rasa_port, endpoints=endpoints, env=env)],
        log_dir=work / "log",
    )
    with stack:
        yield Servers(f"http://127.0.0.1:{rasa_port}", clinic_file, tracker_db)
