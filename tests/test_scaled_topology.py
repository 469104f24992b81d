"""The assistant past one machine (issue #11), on the scaled topology of tests/scaled_fixtures.py
(2 Rasa replicas and 2 action servers behind HAProxy, PostgreSQL and Redis of the tests' own):
the routing tests first, then the faults, each asserting on the stores afterwards (the tracker
store's events, the clinic database's tickets, registrations and outbox rows). Killing a
replica comes last: it is not restarted (the fuzz tests, tests/test_fuzz_inputs.py, run before).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
import uuid
from typing import Dict, List, Tuple

import pytest
from channel_support import SECRETS, http, telegram_update
from scaled_fixtures import CLINIC, REFERENCE, Scaled, post_declaring, widget_conversation

from ops import loadtest


def run_in_background(scaled: Scaled, talks: List[loadtest.Conversation], concurrency: int) -> threading.Thread:
    thread = threading.Thread(target=loadtest.run, args=(scaled.topology.rest_url(), talks, concurrency), daemon=True)
    thread.start()
    return thread


def turns_so_far(talks: List[loadtest.Conversation]) -> int:
    return sum(len(c.turns) for c in talks)


def wait_for_turns(talks: List[loadtest.Conversation], count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while turns_so_far(talks) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert turns_so_far(talks) >= count, "the load did not get going"


# --- routing -------------------------------------------------------------------------------------


def test_a_rest_conversation_stays_on_one_replica_and_both_replicas_serve(scaled: Scaled):
    served: Dict[str, set] = {}
    for number in range(12):
        sender = f"sticky-{number}"
        for text in ("hi", "what is micro-needling?", "does it hurt?"):
            replica, messages = scaled.send(sender, text)
            assert any(m.get("text") for m in messages)
            served.setdefault(sender, set()).add(replica)
        assert scaled.user_texts(sender) == ["hi", "what is micro-needling?", "does it hurt?"]
    assert all(len(replicas) == 1 for replicas in served.values()), served
    assert set().union(*served.values()) == {"rasa-1", "rasa-2"}


def test_rasa_http_api_is_not_reachable(scaled: Scaled):
    for path in ("/status", "/model/parse", "/conversations/sticky-0/tracker", "/version"):
        status, _ = http("GET", scaled.topology.public_url + path)
        assert status == 404, path
    # Nor on a replica itself: it runs without --enable-api.
    status, _ = http("GET", f"http://127.0.0.1:{scaled.topology.rasa_ports[0]}/conversations/sticky-0/tracker")
    assert status == 404


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_the_website_widget_talks_through_the_load_balancer(scaled: Scaled, transport: str):
    """socket.io as the widget uses it: with long-polling every request of the session must reach
    the replica that holds it (HAProxy balances socket.io by the visitor's address)."""
    session_id = f"widget-{transport}-{uuid.uuid4().hex[:8]}"
    replies = asyncio.run(
        widget_conversation(scaled.topology.public_url, transport, session_id, ["hi", "what is micro-needling?"])
    )
    assert any("Epidermal Collagen Therapy" in (r.get("text") or "") for r in replies)
    assert scaled.user_texts(session_id) == ["hi", "what is micro-needling?"]


def test_a_redelivered_social_webhook_is_answered_once_whichever_replica_it_reaches(scaled: Scaled):
    import redis

    chat_id = uuid.uuid4().int % 10**9
    update = telegram_update(chat_id, text="hello")
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_WEBHOOK_SECRET"],
        "Content-Type": "application/json",
    }
    url = f"{scaled.topology.public_url}/webhooks/telegram/webhook"

    def deliver() -> Tuple[int, str]:
        request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - loopback
            return reply.status, reply.headers.get("X-Clinic-Replica", "")

    def answers() -> int:
        return sum(
            1
            for r in scaled.capture.requests
            if r.path.endswith("/sendMessage") and r.json()["chat_id"] == str(chat_id)
        )

    first = deliver()
    assert first[0] == 200 and answers() >= 1
    answered = answers()
    retries = [deliver() for _ in range(5)]  # the platform retries; leastconn spreads them over the replicas
    assert [status for status, _ in retries] == [200] * 5
    assert {first[1]} | {replica for _, replica in retries} == {"rasa-1", "rasa-2"}
    assert answers() == answered  # answered once, however many replicas saw it
    assert scaled.user_texts(str(chat_id)) == ["hello"]
    # The delivery id is in the shared Redis, not in one replica's memory.
    assert redis.Redis.from_url(scaled.redis.url).exists(f"clinic:delivery:telegram:{update['update_id']}")


