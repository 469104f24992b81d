"""Messenger, Instagram, WhatsApp (Twilio) and Telegram through the real Rasa server with the
project's connectors (channels/), enabled by environment variables (channel_stack).

Each test posts what the platform posts (text, quick reply / postback / button, a sticker or a
location, a Telegram group message or service message, a Twilio status callback, the App
Dashboard's test event), signed the platform's way or forged, and reads the replies from the
capture server that stands in for the platform's API. The tracker store must record the
channel, and nothing said in a Telegram group may reach it.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional

import pytest
from channel_support import (
    GREETING,
    META,
    SECRETS,
    TELEGRAM_BOT,
    TEXT_LENGTH,
    ChannelStack,
    http,
    meta_event,
    meta_headers,
    meta_post,
    meta_sent,
    new_id,
    telegram_calls,
    telegram_post,
    telegram_update,
    twilio_form,
    twilio_post,
    whatsapp_sent,
)
from clinic_fixture import clinic_data

WHAT_IS = "Epidermal Collagen Therapy"
TEXT_ONLY = "I can only read text messages"
URGENT_LINE = clinic_data()["clinic"]["urgent_line"]


def wait_for_log(stack: ChannelStack, text: str, timeout: float = 10.0) -> bool:
    """True once Rasa's log has the line (log records reach the file a moment after the reply)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in stack.rasa_log():
            return True
        time.sleep(0.2)
    return False


# --- Meta: Messenger and Instagram --------------------------------------------------------


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_meta_text_gets_the_answer_with_quick_replies(channel_stack, channel):
    sender, mark = new_id("7"), channel_stack.mark()
    message = {"message": {"mid": f"m_{uuid.uuid4().hex}", "text": "what is micro-needling?"}}
    assert meta_post(channel_stack, channel, meta_event(channel, sender, **message)) == 200
    sent = meta_sent(channel_stack, mark, sender)
    assert sent and WHAT_IS in " ".join(m["text"] for m in sent)
    assert {m["_token"] for m in sent} == {SECRETS[META[channel][2]]}
    quick = sent[-1]["quick_replies"]
    assert 1 <= len(quick) <= 13
    assert all(q["content_type"] == "text" and len(q["title"]) <= 20 and q["payload"] for q in quick)
    assert all(TEXT_LENGTH[channel](m["text"]) <= META[channel][4] for m in sent)
    events = channel_stack.user_events(sender)
    assert [e["text"] for e in events] == ["what is micro-needling?"]
    assert events[0]["input_channel"] == channel


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_meta_quick_reply_sends_its_payload(channel_stack, channel):
    sender, mark = new_id("7"), channel_stack.mark()
    payload = '/faq{"faq_key": "downtime"}'
    message = {
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "Is there downtime?", "quick_reply": {"payload": payload}}
    }
    assert meta_post(channel_stack, channel, meta_event(channel, sender, **message)) == 200
    assert "downtime" in " ".join(m["text"] for m in meta_sent(channel_stack, mark, sender)).lower()
    assert [e["text"] for e in channel_stack.user_events(sender)] == [payload]


def test_messenger_postback_get_started_greets(channel_stack):
    sender, mark = new_id("7"), channel_stack.mark()
    postback = {"postback": {"mid": f"m_{uuid.uuid4().hex}", "title": "Get Started", "payload": "/greet"}}
    assert meta_post(channel_stack, "messenger", meta_event("messenger", sender, **postback)) == 200
    sent = meta_sent(channel_stack, mark, sender)
    assert GREETING in sent[0]["text"] and sent[-1]["quick_replies"]
    assert channel_stack.user_events(sender)[0]["input_channel"] == "messenger"


