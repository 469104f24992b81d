"""A turn that waits on a dead worker's lock, or outlasts the response timeout, still answers its
visitor (rasa_runtime/resilience.py).

A worker or replica that dies mid-turn leaves its ticket in the lock store until the ticket
expires (TICKET_LOCK_LIFETIME), and the conversation's next message waits for it. Rasa without
its HTTP API left Sanic's response timeout at 60 s, the same as the lock lifetime, so that
message was cancelled as it got the lock and Rasa's REST channel answered ``[]``: the scaled
topology's replica-kill test caught it once. The stack here is the `make run` one with a short
lock lifetime and response timeout, and tickets issued from the test, as a dying worker leaves
them, in the stack's own SQLite lock store.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from channel_support import start_channel_stack, telegram_calls, telegram_post, telegram_update

from clinic.env import SettingError
from ops.paths import MODEL
from rasa_runtime import resilience
from rasa_runtime.sqlite_lock_store import SQLiteLockStore

LOCK_LIFETIME_S = 3
RESPONSE_TIMEOUT_S = 6
OUTAGE = "technical problem on our side"
APOLOGY = "something went wrong on our side"  # the social channels' word for it (channels/notices.py)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    env = {"TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_S), "RASA_RESPONSE_TIMEOUT": f"{RESPONSE_TIMEOUT_S}s"}
    services, channels = start_channel_stack(tmp_path_factory.mktemp("timeouts"), rasa_env=env)
    try:
        with services:
            yield channels
    finally:
        channels.capture.close()


def send(stack, sender: str, text: str):
    """(status, texts of the reply, seconds taken)."""
    started = time.monotonic()
    status, body = stack.post_json("rest", {"sender": sender, "message": text}, {})
    texts = [m.get("text") or "" for m in json.loads(body)] if status == 200 else []
    return status, texts, time.monotonic() - started


def user_texts(stack, sender: str):
    return [event["text"] for event in stack.user_events(sender)]


@pytest.mark.rasa  # serves the trained model
def test_a_message_queued_behind_a_dead_workers_ticket_is_answered_when_it_expires(stack):
    sender = f"after-crash-{uuid.uuid4().hex[:8]}"
    assert send(stack, sender, "hi")[0] == 200
    SQLiteLockStore(db=str(stack.lock_db)).issue_ticket(sender, LOCK_LIFETIME_S - 0.5)  # the worker then died

    status, texts, seconds = send(stack, sender, "what is micro-needling?")
    assert status == 200 and any("Epidermal Collagen Therapy" in t for t in texts), texts
    assert seconds >= LOCK_LIFETIME_S - 1.5  # it did wait for the ticket
    assert user_texts(stack, sender) == ["hi", "what is micro-needling?"]


@pytest.mark.rasa  # serves the trained model
def test_a_turn_cut_off_by_the_response_timeout_gets_the_polite_reply_and_is_not_stored(stack):
    sender = f"stuck-{uuid.uuid4().hex[:8]}"
    assert send(stack, sender, "hi")[0] == 200
    store = SQLiteLockStore(db=str(stack.lock_db))
    stuck = store.issue_ticket(sender, 10 * RESPONSE_TIMEOUT_S)  # a turn hung far past the timeout

    status, texts, seconds = send(stack, sender, "what is micro-needling?")
    assert status == 200 and len(texts) == 1 and OUTAGE in texts[0], texts  # not an empty []
    assert seconds < RESPONSE_TIMEOUT_S + 5
    assert user_texts(stack, sender) == ["hi"]  # the visitor was told to try again: not half-stored
    assert "outlasted the response timeout" in stack.rasa_log()

    store.cleanup(sender, stuck)  # the hung turn ends
    status, texts, _ = send(stack, sender, "what is micro-needling?")
    assert status == 200 and any("Epidermal Collagen Therapy" in t for t in texts), texts
    assert user_texts(stack, sender) == ["hi", "what is micro-needling?"]


@pytest.mark.rasa  # serves the trained model
def test_a_social_message_cut_off_by_the_response_timeout_is_redelivered_not_lost(stack):
    """The platform gets 503 and the delivery id is given back, so its retry is answered."""
    chat_id = uuid.uuid4().int % 10**9
    assert telegram_post(stack, telegram_update(chat_id, text="hello")) == 200
    store = SQLiteLockStore(db=str(stack.lock_db))
    stuck = store.issue_ticket(str(chat_id), 10 * RESPONSE_TIMEOUT_S)
    question = telegram_update(chat_id, text="what is micro-needling?")

    mark = stack.mark()
    assert telegram_post(stack, question) == 503
    sent = [call["text"] for call in telegram_calls(stack, mark, "sendMessage")]
    assert len(sent) == 1 and APOLOGY in sent[0], sent
    assert user_texts(stack, str(chat_id)) == ["hello"]

    store.cleanup(str(chat_id), stuck)
    mark = stack.mark()
    assert telegram_post(stack, question) == 200  # the platform's retry
    sent = [call["text"] for call in telegram_calls(stack, mark, "sendMessage")]
    assert any("Epidermal Collagen Therapy" in text for text in sent), sent
    assert user_texts(stack, str(chat_id)) == ["hello", "what is micro-needling?"]


# --- the setting ---------------------------------------------------------------------------------


def test_the_default_response_timeout_outlasts_the_lock_lifetime(monkeypatch):
    monkeypatch.delenv("RASA_RESPONSE_TIMEOUT", raising=False)
    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    assert resilience.response_timeout() == 60 + resilience.TURN_MARGIN_S
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "120")
    assert resilience.response_timeout() == 120 + resilience.TURN_MARGIN_S
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "0")  # Rasa's own reading: 0 is its default
    assert resilience.response_timeout() == 60 + resilience.TURN_MARGIN_S


@pytest.mark.parametrize("value", ["60", "30s", "1m", "soon", "-5"])
def test_a_response_timeout_not_longer_than_the_lock_lifetime_is_refused(monkeypatch, value):
    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    monkeypatch.setenv("RASA_RESPONSE_TIMEOUT", value)
    with pytest.raises(SettingError) as refused:
        resilience.response_timeout()
    assert refused.value.name == "RASA_RESPONSE_TIMEOUT"


def test_rasa_without_its_http_api_gets_the_response_timeout(monkeypatch):
    """`rasa run` without --enable-api (as the clinic runs it) left Sanic's 60 s default."""
    from rasa.core import run
    from sanic import Sanic

    from rasa_runtime import patches

    monkeypatch.setattr(Sanic, "test_mode", True)  # the app's name may be taken in this process
    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    monkeypatch.setenv("RASA_RESPONSE_TIMEOUT", "75")
    patches.install()
    app = run.configure_app(enable_api=False, port=0)
    assert app.config.RESPONSE_TIMEOUT == 75