def test_requests_over_the_size_limit_get_413(scaled: Scaled):
    assert post_declaring(scaled.topology.rest_url(), declared=2_000_000) == 413  # Rasa's limit (1 MB)
    body = json.dumps({"sender": "big", "message": "x" * 6000}).encode()  # under it, but no message is that long
    status, _ = http("POST", scaled.topology.rest_url(), body, {"Content-Type": "application/json"})
    assert status == 413
    assert scaled.user_texts("big") == []


# --- faults ---------------------------------------------------------------------------------------


def test_one_action_server_down_goes_unnoticed_and_both_down_get_a_polite_reply(scaled: Scaled):
    first, second = scaled.topology.actions
    sender = f"actions-{uuid.uuid4().hex[:6]}"
    first.stop()
    try:
        for text in ("hi", "what is micro-needling?", "how long is the downtime?"):
            reply = scaled.say(sender, text)
            assert reply and "technical problem" not in reply
        second.stop()
        reply = scaled.say(sender, "does it hurt?")
        assert "technical problem on our side" in reply and CLINIC["phone"] in reply
        assert "outage reply" in scaled.rasa_logs()
    finally:
        for service in (first, second):
            if not scaled.topology.running(service):
                service.start(scaled.settings.log_dir)
                service.wait_ready(120)
    time.sleep(2.5)  # the load balancer's health checks see them up again
    assert "Epidermal Collagen Therapy" in scaled.say(sender, "what is micro-needling?")
    # Every turn stored once, the outage turn included (the visitor was answered).
    assert scaled.user_texts(sender) == [
        "hi",
        "what is micro-needling?",
        "how long is the downtime?",
        "does it hurt?",
        "what is micro-needling?",
    ]


def test_redis_down_gets_a_polite_reply_a_clear_log_line_and_no_conversation_is_corrupted(scaled: Scaled):
    sender = f"redis-{uuid.uuid4().hex[:6]}"
    assert "licensed professional" in scaled.say(sender, "I'm on roaccutane, is microneedling safe for me?")
    assert "What's your name?" in scaled.say(sender, "yes please")
    before = scaled.event_types(sender)
    scaled.redis.stop()
    try:
        reply = scaled.say(sender, "my name is Ana Silva")
        assert "technical problem on our side" in reply and CLINIC["phone"] in reply
        assert scaled.event_types(sender) == before  # the turn did not run without its lock
        assert f"The Redis lock store at {scaled.redis.url} failed" in scaled.rasa_logs()
    finally:
        scaled.redis.start()
    # Back: the form goes on where it was.
    assert "e-mail address or phone number" in scaled.say(sender, "my name is Ana Silva")
    assert "OK for the clinic to contact you" in scaled.say(sender, "ana.redis@example.com")
    assert REFERENCE.search(scaled.say(sender, "yes"))
    assert scaled.user_texts(sender).count("my name is Ana Silva") == 1
    assert scaled.count("tickets", "WHERE sender_id = :s", s=sender) == 1


