"""Visitors' input checked before Rasa sees it (issue #11, "bad input at scale"), installed by
``rasa_runtime.patches.install``.

* The REST channel (``POST /webhooks/rest/webhook``) answers 400 with a clear error for a body
  that is not a JSON object with a text ``sender`` and a text ``message`` (optional object
  ``metadata``), and 413 for a message longer than MAX_MESSAGE_CHARS. Rasa 3.6 itself answers
  500 for a JSON list (``.get`` on it), and an empty reply for a number as the message.
* The website's socket.io events (``session_request`` and the user message) are checked the
  same way: a malformed one is ignored with one warning, where Rasa 3.6's handlers raise in a
  background task and log a stack trace for each.
* Every channel's message text and sender id is made storable: NUL characters are dropped and
  lone UTF-16 surrogates (valid in JSON, not in UTF-8) become U+FFFD. PostgreSQL refuses both,
  so one such message would otherwise fail its turn's save, on every channel. A message that is
  not text (a number or an object from a socket.io client) is read as its text or as empty.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)

REST_PATH = "/webhooks/rest/webhook"
MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 255  # Rasa's events.sender_id column
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without NUL characters and with lone surrogates replaced (U+FFFD)."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def rest_problem(body: bytes) -> Optional[tuple]:
    """(status, error) for a REST body Rasa must not be given, or None when it is fine."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return 400, "the body must be JSON"
    if not isinstance(data, dict):
        return 400, 'the body must be a JSON object: {"sender": "<conversation id>", "message": "<text>"}'
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        return 400, '"sender" must be a non-empty string (the conversation id)'
    if len(sender) > MAX_SENDER_CHARS:
        return 400, f'"sender" must be at most {MAX_SENDER_CHARS} characters'
    if not isinstance(message, str):
        return 400, '"message" must be a string'
    if len(message) > MAX_MESSAGE_CHARS:
        return 413, f'"message" must be at most {MAX_MESSAGE_CHARS} characters'
    if "metadata" in data and data["metadata"] is not None and not isinstance(data["metadata"], dict):
        return 400, '"metadata" must be a JSON object'
    return None


def register(app) -> None:
    """The REST body check, as a request middleware of Rasa's Sanic app."""
    from sanic import response

    @app.middleware("request")
    async def check_rest_body(request):
        if request.path.rstrip("/") != REST_PATH or request.method != "POST":
            return None
        declared = int(request.headers.get("content-length") or 0) > 0 or "transfer-encoding" in request.headers
        if not request.body and declared:
            # Sanic runs request middleware for its own errors too (413 for a body over
            # REQUEST_MAX_SIZE): the body was never received, and Sanic's answer stands.
            return None
        problem = rest_problem(request.body)
        if problem is not None:
            status, error = problem
            return response.json({"error": error}, status=status)
        return None


def _configure_app(original: Callable) -> Callable:
    @functools.wraps(original)
    def configure_app(*args, **kwargs):
        app = original(*args, **kwargs)
        register(app)
        return app

    return configure_app


def _agent_handle_message(original: Callable) -> Callable:
    @functools.wraps(original)
    async def handle_message(self, message):
        message.text = storable(as_text(message.text))
        if message.sender_id is not None:
            message.sender_id = storable(as_text(message.sender_id))[:MAX_SENDER_CHARS] or "default"
        return await original(self, message)

    return handle_message


def _session_id_problem(data: dict) -> Optional[str]:
    session_id = data.get("session_id")
    if session_id is not None and (not isinstance(session_id, str) or len(session_id) > MAX_SENDER_CHARS):
        return f"session_id must be a string of at most {MAX_SENDER_CHARS} characters"
    return None


def session_request_problem(data: Any) -> Optional[str]:
    """Why a socket.io ``session_request`` payload cannot be taken (None: it can)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        return "the payload must be an object"
    return _session_id_problem(data)


def user_message_problem(data: Any) -> Optional[str]:
    """Why a socket.io user message cannot be taken (None: it can)."""
    if not isinstance(data, dict):
        return "the payload must be an object"
    if not isinstance(data.get("message", ""), (str, int, float)) or isinstance(data.get("message"), bool):
        return "message must be text"
    if len(as_text(data.get("message", ""))) > MAX_MESSAGE_CHARS:
        return f"message must be at most {MAX_MESSAGE_CHARS} characters"
    metadata = data.get("metadata")  # Rasa's metadata_key (credentials.yml keeps the default)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return "metadata must be a JSON object"
    if metadata is not None and not isinstance(metadata, dict):
        return "metadata must be an object"
    return _session_id_problem(data)


def _guarded(event: str, handler: Callable, problem_of: Callable[[Any], Optional[str]]) -> Callable:
    async def guarded(sid, *args):
        data = args[0] if args else None
        problem = problem_of(data)
        if problem is not None:
            logger.warning("socket.io: ignored a malformed %r event: %s", event, problem)
            return None
        return await handler(sid, data)

    return guarded


def _socketio_blueprint(original: Callable) -> Callable:
    @functools.wraps(original)
    def blueprint(self, on_new_message):
        created = original(self, on_new_message)
        handlers = self.sio.handlers.get(self.namespace or "/", {})
        for event, problem_of in (
            ("session_request", session_request_problem),
            (self.user_message_evt, user_message_problem),
        ):
            if event in handlers:
                handlers[event] = _guarded(event, handlers[event], problem_of)
        return created

    return blueprint


def install() -> None:
    from rasa.core import run
    from rasa.core.agent import Agent
    from rasa.core.channels.socketio import SocketIOInput

    run.configure_app = _configure_app(run.configure_app)
    Agent.handle_message = _agent_handle_message(Agent.handle_message)
    SocketIOInput.blueprint = _socketio_blueprint(SocketIOInput.blueprint)
