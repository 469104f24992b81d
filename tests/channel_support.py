"""Helpers for the channel tests: a local stand-in for the platforms' APIs that records every
call, webhook signing done the platforms' way (independently of channels/), and the stack
that `make run` starts (action server, Rasa with the social channels enabled, the website),
pointed at that stand-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from clinic_fixture import clinic_data
from tracker_events import stored_events

from ops.services import Stack, action_server, free_port, rasa_with_website, write_endpoints

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
    """An HTTP server on loopback that answers every POST with 200 and records it."""

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
                reply = json.dumps({"ok": True, "result": {}, "message_id": "m-1", "sid": "SM1"}).encode()
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
    tracker_db: Path
    capture: CaptureServer
    log_dir: Path
    map_link: str

    def webhook(self, channel: str) -> str:
        return f"{self.rasa_url}/webhooks/{channel}/webhook"

    def post_json(self, channel: str, payload: Dict[str, Any], headers: Dict[str, str]) -> Tuple[int, str]:
        return http(
            "POST", self.webhook(channel), json.dumps(payload).encode(), {"Content-Type": "application/json", **headers}
        )

    def user_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """The visitor's messages as stored in the tracker store (newest last)."""
        return stored_events(self.tracker_db, sender_id, "user")

    def outbound(self, prefix: str, since: int = 0) -> List[Captured]:
        return [r for r in self.capture.requests[since:] if r.path.startswith(prefix)]

    def mark(self) -> int:
        return len(self.capture.requests)


def start_channel_stack(work: Path) -> Tuple[Stack, ChannelStack]:
    """The `make run` stack (ops.services) with every social channel enabled against a capture
    server, a clinic file with a map link (so the location answer carries a link), on free ports."""
    capture = CaptureServer()
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    map_link = f"http://127.0.0.1:{web_port}/#map"
    data = clinic_data()
    data["clinic"]["map_link"] = map_link
    clinic_file = work / "clinic.yml"
    clinic_file.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    tracker_db = work / "tracker.db"
    endpoints = write_endpoints(work / "endpoints.yml", actions_port, tracker_db)
    # A migrated clinic database of its own (tickets and registrations the actions write).
    from clinic.migrate import upgrade

    database_url = f"sqlite:///{work / 'clinic.db'}"
    upgrade(database_url)
    clinic_env = {"CLINIC_CONFIG": str(clinic_file), "DATABASE_URL": database_url}
    rasa_env = {
        **clinic_env,
        **SECRETS,
        "META_GRAPH_API_URL": f"{capture.url}/graph",
        "TWILIO_API_URL": f"{capture.url}/twilio",
        "TELEGRAM_API_URL": f"{capture.url}/telegram",
    }
    rasa, web = rasa_with_website(rasa_port, web_port, web_env=clinic_env, endpoints=endpoints, env=rasa_env)
    stack = Stack([action_server(actions_port, env=clinic_env), rasa, web], log_dir=work / "log")
    return stack, ChannelStack(rasa.public_url, web.public_url, tracker_db, capture, work / "log", map_link)
