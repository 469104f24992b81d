"""Helpers for the channel tests: a local stand-in for the platforms' APIs that records every
call, webhook signing done the platforms' way (independently of channels/), webhook payloads
shaped as the platforms document them, and the stack that `make run` starts (action server,
Rasa with the social channels enabled, the website), pointed at that stand-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import closing
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from clinic_fixture import TEST_CLINIC_NAME, clinic_data
from conftest import TEST_RASA_WORKERS
from tracker_events import stored_events

from ops.services import Stack, action_server, free_port, lock_db_beside, rasa_with_website, runtime_endpoints

# Fake credentials: the platforms' APIs are the local capture server.
SECRETS = {
    "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token-test",
    "FACEBOOK_APP_SECRET": "fb-app-secret-test",
    "FACEBOOK_VERIFY_TOKEN": "fb-verify-test",
    "INSTAGRAM_ACCESS_TOKEN": "ig-token-test",
    "INSTAGRAM_APP_SECRET": "ig-app-secret-test",
    "INSTAGRAM_VERIFY_TOKEN": "ig-verify-test",
    "TWILIO_ACCOUNT_SID": "AC-test-account-sid",
    "TWILIO_AUTH_TOKEN": "twilio-auth-token-test",
    "TWILIO_WHATSAPP_NUMBER": "+14155238886",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-test",
    "TELEGRAM_WEBHOOK_SECRET": "telegram-secret-test",
}
# What the capture server's getMe answers: the bot behind TELEGRAM_BOT_TOKEN (its id is the
# number before the colon).
TELEGRAM_BOT = {"id": 123456, "is_bot": True, "first_name": "Test Clinic", "username": "TestClinicBot"}


@dataclass
class Captured:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Dict[str, Any]:
        return json.loads(self.body)

    def form(self) -> Dict[str, str]:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}


class CaptureServer:
    """An HTTP server on loopback that answers every POST with 200 and records it; Telegram's
    getMe is answered with ``TELEGRAM_BOT``, as Telegram answers it."""

    def __init__(self) -> None:
        self.requests: List[Captured] = []
        self._lock = threading.Lock()
        captured = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urllib.parse.urlsplit(self.path)
                with captured._lock:
                    captured.requests.append(
                        Captured("POST", parts.path, urllib.parse.parse_qs(parts.query), dict(self.headers), body)
                    )
                result = TELEGRAM_BOT if parts.path.endswith("/getMe") else {}
                reply = json.dumps({"ok": True, "result": result, "message_id": "m-1", "sid": "SM1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- signing, as each platform does it ----------------------------------------------------


def meta_headers(secret: str, body: bytes, legacy: bool = False) -> Dict[str, str]:
    if legacy:
        return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def twilio_signature(auth_token: str, url: str, params: Dict[str, str]) -> str:
    """Twilio's documented scheme: the URL, then each POST field's name and value in name order."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


# --- payloads as the platforms send them, and what the connectors sent back ----------------

GREETING = f"virtual assistant of {TEST_CLINIC_NAME}"


