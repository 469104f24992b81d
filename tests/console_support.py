"""Helpers for the staff console's tests: an HTTP client that signs in like a browser, the
conversations driven through Rasa before the console is looked at, and a Rasa stack on
PostgreSQL (tracker store and clinic database)."""

from __future__ import annotations

import asyncio
import functools
import html
import json
import re
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests
from sqlalchemy import select

from clinic.models import Ticket
from ops.services import Stack, action_server, free_port, rasa_server, runtime_endpoints

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
REFERENCE = re.compile(r"\b((?:MED|URG|HUM|BKG)-[A-Z0-9]{4,})\b")
# Visitor messages whose markup must be shown as text and never run.
SCRIPT_MESSAGE = "<script>window.__pwned = 1</script> is this safe"
IMAGE_MESSAGE = '<img src=x onerror="window.__pwned = 2"> hello'


class ConsoleClient:
    """A browser-like client: keeps cookies, reads the CSRF token from the last page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        reply = self.http.get(self.base_url + path, timeout=30, **kwargs)
        self._remember_csrf(reply)
        return reply

    def post(self, path: str, data: Optional[Dict[str, Any]] = None, csrf: Optional[str] = None, **kwargs):
        """POST a form with the page's CSRF token (or ``csrf`` when given; ``""`` sends none)."""
        form = dict(data or {})
        token = self.csrf if csrf is None else csrf
        if token:
            form["csrf_token"] = token
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base_url + path, data=form, timeout=30, **kwargs)

    def _remember_csrf(self, reply: requests.Response) -> None:
        if "text/html" in reply.headers.get("content-type", ""):
            found = CSRF_META.search(reply.text) or CSRF_FIELD.search(reply.text)
            if found and found.group(1):
                self.csrf = html.unescape(found.group(1))

    def sign_in(self, username: str, password: str) -> requests.Response:
        self.get("/sign-in")
        return self.post("/sign-in", {"username": username, "password": password})

    def page(self, path: str) -> str:
        reply = self.get(path)
        assert reply.status_code == 200, f"GET {path}: {reply.status_code} {reply.text[:300]}"
        return reply.text


@dataclass
class ConsoleWorld:
    backend: str
    url: str
    db: Any
    servers: Any
    accounts: Dict[str, Any]
    passwords: Dict[str, str]
    conversations: Dict[str, str]  # scenario name -> sender id
    console_service: Any = None
    clinic_file: Optional[Path] = None  # the console's clinic file (its time zone differs on purpose)
    tracker_url: str = ""

    def username(self, name: str) -> str:
        return self.accounts[name].username

    def signed_in(self, name: str) -> ConsoleClient:
        client = ConsoleClient(self.url)
        username = self.username(name)
        reply = client.sign_in(username, self.passwords[username])
        assert reply.status_code == 303, f"sign-in of {username} failed: {reply.status_code} {reply.text[:300]}"
        client.page("/conversations")  # also picks up the CSRF token of the session
        return client


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def _say(servers, sender: str, message: str) -> str:
    return "\n".join(servers.texts(sender, message))


async def _socketio_conversation(rasa_url: str, session_id: str, messages: List[str]) -> List[str]:
    """A website visitor, speaking the widget's protocol to Rasa's socket.io channel over a
    WebSocket (Engine.IO 4 framing: "40" connects, "42[event, data]" emits, "2"/"3" ping/pong):
    session_request, then each message as user_uttered, waiting for the bot_uttered replies."""
    import websockets

    url = rasa_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    replies: List[str] = []
    async with websockets.connect(url) as socket:

        async def receive(timeout: float) -> Optional[list]:
            while True:
                frame = await asyncio.wait_for(socket.recv(), timeout)
                if frame == "2":
                    await socket.send("3")
                elif frame.startswith("42"):
                    return json.loads(frame[2:])

        assert (await socket.recv()).startswith("0")  # Engine.IO open
        await socket.send("40")
        assert (await socket.recv()).startswith("40")  # Socket.IO namespace connected
        await socket.send("42" + json.dumps(["session_request", {"session_id": session_id}]))
        for message in messages:
            await socket.send("42" + json.dumps(["user_uttered", {"message": message, "session_id": session_id}]))
            event = await receive(60)
            while event[0] != "bot_uttered":
                event = await receive(60)
            replies.append(event[1].get("text", ""))
            try:  # the rest of the turn's messages
                while True:
                    event = await receive(1.5)
                    if event[0] == "bot_uttered":
                        replies.append(event[1].get("text", ""))
            except asyncio.TimeoutError:
                pass
    return replies


