"""The scaled topology as a session fixture (issue #11), shared by its routing, fault and fuzz
tests: 2 Rasa replicas and 2 action servers behind HAProxy, on a PostgreSQL (tracker store and
clinic database) and a Redis (lock store) of the tests' own, with the staff console and the
website; every social channel enabled against a local capture server."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import pytest
from channel_support import SECRETS, CaptureServer
from clinic_fixture import clinic_data, event_data, write_clinic_file
from console_support import ConsoleClient
from service_fixtures import missing

from clinic.db import Database
from clinic.staff_accounts import create_account
from ops import loadtest
from ops.backing_services import MissingTool
from ops.paths import MODEL
from ops.topology import Topology, TopologySettings

CLINIC = clinic_data()["clinic"]
ADMIN_PASSWORD = "scaled-admin-password-1"  # noqa: S105 - a test account's password
REFERENCE = re.compile(r"\b(?:MED|URG|HUM|BKG)-[A-Z0-9]{4,}\b")


@dataclass
class Scaled:
    topology: Topology
    postgres: Any
    redis: Any
    capture: CaptureServer
    settings: TopologySettings
    db: Database
    admin: str

    def send(self, sender: str, message: str, timeout: float = 60) -> Tuple[str, List[Dict[str, Any]]]:
        """One REST message through the load balancer: (the replica that answered, the bot's messages)."""
        request = urllib.request.Request(
            self.topology.rest_url(),
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - loopback
            return reply.headers.get("X-Clinic-Replica", ""), json.loads(reply.read())

    def say(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text") or "" for m in self.send(sender, message)[1])

    def user_texts(self, sender: str) -> List[str]:
        return loadtest.stored_user_texts(self.settings.tracker_store_url, [sender])[sender]

    def event_types(self, sender: str) -> List[str]:
        from clinic.tracker_store import TrackerStoreReader

        reader = TrackerStoreReader(self.settings.tracker_store_url)
        try:
            return [event.type_name for event in reader.conversation_events(sender)]
        finally:
            reader.dispose()

    def count(self, table: str, where: str = "", **params: Any) -> int:
        from sqlalchemy import text

        with self.db.engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table} {where}"), params).scalar())  # noqa: S608

    def console(self) -> ConsoleClient:
        client = ConsoleClient(self.topology.console.public_url)
        reply = client.sign_in(self.admin, ADMIN_PASSWORD)
        assert reply.status_code == 303, reply.text[:300]
        return client

    def rasa_logs(self) -> str:
        return "\n".join(s.log_path.read_text(errors="replace") for s in self.topology.rasa if s.log_path)


@pytest.fixture(scope="session")
def scaled(tmp_path_factory, postgres_instance, redis_instance):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    work = tmp_path_factory.mktemp("scaled")
    clinic_file = write_clinic_file(
        work / "clinic.yml",
        events=[event_data("acne-evening", 10, capacity=1000, allow_guests=True, max_guests=1)],
        notifications={"email_to": ["staff@testclinic.example"], "webhook_url": ""},
    )
    suffix = uuid.uuid4().hex[:8]
    capture = CaptureServer()
    settings = TopologySettings(
        tracker_store_url=postgres_instance.create_database(f"tracker_{suffix}"),
        database_url=postgres_instance.create_database(f"clinic_{suffix}"),
        redis_url=redis_instance.url,
        log_dir=work / "log",
        work_dir=work,
        env={"CLINIC_CONFIG": str(clinic_file), "CLINIC_DB_TIMEOUT": "3"},
        rasa_env={
            **SECRETS,
            "META_GRAPH_API_URL": f"{capture.url}/graph",
            "TWILIO_API_URL": f"{capture.url}/twilio",
            "TELEGRAM_API_URL": f"{capture.url}/telegram",
        },
    )
    try:
        topology = Topology(settings)
    except MissingTool as error:
        capture.close()
        missing(str(error))
    try:
        with topology:
            db = Database(settings.database_url)
            admin = f"admin-{suffix}"
            create_account(db, admin, "Admin", "admin", ADMIN_PASSWORD)
            yield Scaled(topology, postgres_instance, redis_instance, capture, settings, db, admin)
            db.dispose()
    finally:
        capture.close()


async def widget_conversation(url: str, transport: str, session_id: str, texts: List[str]) -> List[Dict[str, Any]]:
    """The widget's exchange (rasa-webchat with session persistence) over one socket.io transport."""
    if transport == "websocket":
        return await websocket_conversation(url, session_id, texts)
    import socketio

    replies: List[Dict[str, Any]] = []
    confirmed, answered = asyncio.Event(), asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)

    async def on_confirm(*_: Any) -> None:
        confirmed.set()

    async def on_bot(data: Dict[str, Any]) -> None:
        replies.append(data)
        answered.set()

    client.on("session_confirm", on_confirm)
    client.on("bot_uttered", on_bot)
    await client.connect(url, transports=[transport], socketio_path="socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 20)
        for text in texts:
            answered.clear()
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            await asyncio.wait_for(answered.wait(), 30)
            await asyncio.sleep(0.5)  # the rest of the turn's messages
    finally:
        await client.disconnect()
    return replies


async def websocket_conversation(url: str, session_id: str, texts: List[str]) -> List[Dict[str, Any]]:
    """The same over a WebSocket, speaking Engine.IO 4 / Socket.IO 5 frames directly (the installed
    socket.io client's WebSocket transport needs a newer aiohttp than Rasa 3.6 allows)."""
    import aiohttp

    replies: List[Dict[str, Any]] = []
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"

    async def events(ws, until: str, timeout: float = 30):
        """Socket.IO events until one named ``until`` (answering pings on the way)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            frame = await asyncio.wait_for(ws.receive_str(), max(0.1, deadline - asyncio.get_running_loop().time()))
            if frame == "2":
                await ws.send_str("3")
            elif frame.startswith("42"):
                name, *data = json.loads(frame[2:])
                if name == "bot_uttered":
                    replies.append(data[0])
                if name == until:
                    return

    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        assert (await ws.receive_str()).startswith("0")  # Engine.IO open
        await ws.send_str("40")
        assert (await ws.receive_str()).startswith("40")  # Socket.IO connected
        await ws.send_str("42" + json.dumps(["session_request", {"session_id": session_id}]))
        await events(ws, "session_confirm")
        for text in texts:
            await ws.send_str("42" + json.dumps(["user_uttered", {"message": text, "session_id": session_id}]))
            await events(ws, "bot_uttered")
            try:
                await events(ws, "never", timeout=0.5)  # the rest of the turn's messages
            except asyncio.TimeoutError:
                pass
    return replies


def post_declaring(url: str, declared: int, sent: int = 32_000, timeout: float = 30) -> int:
    """The status of a POST that declares ``declared`` bytes of body and sends the first ``sent``:
    a server enforcing its size limit answers before the rest would arrive (a client sending
    it all could be cut off mid-send and never read the answer)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head = (
        f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"{" + b" " * (sent - 1))
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
