"""The clinic's demo website: one page with the clinic's name, a short intro and the chat widget.

    python -m webchat            # WEB_PORT (8080) on BIND_HOST (127.0.0.1)

The widget is rasa-webchat, installed from the npm registry into web/node_modules by the
setup (`make setup` runs `npm ci` in web/) and served from here: the page loads nothing from
any other host except the Rasa server's socket.io endpoint (WEBCHAT_SOCKET_URL), and its
Content-Security-Policy says so. The widget's stylesheet imports a third-party web font;
that import is removed from the bundle as it is served.

The clinic's name and contact details come from the clinic file (CLINIC_CONFIG or
clinic.yml), re-read when it changes.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.config import ClinicConfigError, ConfigProvider

ROOT = Path(__file__).resolve().parent.parent
STATIC = Path(__file__).resolve().parent / "static"
WIDGET_BUNDLE = ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
WIDGET_PATH = "/static/vendor/rasa-webchat.js"
# `@import url(https://...)` rules inside the bundle's CSS strings (a third-party web font).
_REMOTE_IMPORT = re.compile(r"@import url\((['\"]?)https?://[^)]*\1\);?")
# rasa-webchat 1.0.1 opens its socket.io connection with no options but the path, so
# socket.io starts with HTTP long-polling, whose requests must all reach the same Rasa
# process. Rasa runs several worker processes (SANIC_WORKERS), so the widget is made to open
# a WebSocket first: one connection, served by one worker. Polling stays the fallback for
# browsers without WebSockets. (The widget has no option for it: botfront/rasa-webchat#417.)
_SOCKET_OPTIONS = "socketio:function(e,t,n){var r=n?{path:n}:{}"
_SOCKET_OPTIONS_WEBSOCKET_FIRST = (
    'socketio:function(e,t,n){var r=Object.assign(n?{path:n}:{},{transports:["websocket","polling"]})'
)


class WebchatError(RuntimeError):
    """The page cannot be served (widget not installed, bad socket URL)."""


@dataclass(frozen=True)
class Settings:
    socket_url: str
    widget_bundle: Path = WIDGET_BUNDLE
    clinic_file: Optional[Path] = None

    @classmethod
    def from_env(cls) -> "Settings":
        rasa_port = os.environ.get("RASA_PORT", "5005")
        return cls(socket_url=os.environ.get("WEBCHAT_SOCKET_URL") or f"http://127.0.0.1:{rasa_port}")


def socket_origins(socket_url: str) -> str:
    """The CSP sources of the Rasa socket: its http(s) origin and the matching ws(s) one."""
    parts = urlsplit(socket_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebchatError(f"WEBCHAT_SOCKET_URL must be an http(s) URL, not {socket_url!r}")
    websocket = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {websocket}://{parts.netloc}"


def content_security_policy(socket_url: str) -> str:
    # Styles: the widget injects <style> elements at run time, hence 'unsafe-inline' for
    # styles only (no third-party host). Scripts: this site only, no inline script, no eval.
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "media-src 'self'",
            f"connect-src 'self' {socket_origins(socket_url)}",
            "frame-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def load_widget(bundle: Path) -> bytes:
    """The rasa-webchat bundle with its third-party CSS imports removed and its socket
    opened WebSocket-first (see _SOCKET_OPTIONS)."""
    try:
        source = bundle.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WebchatError(f"the chat widget is not installed ({bundle} is missing): run `make setup`") from None
    if source.count(_SOCKET_OPTIONS) != 1:
        raise WebchatError(
            f"{bundle} is not the rasa-webchat 1.0.1 build this site adapts (its socket options were not "
            "found): reinstall with `make setup` (web/package-lock.json pins it)"
        )
    source = source.replace(_SOCKET_OPTIONS, _SOCKET_OPTIONS_WEBSOCKET_FIRST)
    return _REMOTE_IMPORT.sub("", source).encode("utf-8")


def render_page(config, socket_url: str) -> str:
    details = config.clinic
    name = html.escape(details.name)
    chat_config = json.dumps(
        {"socketUrl": socket_url, "title": details.name, "subtitle": "Ask us about your skin treatments"}
    ).replace("<", "\\u003c")
    contact = " · ".join(html.escape(part) for part in (details.address, details.phone, details.email) if part)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{name}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/site.css">
<script type="application/json" id="chat-config">{chat_config}</script>
<script src="{WIDGET_PATH}" defer></script>
<script src="/static/chat.js" defer></script>
</head>
<body>
<header>
  <h1>{name}</h1>
  <p>Aesthetic skin care: micro-needling, acne care and clear advice.</p>
</header>
<main>
  <p>Welcome to {name}. Our micro-needling treatment, Epidermal Collagen Therapy (ECIT), is part
  of our Inner-glow programme: it helps with acne, acne scars, fine lines, sun spots and pores,
  with little downtime.</p>
  <p>Questions about micro-needling, downtime, acne or our events? Open the chat in the corner:
  our virtual assistant answers right away, helps you book a consultation, and passes any
  personal medical question to a licensed professional.</p>
  <h2>Visit us</h2>
  <p class="visit">{contact}</p>
</main>
<footer>The assistant gives general information only, never personal medical advice. In an
emergency call {html.escape(details.emergency_number)}.</footer>
</body>
</html>
"""


def create_app(settings: Settings, name: str = "clinic_webchat") -> Sanic:
    csp = content_security_policy(settings.socket_url)
    widget = load_widget(settings.widget_bundle)
    clinic = ConfigProvider(settings.clinic_file)
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 30

    @app.get("/")
    async def page(_: Request) -> HTTPResponse:
        return response.html(render_page(clinic.get(), settings.socket_url))

    @app.get(WIDGET_PATH)
    async def widget_bundle(_: Request) -> HTTPResponse:
        return response.raw(
            widget,
            content_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    app.static("/static/site.css", str(STATIC / "site.css"), name="site_css")
    app.static("/static/chat.js", str(STATIC / "chat.js"), name="chat_js", content_type="application/javascript")

    @app.middleware("response")
    async def security_headers(_: Request, reply: HTTPResponse) -> None:
        reply.headers["Content-Security-Policy"] = csp
        reply.headers["X-Content-Type-Options"] = "nosniff"
        reply.headers["Referrer-Policy"] = "no-referrer"
        reply.headers["X-Frame-Options"] = "DENY"

    return app


def main() -> int:
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    port = int(os.environ.get("WEB_PORT", "8080"))
    try:
        app = create_app(Settings.from_env())
    except (WebchatError, ClinicConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.run(host=host, port=port, access_log=False, motd=False)
    return 0
