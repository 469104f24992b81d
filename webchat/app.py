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

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.config import ClinicConfigError, ConfigProvider
from clinic.env import SettingError, env_port, env_str

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
        rasa_port = env_port("RASA_PORT", 5005)
        return cls(socket_url=env_str("WEBCHAT_SOCKET_URL") or f"http://127.0.0.1:{rasa_port}")


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


_templates = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    autoescape=select_autoescape(["html"], default=True),
)


def render_page(config, socket_url: str) -> str:
    """The page (webchat/templates/index.html, autoescaped) for the clinic's current details."""
    details = config.clinic
    chat_config = {"socketUrl": socket_url, "title": details.name, "subtitle": "Ask us about your skin treatments"}
    contact = [part for part in (details.address, details.phone, details.email) if part]
    return _templates.get_template("index.html").render(
        clinic=details, chat_config=chat_config, contact=contact, widget_path=WIDGET_PATH
    )


def create_app(settings: Settings, name: str = "clinic_webchat") -> Sanic:
    csp = content_security_policy(settings.socket_url)
    widget = load_widget(settings.widget_bundle)
    clinic = ConfigProvider(settings.clinic_file)
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 30
    # The page is only read (GET): nothing a browser sends it comes near this; larger gets 413
    # (also where no route would read the body, so the refusal says why).
    app.config.REQUEST_MAX_SIZE = 100_000

    @app.middleware("request")
    async def refuse_large_bodies(request: Request) -> Optional[HTTPResponse]:
        if int(request.headers.get("content-length") or 0) > app.config.REQUEST_MAX_SIZE:
            return response.text("Request body exceeds the size limit", status=413)
        return None

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
    try:
        host, port = env_str("BIND_HOST", "127.0.0.1"), env_port("WEB_PORT", 8080)
        app = create_app(Settings.from_env())
    except (WebchatError, ClinicConfigError, SettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.run(host=host, port=port, access_log=False, motd=False)
    return 0