@pytest.mark.parametrize(
    "channel, message",
    [
        (
            "messenger",
            {
                "sticker_id": 369239263222822,
                "attachments": [
                    {
                        "type": "image",
                        "payload": {"url": "https://scontent.example/sticker.png", "sticker_id": 369239263222822},
                    }
                ],
            },
        ),
        (
            "messenger",
            {
                "attachments": [
                    {"type": "location", "title": "Pin", "payload": {"coordinates": {"lat": 51.5, "long": -0.12}}}
                ]
            },
        ),
        ("instagram", {"attachments": [{"type": "like_heart"}]}),
    ],
    ids=["messenger-sticker", "messenger-location", "instagram-like-heart"],
)
def test_meta_unsupported_attachment_gets_a_text_only_notice(channel_stack, channel, message):
    sender, mark = new_id("7"), channel_stack.mark()
    event = meta_event(channel, sender, message={"mid": f"m_{uuid.uuid4().hex}", **message})
    assert meta_post(channel_stack, channel, event) == 200
    sent = meta_sent(channel_stack, mark, sender)
    assert len(sent) == 1 and TEXT_ONLY in sent[0]["text"]
    assert channel_stack.user_events(sender) == []


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
@pytest.mark.parametrize("sign", ["none", "forged"])
def test_meta_unsigned_or_forged_is_refused(channel_stack, channel, sign):
    sender, mark = new_id("7"), channel_stack.mark()
    event = meta_event(channel, sender, message={"mid": f"m_{uuid.uuid4().hex}", "text": "hi"})
    assert meta_post(channel_stack, channel, event, sign=sign) == 403
    assert meta_sent(channel_stack, mark, sender) == []
    assert channel_stack.user_events(sender) == []


def test_meta_signature_from_the_other_app_is_refused(channel_stack):
    """Instagram's secret does not open the Messenger webhook."""
    sender = new_id("7")
    body = json.dumps(meta_event("messenger", sender, message={"mid": "m_x", "text": "hi"})).encode()
    headers = {"Content-Type": "application/json", **meta_headers(SECRETS["INSTAGRAM_APP_SECRET"], body)}
    assert http("POST", channel_stack.webhook("messenger"), body, headers)[0] == 403
    assert channel_stack.user_events(sender) == []


def test_meta_legacy_sha1_signature_alone_is_refused(channel_stack):
    """Meta signs every event with X-Hub-Signature-256; a SHA-1 X-Hub-Signature alone is not enough."""
    sender, mark = new_id("7"), channel_stack.mark()
    event = meta_event("messenger", sender, message={"mid": f"m_{uuid.uuid4().hex}", "text": "hello"})
    assert meta_post(channel_stack, "messenger", event, sign="sha1") == 403
    assert meta_sent(channel_stack, mark, sender) == []
    assert channel_stack.user_events(sender) == []


def test_meta_echoes_and_other_objects_are_ignored(channel_stack):
    sender, mark = new_id("7"), channel_stack.mark()
    echo = meta_event("messenger", sender, message={"mid": "m_echo", "text": "hi", "is_echo": True})
    assert meta_post(channel_stack, "messenger", echo) == 200
    # A Messenger ("page") payload posted to the Instagram webhook is not Instagram's.
    page = meta_event("messenger", sender, message={"mid": "m_page", "text": "hi"})
    assert meta_post(channel_stack, "instagram", page) == 200
    assert meta_sent(channel_stack, mark, sender) == []
    assert channel_stack.user_events(sender) == []


def test_meta_redelivered_message_is_answered_once(channel_stack):
    sender, mark = new_id("7"), channel_stack.mark()
    event = meta_event("messenger", sender, message={"mid": f"m_{uuid.uuid4().hex}", "text": "hello"})
    assert meta_post(channel_stack, "messenger", event) == 200
    assert meta_post(channel_stack, "messenger", event) == 200
    assert len(channel_stack.user_events(sender)) == 1
    assert len(meta_sent(channel_stack, mark, sender)) == 1  # one greeting, not two


def quick_reply_hash(payload: str) -> str:
    """How a payload over Meta's 1,000 characters travels: "h:" and 16 hex digits of its SHA-256."""
    return "h:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def test_meta_hashed_quick_reply_is_looked_up_in_the_conversation(channel_stack):
    sender = new_id("7")
    ask = {"message": {"mid": f"m_{uuid.uuid4().hex}", "text": "what is micro-needling?"}}
    assert meta_post(channel_stack, "messenger", meta_event("messenger", sender, **ask)) == 200
    payload = meta_sent(channel_stack, 0, sender)[-1]["quick_replies"][0]["payload"]
    tap = {
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "…", "quick_reply": {"payload": quick_reply_hash(payload)}}
    }
    assert meta_post(channel_stack, "messenger", meta_event("messenger", sender, **tap)) == 200
    assert channel_stack.user_events(sender)[-1]["text"] == payload

    # A hash found nowhere in the conversation reaches no one: the visitor is asked to type.
    mark = channel_stack.mark()
    stale = {
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "Book", "quick_reply": {"payload": "h:0123456789abcdef"}}
    }
    assert meta_post(channel_stack, "messenger", meta_event("messenger", sender, **stale)) == 200
    (notice,) = meta_sent(channel_stack, mark, sender)
    assert "button has expired" in notice["text"]
    assert len(channel_stack.user_events(sender)) == 2