META = {
    "messenger": ("page", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN", "FACEBOOK_VERIFY_TOKEN", 2000),
    "instagram": ("instagram", "INSTAGRAM_APP_SECRET", "INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_VERIFY_TOKEN", 1000),
}
# Messenger counts characters, Instagram bytes of UTF-8.
TEXT_LENGTH = {"messenger": len, "instagram": lambda text: len(text.encode("utf-8"))}


def meta_event(channel: str, sender: str, **event: Any) -> Dict[str, Any]:
    page_id = "17841400000000001" if channel == "instagram" else "106000000000001"
    now = int(time.time() * 1000)
    return {
        "object": META[channel][0],
        "entry": [
            {
                "id": page_id,
                "time": now,
                "messaging": [{"sender": {"id": sender}, "recipient": {"id": page_id}, "timestamp": now, **event}],
            }
        ],
    }


def meta_post(stack: ChannelStack, channel: str, payload: Dict[str, Any], sign: str = "sha256") -> int:
    body = json.dumps(payload).encode()
    secret = SECRETS[META[channel][1]]
    headers = {"Content-Type": "application/json"}
    if sign in ("sha256", "sha1"):
        headers.update(meta_headers(secret, body, legacy=sign == "sha1"))
    elif sign == "forged":
        headers.update(meta_headers("not-the-app-secret", body))
    status, _ = http("POST", stack.webhook(channel), body, headers)
    return status


def meta_sent(stack: ChannelStack, since: int, sender: str) -> List[Dict[str, Any]]:
    """The messages the connector sent to this sender through the Send API."""
    sent = []
    for request in stack.outbound("/graph/me/messages", since):
        body = request.json()
        if body["recipient"]["id"] == sender:
            sent.append({**body["message"], "_token": request.query["access_token"][0]})
    return sent


def twilio_form(sender: str, **fields: str) -> Dict[str, str]:
    form = {
        "SmsMessageSid": f"SM{uuid.uuid4().hex}",
        "NumMedia": "0",
        "ProfileName": "Test Visitor",
        "SmsSid": "",
        "WaId": sender.split("+")[-1],
        "SmsStatus": "received",
        "Body": "",
        "To": "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"],
        "NumSegments": "1",
        "MessageSid": "",
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    form["MessageSid"] = form["SmsSid"] = form["SmsMessageSid"]
    form.update(fields)
    return form


def twilio_post(stack: ChannelStack, form: Dict[str, str], signature: str = "valid") -> int:
    url = stack.webhook("whatsapp")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        headers["X-Twilio-Signature"] = twilio_signature(SECRETS["TWILIO_AUTH_TOKEN"], url, form)
    elif signature == "forged":
        headers["X-Twilio-Signature"] = twilio_signature("not-the-auth-token", url, form)
    elif signature == "other-url":
        headers["X-Twilio-Signature"] = twilio_signature(SECRETS["TWILIO_AUTH_TOKEN"], url + "?x=1", form)
    status, body = http("POST", url, urllib.parse.urlencode(form).encode(), headers)
    if status == 200:
        assert "<Response></Response>" in body
    return status


def whatsapp_sent(stack: ChannelStack, since: int, sender: str) -> List[Captured]:
    path = f"/twilio/2010-04-01/Accounts/{SECRETS['TWILIO_ACCOUNT_SID']}/Messages.json"
    return [r for r in stack.outbound(path, since) if r.form()["To"] == sender]


def telegram_update(chat_id: int, **content: Any) -> Dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
    message = {
        "message_id": 1,
        "from": user,
        "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
        "date": int(time.time()),
    }
    return {"update_id": uuid.uuid4().int % 10**9, "message": {**message, **content}}


def telegram_post(stack: ChannelStack, update: Dict[str, Any], secret: str = SECRETS["TELEGRAM_WEBHOOK_SECRET"]) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return stack.post_json("telegram", update, headers)[0]


def telegram_calls(stack: ChannelStack, since: int, method: str) -> List[Dict[str, Any]]:
    return [r.json() for r in stack.outbound(f"/telegram/bot{SECRETS['TELEGRAM_BOT_TOKEN']}/{method}", since)]


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().int % 10**15:015d}"


# --- the stack ----------------------------------------------------------------------------