def test_postgres_restart_during_load_loses_nothing_and_everything_reconnects(scaled: Scaled):
    console = scaled.console()
    assert console.get("/conversations").status_code == 200
    talks = [c for c in loadtest.conversations(24, "pg-restart") if c.kind != "fallback"]
    thread = run_in_background(scaled, talks, 8)
    wait_for_turns(talks, 15)
    scaled.postgres.restart()
    thread.join(300)
    assert not thread.is_alive()

    turns = [t for c in talks for t in c.turns]
    assert all(t.ok and t.reply.strip() for t in turns)  # no error, no empty reply
    assert (
        loadtest.storage_problems(
            talks, loadtest.stored_user_texts(scaled.settings.tracker_store_url, [c.sender for c in talks])
        )
        == []
    )
    # Every reference and confirmation a visitor was given is in the clinic database, with its notifications.
    senders = [c.sender for c in talks]
    expected = loadtest.expected_records(talks)
    records = loadtest.clinic_records(scaled.settings.database_url, senders)
    assert records["tickets"] == expected["tickets"] and records["registrations"] == expected["registrations"]
    assert expected["tickets"] + expected["registrations"] > 0
    # Each ticket and registration was written with its two notifications (e-mail, webhook).
    assert scaled.count("outbox") == 2 * (scaled.count("tickets") + scaled.count("event_registrations"))
    # The action server and the console reconnected by themselves.
    sender = f"after-restart-{uuid.uuid4().hex[:6]}"
    for text, _ in loadtest.medical(sender):
        scaled.say(sender, text)
    assert scaled.count("tickets", "WHERE sender_id = :s", s=sender) == 1
    assert console.get("/conversations").status_code == 200


def test_killing_a_replica_during_load_conversations_continue_on_the_other(scaled: Scaled):
    # Visitors half-way through the hand-off form on the replica that will be killed.
    paused = []
    for number in range(60):
        sender = f"paused-{number}-{uuid.uuid4().hex[:6]}"
        replica, _ = scaled.send(sender, "I'm on roaccutane, is microneedling safe for me?")
        if replica == "rasa-1":
            assert "What's your name?" in scaled.say(sender, "yes please")
            paused.append(sender)
        if len(paused) == 3:
            break
    assert len(paused) == 3
    talks = loadtest.conversations(18, "kill")
    concurrency = 6
    thread = run_in_background(scaled, talks, concurrency)
    wait_for_turns(talks, 20)
    victim = scaled.topology.rasa[0]
    killed_at = time.monotonic()
    scaled.topology.kill(victim)
    thread.join(300)
    assert not thread.is_alive()

    turns = [t for c in talks for t in c.turns]
    failed = [t for t in turns if not t.ok]
    # At most the turns in flight on the killed replica (one per conversation at a time), and a
    # conversation's next turn when it followed at once, while the dying replica was being torn
    # down (seen in CI: seven 502s with six conversations running, one for a turn sent 60 ms after
    # the kill): a request that may have reached a replica is never sent again
    # (deploy/haproxy.cfg). Once the kill is half a second old, every turn is answered (below).
    assert len(failed) <= 2 * concurrency, [(t.text, t.status, round(t.started_at - killed_at, 2)) for t in failed]
    assert all(t.started_at < killed_at + 0.5 for t in failed)
    empty = [(t.text, t.replica, round(t.started_at - killed_at, 2), round(t.latency_ms)) for t in turns if t.empty]
    assert empty == []  # a turn queued behind the dead replica's lock is answered, not cut off (resilience.py)
    later = [t for t in turns if t.started_at > killed_at + 0.5]
    assert len(later) > 20 and all(t.ok and t.replica == "rasa-2" for t in later)
    finished = [c for c in talks if all(t.ok for t in c.turns)]
    assert finished and all(t.on_script for c in finished for t in c.turns)
    stored = loadtest.stored_user_texts(scaled.settings.tracker_store_url, [c.sender for c in talks])
    assert loadtest.storage_problems(talks, stored) == []
    # The conversations the killed replica held go on, on the other one, from their stored state.
    for sender in paused:
        replica, messages = scaled.send(sender, "my name is Ana Silva")
        assert replica == "rasa-2" and "e-mail address or phone number" in " ".join(m.get("text", "") for m in messages)
        assert "OK for the clinic to contact you" in scaled.say(sender, f"{sender}@example.com")
        assert REFERENCE.search(scaled.say(sender, "yes"))
        assert scaled.user_texts(sender)[-3:] == ["my name is Ana Silva", f"{sender}@example.com", "yes"]
        assert scaled.count("tickets", "WHERE sender_id = :s", s=sender) == 1