def test_meta_dashboard_test_event_and_chat_plugin_guest_are_logged_not_answered(channel_stack):
    mark = channel_stack.mark()
    # The App Dashboard's "Test" button: the sample in entry.changes, with Meta's sample ids.
    sample = {
        "object": "instagram",
        "entry": [
            {
                "id": "0",
                "time": int(time.time()),
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "sender": {"id": "12334"},
                            "recipient": {"id": "23245"},
                            "timestamp": "1527459824",
                            "message": {"mid": "random_mid", "text": "random_text"},
                        },
                    }
                ],
            }
        ],
    }
    assert meta_post(channel_stack, "instagram", sample) == 200
    # A postback from the website's chat plugin: the guest has a user_ref, not a Page-scoped id.
    guest = meta_event(
        "messenger", "unused", postback={"mid": f"m_{uuid.uuid4().hex}", "title": "Hi", "payload": "/greet"}
    )
    guest["entry"][0]["messaging"][0]["sender"] = {"user_ref": "4f1a-guest-ref"}
    assert meta_post(channel_stack, "messenger", guest) == 200
    assert channel_stack.outbound("/graph", mark) == []
    assert channel_stack.user_events("12334") == [] and channel_stack.user_events("4f1a-guest-ref") == []
    assert wait_for_log(channel_stack, "instagram: a 'messages' change (entry 0; the App Dashboard's test events")
    assert wait_for_log(channel_stack, "messenger: a postback from a chat-plugin guest (sender.user_ref)")


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_meta_subscription_check(channel_stack, channel):
    verify = SECRETS[META[channel][3]]
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": verify, "hub.challenge": "1158201444"})
    assert http("GET", f"{channel_stack.webhook(channel)}?{query}") == (200, "1158201444")
    wrong = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert http("GET", f"{channel_stack.webhook(channel)}?{wrong}")[0] == 403


@pytest.mark.parametrize("token", ["vérifié", "токен-🙂"], ids=["latin", "cyrillic-emoji"])
def test_meta_subscription_check_with_a_non_ascii_token_is_refused_not_an_error(channel_stack, token):
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1"})
    assert http("GET", f"{channel_stack.webhook('messenger')}?{query}") == (403, "forbidden")


# --- WhatsApp through Twilio --------------------------------------------------------------


def test_whatsapp_buttons_become_numbered_options_and_a_number_picks_one(channel_stack):
    sender = f"whatsapp:+4477009{uuid.uuid4().int % 10**5:05d}"
    mark = channel_stack.mark()
    assert twilio_post(channel_stack, twilio_form(sender, Body="hi")) == 200
    sent = whatsapp_sent(channel_stack, mark, sender)
    assert sent
    first = sent[0]
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.form()["From"] == "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"]
    greeting = "\n".join(r.form()["Body"] for r in sent)
    assert GREETING in greeting
    options = [line for line in greeting.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(options) >= 2 and "Reply with the number" in greeting
    assert all(len(r.form()["Body"]) <= 1600 for r in sent)

    # "2" is the second option: its payload reaches the assistant, not the text "2".
    mark = channel_stack.mark()
    assert twilio_post(channel_stack, twilio_form(sender, Body="2")) == 200
    events = channel_stack.user_events(sender)
    assert events[-1]["text"].startswith("/") and events[-1]["text"] != "2"
    assert whatsapp_sent(channel_stack, mark, sender)
    assert {e["input_channel"] for e in events} == {"whatsapp"}


def test_whatsapp_number_without_options_is_just_text(channel_stack):
    sender = f"whatsapp:+4477008{uuid.uuid4().int % 10**5:05d}"
    assert twilio_post(channel_stack, twilio_form(sender, Body="what is micro-needling?")) == 200
    mark = channel_stack.mark()
    # The answer had options; "7" is not one of them, so it stays "7".
    assert twilio_post(channel_stack, twilio_form(sender, Body="7")) == 200
    assert channel_stack.user_events(sender)[-1]["text"] == "7"
    assert whatsapp_sent(channel_stack, mark, sender)


def test_whatsapp_location_gets_a_text_only_notice(channel_stack):
    sender = f"whatsapp:+4477007{uuid.uuid4().int % 10**5:05d}"
    mark = channel_stack.mark()
    form = twilio_form(sender, Latitude="51.5072", Longitude="-0.1276", Address="London", Label="Home")
    assert twilio_post(channel_stack, form) == 200
    sent = whatsapp_sent(channel_stack, mark, sender)
    assert len(sent) == 1 and TEXT_ONLY in sent[0].form()["Body"]
    assert channel_stack.user_events(sender) == []


def twilio_status_callback(visitor: str, status: str, **fields: str) -> Dict[str, str]:
    """What Twilio posts about a reply the clinic sent (MessageStatus), as its docs describe it."""
    sid = f"SM{uuid.uuid4().hex}"
    form = {
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "ChannelInstallSid": "XE" + "0" * 32,
        "To": visitor,
        "From": "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"],
        "MessageSid": sid,
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "ChannelToAddress": visitor.split(":")[-1],
    }
    form.update(fields)
    return form


