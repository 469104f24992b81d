"""No visitor's message is lost when a store fails (issue #9, item 1).

The stack is the one `make run` starts (two Rasa workers sharing the SQLite lock store), with
every social channel enabled and its conversations in a PostgreSQL tracker store: a real
database that really goes away (connections refused, open ones terminated) and comes back.
While it is away, a message cannot be handed to the assistant: the visitor gets an apology
(once, however often the platform retries), the delivery id is not kept, and the webhook
answers 503. The platform's retry after the database is back is answered as if it were the
first delivery, with the conversation's context ("2" still picks the second option). A
locked lock store (where delivery ids are kept) is handled the same way.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
import uuid
from typing import Any, Dict, Iterator

import pytest
from channel_support import (
    GREETING,
    ChannelStack,
    meta_event,
    meta_post,
    meta_sent,
    new_id,
    start_channel_stack,
    telegram_calls,
    telegram_post,
    telegram_update,
    twilio_form,
    twilio_post,
    whatsapp_sent,
)
from clinic_fixture import clinic_data
from psycopg2 import sql

from ops.paths import MODEL
from rasa_runtime.sqlite_lock_store import SQLiteLockStore

APOLOGY = "something went wrong on our side"
URGENT_LINE = clinic_data()["clinic"]["urgent_line"]


class OutageStack:
    """The channel stack and a switch that takes its PostgreSQL tracker database away."""

    def __init__(self, channels: ChannelStack, postgres: Any, database: str) -> None:
        self.channels = channels
        self.postgres = postgres
        self.database = database

    @contextlib.contextmanager
    def tracker_store_down(self) -> Iterator[None]:
        name = sql.Identifier(self.database)
        with self.postgres.connection.cursor() as cursor:
            cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.database,)
            )
        try:
            yield
        finally:
            with self.postgres.connection.cursor() as cursor:
                cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


@pytest.fixture(scope="module")
def outage(tmp_path_factory, postgres):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    url = urllib.parse.urlsplit(postgres.create())
    database = url.path.lstrip("/")
    tracker_store = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": url.hostname,
        "port": url.port,
        "db": database,
        "username": url.username,
    }
    stack, channels = start_channel_stack(tmp_path_factory.mktemp("outage"), tracker_store=tracker_store)
    try:
        with stack:
            yield OutageStack(channels, postgres, database)
    finally:
        channels.capture.close()


def apologies(texts: Any) -> int:
    return sum(APOLOGY in text for text in texts)


def test_whatsapp_choice_sent_while_the_tracker_store_is_down_is_answered_on_the_retry(outage):
    stack = outage.channels
    visitor = f"whatsapp:+4477004{uuid.uuid4().int % 10**5:05d}"
    assert twilio_post(stack, twilio_form(visitor, Body="hi")) == 200  # numbered options
    greeting = "\n".join(r.form()["Body"] for r in whatsapp_sent(stack, 0, visitor))
    assert "2." in greeting and "Reply with the number" in greeting

    choice = twilio_form(visitor, Body="2")
    mark = stack.mark()
    with outage.tracker_store_down():
        assert twilio_post(stack, choice) == 503
        assert twilio_post(stack, choice) == 503  # the platform retries while it is still down
        bodies = [r.form()["Body"] for r in whatsapp_sent(stack, mark, visitor)]
        assert apologies(bodies) == 1 and len(bodies) == 1  # one apology, not one per attempt
        assert URGENT_LINE in bodies[0]
        assert f"whatsapp:{choice['MessageSid']}" not in stack.delivery_ids()

    mark = stack.mark()
    assert twilio_post(stack, choice) == 200  # the retry, once the database is back
    assert f"whatsapp:{choice['MessageSid']}" in stack.delivery_ids()
    assert whatsapp_sent(stack, mark, visitor)
    texts = [event["text"] for event in stack.user_events(visitor)]
    assert len(texts) == 2 and texts[0] == "hi"
    assert texts[1].startswith("/") and texts[1] != "2"  # still the second option: the context survived

    mark = stack.mark()
    assert twilio_post(stack, choice) == 200  # a later redelivery is a duplicate now
    assert whatsapp_sent(stack, mark, visitor) == [] and len(stack.user_events(visitor)) == 2

    # The outage killed the pooled connections of both workers: the next visitors, whichever
    # worker they reach, are answered without an apology.
    mark = stack.mark()
    others = [f"whatsapp:+4477003{uuid.uuid4().int % 10**5:05d}" for _ in range(6)]
    for other in others:
        assert twilio_post(stack, twilio_form(other, Body="hi")) == 200
    bodies = [r.form()["Body"] for other in others for r in whatsapp_sent(stack, mark, other)]
    assert apologies(bodies) == 0 and all(stack.user_events(other) for other in others)


def messenger_text(channel: str, sender: str, text: str) -> Dict[str, Any]:
    return meta_event(channel, sender, message={"mid": f"m_{uuid.uuid4().hex}", "text": text})


@pytest.mark.parametrize("channel", ["messenger", "instagram", "telegram"])
def test_message_sent_while_the_tracker_store_is_down_is_answered_on_the_retry(outage, channel):
    stack = outage.channels
    if channel == "telegram":
        chat_id = uuid.uuid4().int % 10**9
        sender, update = str(chat_id), telegram_update(chat_id, text="hello")
        key = f"telegram:{update['update_id']}"

        def post() -> int:
            return telegram_post(stack, update)

        def sent(since: int):
            return [m["text"] for m in telegram_calls(stack, since, "sendMessage") if m["chat_id"] == sender]
    else:
        sender = new_id("7")
        event = messenger_text(channel, sender, "hello")
        key = f"{channel}:{event['entry'][0]['messaging'][0]['message']['mid']}"

        def post() -> int:
            return meta_post(stack, channel, event)

        def sent(since: int):
            return [m["text"] for m in meta_sent(stack, since, sender)]

    mark = stack.mark()
    with outage.tracker_store_down():
        assert post() == 503
        assert apologies(sent(mark)) == 1 and key not in stack.delivery_ids()
    mark = stack.mark()
    assert post() == 200
    assert GREETING in " ".join(sent(mark)) and apologies(sent(mark)) == 0
    assert [e["text"] for e in stack.user_events(sender)] == ["hello"]
    assert {e["input_channel"] for e in stack.user_events(sender)} == {channel}
    assert key in stack.delivery_ids()


def test_a_locked_lock_store_lets_the_platforms_retry_through(outage):
    """The lock store (which keeps delivery ids and turn locks) is held by another writer past its
    10 s busy timeout: nothing can be recorded, so the message is declined and its retry answered."""
    stack = outage.channels
    sender = new_id("7")
    event = messenger_text("messenger", sender, "hello")
    holder = sqlite3.connect(stack.lock_db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock store's database
        mark = stack.mark()
        assert meta_post(stack, "messenger", event) == 503
        assert apologies(m["text"] for m in meta_sent(stack, mark, sender)) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    mark = stack.mark()
    assert meta_post(stack, "messenger", event) == 200
    assert GREETING in " ".join(m["text"] for m in meta_sent(stack, mark, sender))
    assert [e["text"] for e in stack.user_events(sender)] == ["hello"]


def test_the_lock_store_gives_a_delivery_id_back(tmp_path):
    store = SQLiteLockStore(db=tmp_path / "locks.db")
    assert store.first_delivery("whatsapp:SM1") is True
    assert store.first_delivery("whatsapp:SM1") is False
    store.forget_delivery("whatsapp:SM1")
    store.forget_delivery("whatsapp:never-seen")  # nothing to give back: no error
    assert store.first_delivery("whatsapp:SM1") is True
