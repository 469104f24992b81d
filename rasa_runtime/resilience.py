"""How the Rasa server behaves when something it depends on fails (issue #11), installed by
``rasa_runtime.patches.install``:

* **Action server unreachable** (stopped, restarting, or the load balancer answering 503):
  Rasa 3.6 logs a stack trace and carries on without the action's events, so the visitor
  gets no answer at all. Here the action is answered with a polite reply that gives the
  clinic's phone number (``outage_reply``); the next message reaches the action server as
  usual once it is back.
* **Lock store unreachable** (Redis down): Rasa raises ``LockError`` before the turn runs;
  the REST channel then answers ``[]`` and socket.io says nothing. Here the visitor on those
  channels gets the polite reply and the turn is not run (nothing is written, so no
  conversation is left half-done); the lock store's own log line names the server. Social
  connectors (channels/) keep their own handling: the error reaches them, they apologise once
  and answer 503 so the platform redelivers.
* **Tracker store failing** (PostgreSQL restarting): Rasa's FailSafeTrackerStore turns a failed
  read into "no conversation" and would run the turn on an empty one (a "yes" misread, a new
  session in the middle of a conversation). Here reads and writes are retried for a few
  seconds (TRACKER_STORE_RETRY_SECONDS, 10), enough for a restart; a read that still fails
  raises ``TrackerStoreUnavailable``, handled as above. PostgreSQL connections are checked
  before use (``pool_pre_ping``), so connections killed by a restart are replaced silently.
* **Request size**: Rasa's Sanic app refuses bodies over RASA_REQUEST_MAX_BYTES (1 MB) with
  413 (Sanic's default is 100 MB); WebSocket messages are held to the same size.
* **Turns that outlast the response timeout**: a worker or replica that dies mid-turn holds its
  conversation's lock until the ticket expires (TICKET_LOCK_LIFETIME, 60 s), and the visitor's
  next message waits for it. Rasa run without its HTTP API (as here) leaves Sanic's response
  timeout at its default, also 60 s, so that turn was cancelled just as it got the lock, and
  Rasa's REST channel answered the cancelled turn with an empty ``[]``: a message lost without
  a word. Here the response timeout is RASA_RESPONSE_TIMEOUT (by default the lock lifetime plus
  30 s, and never less than the lifetime), and a turn cancelled all the same (a hung action)
  answers its visitor with the polite reply; a cancelled turn is not stored.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Text

from clinic.env import SettingError, env_duration, env_int

logger = logging.getLogger(__name__)

REQUEST_MAX_BYTES_ENV = "RASA_REQUEST_MAX_BYTES"
DEFAULT_REQUEST_MAX_BYTES = 1_000_000
RETRY_SECONDS_ENV = "TRACKER_STORE_RETRY_SECONDS"
DEFAULT_RETRY_SECONDS = 10.0
RETRY_INTERVAL_S = 0.5
RESPONSE_TIMEOUT_ENV = "RASA_RESPONSE_TIMEOUT"
LOCK_LIFETIME_ENV = "TICKET_LOCK_LIFETIME"  # Rasa's own setting (rasa.core.lock_store)
DEFAULT_LOCK_LIFETIME_S = 60  # Rasa's default, also what it uses for 0
# What a turn may take once it has its conversation's lock, in the default response timeout.
TURN_MARGIN_S = 30.0


class TrackerStoreUnavailable(Exception):
    """The tracker store could not be read: the turn is not run."""


# --- the reply ----------------------------------------------------------------------------------

_provider = None
_provider_lock = threading.Lock()


def _clinic():
    global _provider
    from clinic.config import ClinicConfigError, ConfigProvider

    try:
        with _provider_lock:
            if _provider is None:
                _provider = ConfigProvider()
        return _provider.get()
    except (ClinicConfigError, OSError) as error:
        logger.error("the clinic file could not be read for the outage reply: %s", error)
        return None


def outage_reply() -> str:
    """What a visitor is told when the assistant cannot answer because a service is down."""
    config = _clinic()
    if config is None:
        return (
            "Sorry, I can't answer right now because of a technical problem on our side. Please try again in a "
            "few minutes or call the clinic. In an emergency, call your local emergency number."
        )
    details = config.clinic
    return (
        "Sorry, I can't answer right now because of a technical problem on our side. Please try again in a few "
        f"minutes, or call us on {details.phone}. If it's urgent, call the clinic's urgent line on "
        f"{details.urgent_line}, or {details.emergency_number} in an emergency."
    )


def reset_for_tests() -> None:
    global _provider
    _provider = None


# --- the action server ------------------------------------------------------------------------


def _remote_action_run(original: Callable) -> Callable:
    @functools.wraps(original)
    async def run(self, output_channel, nlg, tracker, domain) -> List[Any]:
        from rasa.shared.core.events import BotUttered
        from rasa.shared.exceptions import RasaException

        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except RasaException as error:
            from rasa.core.actions.action import ActionExecutionRejection

            if isinstance(error, ActionExecutionRejection) or not _action_server_unreachable(error):
                raise
            logger.error(
                "The action server did not run '%s' (%s); the visitor was given the outage reply",
                self.name(),
                error.__cause__ or error,
            )
            return [BotUttered(outage_reply(), metadata={"outage": "action_server"})]

    return run


def _action_server_unreachable(error: BaseException) -> bool:
    """True for a connection failure, a timeout or a 5xx answer (a load balancer with no server)."""
    import aiohttp

    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientResponseError):
        return cause.status >= 500
    if isinstance(cause, (aiohttp.ClientError, asyncio.TimeoutError)):
        return True
    return "Couldn't connect" in str(error)  # Rasa raises this one without a cause


# --- the lock store and the tracker store -------------------------------------------------------

# Channels whose visitor waits on the open request or connection and which have no redelivery:
# they get the polite reply. Other channels (channels/) get the error, as they expect.
_WAITING_OUTPUTS = ("CollectingOutputChannel", "SocketIOOutput")


def _agent_handle_message(original: Callable) -> Callable:
    @functools.wraps(original)
    async def handle_message(self, message) -> Optional[List[Dict[Text, Any]]]:
        from rasa.core.lock_store import LockError

        output = message.output_channel
        waiting = type(output).__name__ in _WAITING_OUTPUTS
        try:
            return await original(self, message)
        except (LockError, TrackerStoreUnavailable) as error:
            if not waiting:
                raise
            logger.error("A message was not handled (%s); the visitor was given the outage reply", error)
            await output.send_text_message(message.sender_id, outage_reply())
            return None
        except asyncio.CancelledError:
            # Sanic's response timeout. Rasa's REST channel answers a cancelled turn with whatever
            # was collected so far (often nothing), so the reply is added to the collector first.
            if type(output).__name__ == "CollectingOutputChannel":
                logger.error(
                    "A turn outlasted the response timeout (%g s) and was not stored; the visitor was given the "
                    "outage reply",
                    response_timeout(),
                )
                output.messages.append(output._message(message.sender_id, text=outage_reply()))
            raise

    return handle_message


def retry_seconds() -> float:
    """TRACKER_STORE_RETRY_SECONDS (``SettingError`` when it is not a duration up to an hour)."""
    return env_duration(RETRY_SECONDS_ENV, DEFAULT_RETRY_SECONDS, 0.0, 3600.0)


async def _with_retries(what: str, operation: Callable, *args) -> Any:
    deadline = time.monotonic() + retry_seconds()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation(*args)
        except Exception as error:  # noqa: BLE001 - any failure of the store's database
            if time.monotonic() >= deadline:
                raise
            logger.warning("the tracker store failed to %s (%s); retrying (attempt %d)", what, error, attempt)
            await asyncio.sleep(RETRY_INTERVAL_S)


def _fail_safe_retrieve(original: Callable) -> Callable:
    @functools.wraps(original)
    async def retrieve(self, sender_id: Text):
        try:
            return await _with_retries("read a conversation", self._tracker_store.retrieve, sender_id)
        except Exception as error:  # noqa: BLE001
            logger.error("The tracker store cannot be read: %s: %s", error.__class__.__name__, error)
            raise TrackerStoreUnavailable(f"the tracker store cannot be read: {error.__class__.__name__}") from error

    return retrieve


def _fail_safe_save(original: Callable) -> Callable:
    @functools.wraps(original)
    async def save(self, tracker) -> None:
        try:
            await _with_retries("save a conversation", self._tracker_store.save, tracker)
        except Exception:  # noqa: BLE001 - Rasa's own fallback: the in-memory store, and a log line
            await original(self, tracker)

    return save


def create_engine_kwargs(rasa_kwargs: Callable) -> Callable:
    @functools.wraps(rasa_kwargs)
    def kwargs(url: Any) -> Dict[Text, Any]:
        result = rasa_kwargs(url)
        if str(url).startswith("postgres"):
            result["pool_pre_ping"] = True  # a connection killed by a database restart is replaced
        return result

    return kwargs


# --- request sizes ------------------------------------------------------------------------------


def request_max_bytes() -> int:
    """RASA_REQUEST_MAX_BYTES (``SettingError`` when it is not a whole number from 1000 to 100000000)."""
    return env_int(REQUEST_MAX_BYTES_ENV, DEFAULT_REQUEST_MAX_BYTES, 1_000, 100_000_000)


def _configure_app(original: Callable) -> Callable:
    @functools.wraps(original)
    def configure_app(*args, **kwargs):
        app = original(*args, **kwargs)
        limit = request_max_bytes()
        app.config.REQUEST_MAX_SIZE = limit
        app.config.WEBSOCKET_MAX_SIZE = limit
        app.config.RESPONSE_TIMEOUT = response_timeout()
        return app

    return configure_app


def lock_lifetime() -> int:
    """TICKET_LOCK_LIFETIME as Rasa reads it (whole seconds; 0 or unset is Rasa's 60)."""
    return env_int(LOCK_LIFETIME_ENV, DEFAULT_LOCK_LIFETIME_S, 0, 86_400) or DEFAULT_LOCK_LIFETIME_S


def response_timeout() -> float:
    """RASA_RESPONSE_TIMEOUT: how long a message's request may take, waiting for the conversation's
    lock included. ``SettingError`` when it is not longer than the lock lifetime, since a turn
    queued behind a dead worker's ticket would then be cut off as it starts."""
    lifetime = lock_lifetime()
    timeout = env_duration(RESPONSE_TIMEOUT_ENV, lifetime + TURN_MARGIN_S, 1.0, 86_400.0)
    if timeout <= lifetime:
        raise SettingError(
            RESPONSE_TIMEOUT_ENV,
            str(os.environ.get(RESPONSE_TIMEOUT_ENV)),
            f"longer than the lock lifetime ({LOCK_LIFETIME_ENV}, {lifetime} s)",
        )
    return timeout


def check_settings() -> None:
    """Parse the settings read above (``SettingError`` names the first bad one); imports no Rasa,
    so rasa_runtime.__main__ refuses a bad value at once instead of after Rasa's slow import."""
    request_max_bytes()
    retry_seconds()
    response_timeout()


def install() -> None:
    """Install the behaviours above (called once by rasa_runtime.patches.install)."""
    from rasa.core import run, tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent

    check_settings()
    RemoteAction.run = _remote_action_run(RemoteAction.run)
    Agent.handle_message = _agent_handle_message(Agent.handle_message)
    tracker_store.FailSafeTrackerStore.retrieve = _fail_safe_retrieve(tracker_store.FailSafeTrackerStore.retrieve)
    tracker_store.FailSafeTrackerStore.save = _fail_safe_save(tracker_store.FailSafeTrackerStore.save)
    tracker_store.create_engine_kwargs = create_engine_kwargs(tracker_store.create_engine_kwargs)
    run.configure_app = _configure_app(run.configure_app)