def test_whatsapp_status_callbacks_are_not_answered(channel_stack):
    visitor = f"whatsapp:+4477005{uuid.uuid4().int % 10**5:05d}"
    clinic = "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"]
    mark = channel_stack.mark()
    callbacks = [
        twilio_status_callback(visitor, "sent"),
        twilio_status_callback(visitor, "delivered", EventType="DELIVERED"),
        twilio_status_callback(visitor, "read", EventType="READ"),
        twilio_status_callback(visitor, "failed", ErrorCode="63016"),
    ]
    for form in callbacks:
        assert twilio_post(channel_stack, form) == 200
    assert channel_stack.outbound("/twilio", mark) == []  # no "text only" notice to anyone
    assert channel_stack.user_events(visitor) == [] and channel_stack.user_events(clinic) == []
    assert wait_for_log(channel_stack, ": failed (Twilio ErrorCode 63016)")


def test_whatsapp_message_from_the_clinics_own_number_is_not_answered(channel_stack):
    clinic = "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"]
    mark = channel_stack.mark()
    assert twilio_post(channel_stack, twilio_form(clinic, Body="hi")) == 200
    assert channel_stack.outbound("/twilio", mark) == []
    assert channel_stack.user_events(clinic) == []


@pytest.mark.parametrize("signature", ["none", "forged", "other-url"])
def test_whatsapp_unsigned_or_forged_is_refused(channel_stack, signature):
    sender = f"whatsapp:+4477006{uuid.uuid4().int % 10**5:05d}"
    mark = channel_stack.mark()
    assert twilio_post(channel_stack, twilio_form(sender, Body="hi"), signature=signature) == 403
    assert whatsapp_sent(channel_stack, mark, sender) == []
    assert channel_stack.user_events(sender) == []


# --- Telegram -----------------------------------------------------------------------------


def test_telegram_text_then_inline_button(channel_stack):
    chat_id = uuid.uuid4().int % 10**9
    mark = channel_stack.mark()
    assert telegram_post(channel_stack, telegram_update(chat_id, text="what is micro-needling?")) == 200
    sent = [m for m in telegram_calls(channel_stack, mark, "sendMessage") if m["chat_id"] == str(chat_id)]
    assert WHAT_IS in " ".join(m["text"] for m in sent)
    keyboard = sent[-1]["reply_markup"]["inline_keyboard"]
    assert keyboard and all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)

    # Tapping a button: Telegram sends a callback query with the button's callback_data.
    data = keyboard[0][0]["callback_data"]
    mark = channel_stack.mark()
    query = {
        "update_id": uuid.uuid4().int % 10**9,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "message": {
                "message_id": 2,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "...",
            },
            "chat_instance": "-1",
            "data": data,
        },
    }
    assert telegram_post(channel_stack, query) == 200
    assert telegram_calls(channel_stack, mark, "answerCallbackQuery") == [{"callback_query_id": "4382bfdwdsb323b2d9"}]
    assert [m for m in telegram_calls(channel_stack, mark, "sendMessage") if m["chat_id"] == str(chat_id)]
    events = channel_stack.user_events(str(chat_id))
    assert events[-1]["text"] == data and {e["input_channel"] for e in events} == {"telegram"}


