"""Bad input at scale (issue #11): time-bounded hypothesis runs against the scaled topology
(tests/scaled_fixtures.py: through HAProxy to both Rasa replicas, and the staff console) with
malformed JSON, wrong types, odd unicode and huge bodies, on the REST and socket.io channels,
the social webhooks (correctly signed, so the payload itself is what is tested) and the
console's routes (signed in, with the CSRF token). Nothing may answer 500 or crash: after each
run the replicas still answer a plain question. Each run is bounded (max_examples, no
shrinking beyond a few seconds) to stay well under a minute.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from typing import Any, Dict

import pytest
from channel_support import SECRETS, http, meta_headers, twilio_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scaled_fixtures import Scaled, post_declaring, widget_conversation

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)
ODD = [
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",
    "\u200d",
    "\ufeff",
    "\uffff",
    "🧴",
    "👩🏽‍⚕️",
    "🇬🇧",
    "e\u0301",
    "\n",
    "\t",
    "<script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "${REDIS_URL}",
    "/faq{",
    "/restart",
]
odd_text = st.lists(st.sampled_from(ODD) | st.characters(), max_size=60).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Objects shaped like the real thing, with any value in any field.
rest_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"sender": json_values, "message": json_values}),
    st.fixed_dictionaries(
        {"sender": st.text(min_size=1, max_size=40), "message": odd_text}, optional={"metadata": json_values}
    ),
)


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: lone surrogates travel as \\ud800 escapes


class LogWatch:
    """The Rasa replicas' and the console's log lines written since it was made."""

    def __init__(self, scaled: Scaled) -> None:
        self.services = [*scaled.topology.rasa, scaled.topology.console]
        self.marks = {s.name: self._size(s) for s in self.services}

    @staticmethod
    def _size(service) -> int:
        return service.log_path.stat().st_size if service.log_path and service.log_path.exists() else 0

    def new_text(self) -> str:
        text = []
        for service in self.services:
            if service.log_path and service.log_path.exists():
                with open(service.log_path, "rb") as log:
                    log.seek(self.marks[service.name])
                    text.append(log.read().decode(errors="replace"))
        return "\n".join(text)

    def assert_no_stack_trace(self) -> None:
        text = self.new_text()
        assert "Traceback" not in text, text[text.index("Traceback") - 300 : text.index("Traceback") + 1500]


def assert_still_answers(scaled: Scaled) -> None:
    for number in range(4):  # both replicas, whichever the senders hash to
        reply = scaled.say(f"after-fuzz-{number}-{uuid.uuid4().hex[:6]}", "what are your opening hours?")
        assert reply.strip()


def test_rest_channel_with_any_json(scaled: Scaled):
    watch = LogWatch(scaled)
    seen = []

    @FUZZ
    @given(body=rest_bodies)
    def run(body) -> None:
        status, text = http("POST", scaled.topology.rest_url(), encode(body), {"Content-Type": "application/json"})
        seen.append(status)
        assert status in (200, 400, 413), (status, text[:300])
        if status == 200:
            messages = json.loads(text)
            assert isinstance(messages, list) and any(m.get("text") or m.get("buttons") for m in messages)
        else:
            assert "error" in json.loads(text)

    run()
    assert 200 in seen and 400 in seen  # the run reached the assistant and the checks both
    assert_still_answers(scaled)
    watch.assert_no_stack_trace()


def test_rest_channel_with_malformed_bodies(scaled: Scaled):
    watch = LogWatch(scaled)

    @FUZZ
    @given(body=st.binary(max_size=2000), content_type=st.sampled_from(["application/json", "text/plain", ""]))
    def run(body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        status, text = http("POST", scaled.topology.rest_url(), body, headers)
        assert status in (200, 400, 413), (status, text[:300])

    run()
    assert_still_answers(scaled)
    watch.assert_no_stack_trace()


def test_odd_unicode_is_answered_and_stored(scaled: Scaled):
    watch = LogWatch(scaled)
    sender = f"unicode-{uuid.uuid4().hex[:6]}"
    sent = []

    @settings(FUZZ, max_examples=15)
    @given(message=odd_text.filter(lambda text: text.strip()))
    def run(message: str) -> None:
        status, text = http("POST", scaled.topology.rest_url(), encode({"sender": sender, "message": message}), {})
        assert status == 200, text[:300]
        assert any(m.get("text") for m in json.loads(text))
        sent.append(message)

    run()
    stored = scaled.user_texts(sender)
    assert len(stored) == len(sent)  # every one stored (NUL dropped, lone surrogates replaced), once
    assert all("\x00" not in text for text in stored)
    watch.assert_no_stack_trace()


def test_socketio_channel_with_any_payload(scaled: Scaled):
    watch = LogWatch(scaled)
    import socketio

    async def fuzz(payloads) -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(scaled.topology.public_url, transports=["polling"], socketio_path="socket.io")
        try:
            for event, payload in payloads:
                await client.emit(event, payload)
            await asyncio.sleep(1)
        finally:
            await client.disconnect()

    @settings(FUZZ, max_examples=10)
    @given(
        payloads=st.lists(
            st.tuples(st.sampled_from(["user_uttered", "session_request", "unknown_event"]), json_values),
            min_size=1,
            max_size=5,
        )
    )
    def run(payloads) -> None:
        asyncio.run(fuzz(payloads))

    run()
    # The socket.io channel still answers a visitor, and so does REST.
    session_id = f"after-socket-fuzz-{uuid.uuid4().hex[:6]}"
    replies = asyncio.run(widget_conversation(scaled.topology.public_url, "polling", session_id, ["hello"]))
    assert replies
    assert_still_answers(scaled)
    watch.assert_no_stack_trace()


def test_socketio_polling_requests_that_are_not_socketio(scaled: Scaled):
    watch = LogWatch(scaled)

    @settings(FUZZ, max_examples=25)
    @given(
        query=st.dictionaries(st.sampled_from(["EIO", "transport", "sid", "t", "x"]), odd_text, max_size=4),
        body=st.binary(max_size=500),
        method=st.sampled_from(["GET", "POST"]),
    )
    def run(query: Dict[str, str], body: bytes, method: str) -> None:
        url = f"{scaled.topology.public_url}/socket.io/?{urllib.parse.urlencode(query, errors='replace')}"
        status, _ = http(method, url, body if method == "POST" else None)
        assert status < 500, status

    run()
    watch.assert_no_stack_trace()


# Payloads shaped like each platform's, with any value in any field, nested as the platforms nest them.
meta_payloads = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram"]),
        "entry": st.lists(
            json_values
            | st.fixed_dictionaries(
                {"id": json_values},
                optional={
                    "messaging": st.lists(
                        json_values
                        | st.fixed_dictionaries(
                            {"sender": json_values | st.fixed_dictionaries({"id": json_values})},
                            optional={
                                "message": json_values
                                | st.fixed_dictionaries(
                                    {"mid": json_values, "text": json_values},
                                    optional={"quick_reply": json_values, "attachments": json_values},
                                ),
                                "postback": json_values | st.fixed_dictionaries({"payload": json_values}),
                            },
                        ),
                        max_size=2,
                    ),
                    "changes": json_values,
                },
            ),
            max_size=2,
        ),
    }
)
telegram_payloads = st.fixed_dictionaries(
    {"update_id": json_values},
    optional={
        "message": json_values
        | st.fixed_dictionaries(
            {
                "message_id": json_values,
                "chat": json_values | st.fixed_dictionaries({"id": json_values, "type": json_values}),
            },
            optional={"from": json_values, "text": json_values, "entities": json_values, "caption": json_values},
        ),
        "callback_query": json_values
        | st.fixed_dictionaries(
            {"id": json_values, "data": json_values}, optional={"message": json_values, "from": json_values}
        ),
    },
)


def test_social_webhooks_with_signed_payloads_of_any_shape(scaled: Scaled):
    watch = LogWatch(scaled)
    base = scaled.topology.public_url

    @settings(FUZZ, max_examples=60)
    @given(
        channel=st.sampled_from(["telegram", "messenger", "instagram", "whatsapp"]),
        payload=json_values | meta_payloads | telegram_payloads,
    )
    def run(channel: str, payload: Any) -> None:
        url = f"{base}/webhooks/{channel}/webhook"
        if channel == "whatsapp":
            form = {str(k): str(v) for k, v in payload.items()} if isinstance(payload, dict) else {"Body": str(payload)}
            body = urllib.parse.urlencode(form).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(SECRETS["TWILIO_AUTH_TOKEN"], url, form),
            }
        else:
            body = encode(payload)
            headers = {"Content-Type": "application/json"}
            if channel == "telegram":
                headers["X-Telegram-Bot-Api-Secret-Token"] = SECRETS["TELEGRAM_WEBHOOK_SECRET"]
            else:
                secret = SECRETS["FACEBOOK_APP_SECRET" if channel == "messenger" else "INSTAGRAM_APP_SECRET"]
                headers.update(meta_headers(secret, body))
        status, text = http("POST", url, body, headers)
        assert status < 500, (channel, status, text[:300])

    run()
    assert_still_answers(scaled)
    watch.assert_no_stack_trace()


def test_console_routes_with_any_input(scaled: Scaled):
    watch = LogWatch(scaled)
    console = scaled.console()
    console.page("/conversations")

    @settings(FUZZ, max_examples=30)
    @given(
        path=st.sampled_from(["/conversations", "/queue", "/registrations", "/accounts", "/api/queue/urgent"]),
        query=st.dictionaries(
            st.sampled_from(
                ["q", "channel", "intent", "from", "to", "page", "handoff", "tag", "confidence_below", "x"]
            ),
            odd_text,
            max_size=4,
        ),
    )
    def read(path: str, query: Dict[str, str]) -> None:
        reply = console.get(f"{path}?{urllib.parse.urlencode(query, errors='replace')}")
        assert reply.status_code < 500, (path, query, reply.status_code)

    @settings(FUZZ, max_examples=25)
    @given(
        path=st.sampled_from(
            [
                "/conversations/fuzz-visitor/notes",
                "/conversations/fuzz-visitor/tags",
                "/conversations/fuzz-visitor/review",
                "/queue/MED-FUZZ1/notes",
                "/queue/MED-FUZZ1/status",
                "/accounts",
            ]
        ),
        form=st.dictionaries(st.sampled_from(["note", "tag", "status", "username", "role", "x"]), odd_text, max_size=3),
    )
    def write(path: str, form: Dict[str, str]) -> None:
        storable = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
        reply = console.post(path, storable)
        assert reply.status_code < 500, (path, form, reply.status_code)

    read()
    write()
    assert console.get("/conversations").status_code == 200
    watch.assert_no_stack_trace()


@pytest.mark.parametrize("where", ["rest", "socketio", "telegram", "console", "website"])
def test_huge_bodies_are_refused_with_413(scaled: Scaled, where: str):
    url = {
        "rest": scaled.topology.rest_url(),
        "socketio": f"{scaled.topology.public_url}/socket.io/?EIO=4&transport=polling",
        "telegram": f"{scaled.topology.public_url}/webhooks/telegram/webhook",
        "console": f"{scaled.topology.console.public_url}/sign-in",
        "website": f"{scaled.topology.web.public_url}/",
    }[where]
    assert post_declaring(url, declared=3_000_000) == 413
    assert_still_answers(scaled)