def drive_conversations(servers, suffix: str) -> Dict[str, str]:
    """Real conversations through Rasa (REST and socket.io) for the console to show.

    Each scenario has its own sender id ending in ``suffix``; the words ``zebra<suffix>`` and
    ``quokka<suffix>`` appear only where the search tests expect them.
    """
    ids = {
        name: f"console-{name}-{suffix}"
        for name in ("faq", "medical", "browser", "urgent", "fallback", "markup", "register", "contact", "website")
    }
    say = functools.partial(_say, servers)

    say(ids["faq"], "hello")
    say(ids["faq"], f"how long is the downtime after microneedling? zebra{suffix}")

    # Two medical hand-offs: the browser test works one ticket, the queue tests read the other.
    for scenario in ("medical", "browser"):
        assert "licensed professional" in say(ids[scenario], "I'm on roaccutane, is microneedling safe for me?")
        say(ids[scenario], "yes please")
        say(ids[scenario], "my name is Ana Silva")
        say(ids[scenario], f"it's ana.{suffix}@example.com")
        assert REFERENCE.search(say(ids[scenario], "yes"))

    replies = say(ids["urgent"], "help, there's pus and my face is hot and I've got a fever since the needling")
    assert "URG-" in replies
    say(ids["urgent"], "Kim")
    say(ids["urgent"], "+44 7700 900789")
    say(ids["urgent"], "yes")

    say(ids["fallback"], "/nlu_fallback")
    say(ids["fallback"], f"quokka{suffix} blorft")

    say(ids["markup"], SCRIPT_MESSAGE)
    say(ids["markup"], IMAGE_MESSAGE)

    say(ids["register"], "sign me up for the acne evening")
    say(ids["register"], "Noor")
    say(ids["register"], f"noor.{suffix}@example.com")
    say(ids["register"], "just me")

    say(ids["contact"], "please call me back on 07700 900123, it's about prices")

    asyncio.run(_socketio_conversation(servers.rasa_url, ids["website"], ["hi there", "what are your opening hours?"]))
    return ids


@dataclass
class PostgresServers:
    """What the console tests need of a Rasa stack on PostgreSQL (mirrors conftest.Servers)."""

    rasa_url: str
    database_url: str
    tracker_url: str
    clinic_file: Path
    _database: Any = field(default=None, repr=False)

    def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def texts(self, sender: str, message: str) -> List[str]:
        return [m.get("text", "") for m in self.send(sender, message)]


@contextmanager
def postgres_stack(work: Path, postgres, clinic_file: Path):
    """The action server and Rasa (one worker) with the tracker store and the clinic database
    on throwaway PostgreSQL databases."""
    from clinic.migrate import upgrade

    clinic_url = postgres.create()
    upgrade(clinic_url)
    tracker_db_url = postgres.create()
    tracker_name = tracker_db_url.rsplit("/", 1)[1]
    params = postgres.params
    actions_port, rasa_port = free_port(), free_port()
    endpoints = runtime_endpoints(
        work / "endpoints.yml",
        actions_port,
        tracker_store={
            "type": "SQL",
            "dialect": "postgresql",
            "url": params.get("host", "127.0.0.1"),
            "port": int(params.get("port", 5432)),
            "db": tracker_name,
            "username": params["user"],
        },
        lock_db=work / "locks.db",
    )
    env = {"CLINIC_CONFIG": str(clinic_file), "DATABASE_URL": clinic_url}
    rasa = rasa_server(rasa_port, endpoints=endpoints, env={**env, "SANIC_WORKERS": "1"})
    with Stack([action_server(actions_port, env=env), rasa], log_dir=work / "log"):
        yield PostgresServers(f"http://127.0.0.1:{rasa_port}", clinic_url, tracker_db_url, clinic_file)


def ticket_of(world, scenario: str, kind: str):
    """The ticket of this kind that the scenario's conversation opened."""
    with world.db.transaction(read_only=True) as session:
        return session.execute(
            select(Ticket).where(Ticket.sender_id == world.conversations[scenario], Ticket.kind == kind)
        ).scalar_one()