def test_telegram_start_command_greets(channel_stack):
    chat_id = uuid.uuid4().int % 10**9
    mark = channel_stack.mark()
    assert telegram_post(channel_stack, telegram_update(chat_id, text="/start")) == 200
    sent = telegram_calls(channel_stack, mark, "sendMessage")
    assert any(GREETING in m["text"] for m in sent if m["chat_id"] == str(chat_id))


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "CAACAgIAAxkBAAIB",
                "file_unique_id": "AgAD",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "👍",
            }
        },
        {"location": {"latitude": 51.5072, "longitude": -0.1276}},
    ],
    ids=["sticker", "location"],
)
def test_telegram_unsupported_message_gets_a_text_only_notice(channel_stack, content):
    chat_id = uuid.uuid4().int % 10**9
    mark = channel_stack.mark()
    assert telegram_post(channel_stack, telegram_update(chat_id, **content)) == 200
    sent = [m for m in telegram_calls(channel_stack, mark, "sendMessage") if m["chat_id"] == str(chat_id)]
    assert len(sent) == 1 and TEXT_ONLY in sent[0]["text"]
    assert channel_stack.user_events(str(chat_id)) == []


@pytest.mark.parametrize("secret", ["", "guessed-secret"], ids=["missing", "wrong"])
def test_telegram_without_the_secret_token_is_refused(channel_stack, secret):
    chat_id = uuid.uuid4().int % 10**9
    mark = channel_stack.mark()
    assert telegram_post(channel_stack, telegram_update(chat_id, text="hi"), secret=secret) == 403
    assert telegram_calls(channel_stack, mark, "sendMessage") == []
    assert channel_stack.user_events(str(chat_id)) == []


# --- Telegram groups: only addressed, only an invitation, nothing stored ---------------------------

GROUP = {"id": -1001234567890, "title": "Glow skincare friends", "type": "supergroup"}
BOT_NAME = TELEGRAM_BOT["username"]
PRIVATE_LINK = f"https://t.me/{BOT_NAME}?start=group"


def telegram_member(first_name: str) -> Dict[str, Any]:
    return {"id": uuid.uuid4().int % 10**9, "is_bot": False, "first_name": first_name, "language_code": "en"}