def http(
    method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class ChannelStack:
    rasa_url: str
    web_url: str
    tracker_db: Optional[Path]  # None when the tracker store is PostgreSQL (tracker_dsn)
    capture: CaptureServer
    log_dir: Path
    map_link: str
    lock_db: Path
    tracker_dsn: Optional[str] = None

    def webhook(self, channel: str) -> str:
        return f"{self.rasa_url}/webhooks/{channel}/webhook"

    def post_json(self, channel: str, payload: Dict[str, Any], headers: Dict[str, str]) -> Tuple[int, str]:
        return http(
            "POST", self.webhook(channel), json.dumps(payload).encode(), {"Content-Type": "application/json", **headers}
        )

    def user_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """The visitor's messages as stored in the tracker store (newest last)."""
        if self.tracker_db is not None:
            return stored_events(self.tracker_db, sender_id, "user")
        import psycopg2

        with closing(psycopg2.connect(self.tracker_dsn)) as db, db.cursor() as cursor:
            cursor.execute(
                "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", (sender_id,)
            )
            return [json.loads(row[0]) for row in cursor.fetchall()]

    def delivery_ids(self) -> List[str]:
        """The webhook delivery ids the lock store has recorded ("<channel>:<id>")."""
        with closing(sqlite3.connect(self.lock_db)) as db:
            return [row[0] for row in db.execute("SELECT delivery_key FROM deliveries")]

    def rasa_log(self) -> str:
        return (self.log_dir / "rasa.log").read_text(errors="replace")

    def outbound(self, prefix: str, since: int = 0) -> List[Captured]:
        return [r for r in self.capture.requests[since:] if r.path.startswith(prefix)]

    def mark(self) -> int:
        return len(self.capture.requests)


def start_channel_stack(
    work: Path, tracker_store: Optional[Dict[str, Any]] = None, rasa_env: Optional[Dict[str, str]] = None
) -> Tuple[Stack, ChannelStack]:
    """The `make run` stack (ops.services) with every social channel enabled against a capture
    server, a clinic file with a map link (so the location answer carries a link), on free ports.

    tracker_store: a PostgreSQL tracker store (endpoints.yml's form, with ``url``, ``port``, ``db``
    and ``username``) instead of a SQLite file in ``work``.
    rasa_env: more environment for Rasa (e.g. SANIC_WORKERS)."""
    capture = CaptureServer()
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    map_link = f"http://127.0.0.1:{web_port}/#map"
    data = clinic_data()
    data["clinic"]["map_link"] = map_link
    clinic_file = work / "clinic.yml"
    clinic_file.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    tracker_db = work / "tracker.db"
    lock_db = lock_db_beside(tracker_db)
    endpoints = runtime_endpoints(
        work / "endpoints.yml",
        actions_port,
        tracker_store=tracker_store or {"type": "SQL", "dialect": "sqlite", "db": str(tracker_db)},
        lock_db=lock_db,
    )
    # A migrated clinic database of its own (tickets and registrations the actions write).
    from clinic.migrate import upgrade

    database_url = f"sqlite:///{work / 'clinic.db'}"
    upgrade(database_url)
    clinic_env = {"CLINIC_CONFIG": str(clinic_file), "DATABASE_URL": database_url}
    env = {
        **clinic_env,
        **SECRETS,
        "META_GRAPH_API_URL": f"{capture.url}/graph",
        "TWILIO_API_URL": f"{capture.url}/twilio",
        "TELEGRAM_API_URL": f"{capture.url}/telegram",
        # As many workers as the REST suites' stack, whatever the cores: each loads the model (about
        # 1.9 GB here), and one worker per core made a stack's memory grow with the machine.
        "SANIC_WORKERS": str(TEST_RASA_WORKERS),
        **(rasa_env or {}),
    }
    rasa, web = rasa_with_website(rasa_port, web_port, web_env=clinic_env, endpoints=endpoints, env=env)
    stack = Stack([action_server(actions_port, env=clinic_env), rasa, web], log_dir=work / "log")
    channels = ChannelStack(
        rasa.public_url,
        web.public_url,
        None if tracker_store else tracker_db,
        capture,
        work / "log",
        map_link,
        lock_db,
        _dsn(tracker_store) if tracker_store else None,
    )
    return stack, channels


def _dsn(tracker_store: Dict[str, Any]) -> str:
    return " ".join(
        f"{key}={tracker_store[name]}"
        for key, name in (("host", "url"), ("port", "port"), ("dbname", "db"), ("user", "username"))
        if tracker_store.get(name)
    )