def group_update(
    person: Dict[str, Any], text: Optional[str] = None, mention: str = "", **content: Any
) -> Dict[str, Any]:
    """A supergroup message as Telegram sends it; ``mention`` is the part of ``text`` that is a
    mention or a command (entity offsets in UTF-16 code units)."""
    message: Dict[str, Any] = {
        "message_id": uuid.uuid4().int % 10**6,
        "from": person,
        "chat": GROUP,
        "date": int(time.time()),
        **content,
    }
    if text is not None:
        message["text"] = text
        if mention:
            start = len(text[: text.index(mention)].encode("utf-16-le")) // 2
            kind = "bot_command" if mention.startswith("/") else "mention"
            message["entities"] = [{"offset": start, "length": len(mention.encode("utf-16-le")) // 2, "type": kind}]
    return {"update_id": uuid.uuid4().int % 10**9, "message": message}


def sent_to(stack: ChannelStack, since: int, chat_id: Any) -> List[Dict[str, Any]]:
    return [m for m in telegram_calls(stack, since, "sendMessage") if str(m["chat_id"]) == str(chat_id)]


def assert_nothing_stored(stack: ChannelStack, *people: Dict[str, Any]) -> None:
    assert stack.user_events(str(GROUP["id"])) == []
    for person in people:
        assert stack.user_events(str(person["id"])) == []


def test_telegram_group_chatter_is_ignored(channel_stack):
    ann = telegram_member("Ann")
    mark = channel_stack.mark()
    update = group_update(ann, "has anyone here had microneedling? my face is still red after 3 days")
    assert telegram_post(channel_stack, update) == 200
    assert telegram_calls(channel_stack, mark, "sendMessage") == []
    assert_nothing_stored(channel_stack, ann)


def test_telegram_group_mention_gets_an_invitation_not_an_answer(channel_stack):
    """A personal medical question in public: the bot invites Ann to a private chat and says nothing more."""
    ann = telegram_member("Ann")
    mark = channel_stack.mark()
    text = f"🙂 @{BOT_NAME} my lips are swelling after the treatment, what should I take?"
    update = group_update(ann, text, mention=f"@{BOT_NAME}")
    assert telegram_post(channel_stack, update) == 200
    (invitation,) = sent_to(channel_stack, mark, GROUP["id"])
    assert invitation["text"].startswith("Hi Ann!") and "private chat" in invitation["text"]
    assert PRIVATE_LINK in invitation["text"] and URGENT_LINE in invitation["text"]
    assert invitation["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert invitation["reply_markup"] == {"inline_keyboard": [[{"text": "Chat privately", "url": PRIVATE_LINK}]]}
    assert "swelling" not in invitation["text"] and "⚠️" not in invitation["text"]  # no answer in public
    assert telegram_calls(channel_stack, mark, "sendMessage") == [invitation]
    assert_nothing_stored(channel_stack, ann)


@pytest.mark.parametrize(
    "text, command, invited",
    [
        ("/help", "/help", True),
        (f"/start@{BOT_NAME}", f"/start@{BOT_NAME}", True),
        ("/help@OtherBot", "/help@OtherBot", False),
    ],
    ids=["bare-command", "command-for-this-bot", "command-for-another-bot"],
)
def test_telegram_group_command(channel_stack, text, command, invited):
    bob = telegram_member("Bob")
    mark = channel_stack.mark()
    assert telegram_post(channel_stack, group_update(bob, text, mention=command)) == 200
    sent = sent_to(channel_stack, mark, GROUP["id"])
    assert [PRIVATE_LINK in m["text"] for m in sent] == ([True] if invited else [])
    assert_nothing_stored(channel_stack, bob)


def test_telegram_group_members_never_share_a_conversation(channel_stack):
    """Two members address the bot in one group; each then talks to it privately, apart."""
    ann, bob = telegram_member("Ann"), telegram_member("Bob")
    for person in (ann, bob):
        update = group_update(person, f"@{BOT_NAME} how much is a session?", mention=f"@{BOT_NAME}")
        assert telegram_post(channel_stack, update) == 200
    assert_nothing_stored(channel_stack, ann, bob)
    # The invitation's link opens the private chat with "/start group" (chat id = the person's id).
    for person in (ann, bob):
        mark = channel_stack.mark()
        private = telegram_update(person["id"], text="/start group")
        private["message"]["from"] = person
        assert telegram_post(channel_stack, private) == 200
        assert any(GREETING in m["text"] for m in sent_to(channel_stack, mark, person["id"]))
        assert [e["text"] for e in channel_stack.user_events(str(person["id"]))] == ["/greet"]
    assert channel_stack.user_events(str(GROUP["id"])) == []


@pytest.mark.parametrize(
    "chat, content",
    [
        (
            "group",
            {"new_chat_members": [TELEGRAM_BOT], "new_chat_member": TELEGRAM_BOT, "new_chat_participant": TELEGRAM_BOT},
        ),
        ("group", {"new_chat_members": [{"id": 777, "is_bot": False, "first_name": "Cleo"}]}),
        ("group", {"left_chat_member": {"id": 778, "is_bot": False, "first_name": "Dan"}}),
        ("group", {"new_chat_title": "Glow friends"}),
        ("private", {"pinned_message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}}}),
        ("private", {"write_access_allowed": {"from_request": True}}),
    ],
    ids=["bot-added", "member-joined", "member-left", "title-changed", "private-pin", "private-write-access"],
)
def test_telegram_service_messages_are_ignored(channel_stack, chat, content):
    person = telegram_member("Eve")
    mark = channel_stack.mark()
    if chat == "group":
        update = group_update(person, **content)
    else:
        update = telegram_update(person["id"], **content)
    assert telegram_post(channel_stack, update) == 200
    assert telegram_calls(channel_stack, mark, "sendMessage") == []  # no "text only" notice
    assert_nothing_stored(channel_stack, person)


def test_telegram_button_tapped_in_a_group_is_not_delivered(channel_stack):
    """An inline button on an old message in a group: the tap is answered with a pointer to the private chat."""
    fay = telegram_member("Fay")
    mark = channel_stack.mark()
    query = {
        "update_id": uuid.uuid4().int % 10**9,
        "callback_query": {
            "id": "9182736455463728",
            "from": fay,
            "message": {"message_id": 4, "chat": GROUP, "date": int(time.time()), "text": "..."},
            "chat_instance": "-77",
            "data": "/ask_medical_question",
        },
    }
    assert telegram_post(channel_stack, query) == 200
    (answer,) = telegram_calls(channel_stack, mark, "answerCallbackQuery")
    assert answer["callback_query_id"] == "9182736455463728" and answer["url"] == PRIVATE_LINK
    assert "private chat" in answer["text"]
    assert telegram_calls(channel_stack, mark, "sendMessage") == []
    assert_nothing_stored(channel_stack, fay)
