"""Messenger, Instagram, WhatsApp (Twilio) and Telegram through the real Rasa server with the
project's connectors (channels/), enabled by environment variables (channel_stack).

Each test posts what the platform posts (text, quick reply / postback / button, a sticker or a
location), signed the platform's way or forged, and reads the replies from the capture server
that stands in for the platform's API. The tracker store must record the channel.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from typing import Any, Dict, List

import pytest
from channel_support import SECRETS, Captured, ChannelStack, http, meta_headers, twilio_signature
from clinic_fixture import TEST_CLINIC_NAME

GREETING = f"virtual assistant of {TEST_CLINIC_NAME}"
WHAT_IS = "Epidermal Collagen Therapy"
TEXT_ONLY = "I can only read text messages"


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().int % 10**15:015d}"


# --- Meta: Messenger and Instagram --------------------------------------------------------

META = {
    "messenger": ("page", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN", "FACEBOOK_VERIFY_TOKEN", 2000),
    "instagram": ("instagram", "INSTAGRAM_APP_SECRET", "INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_VERIFY_TOKEN", 1000),
}


def meta_event(channel: str, sender: str, **event: Any) -> Dict[str, Any]:
    page_id = "17841400000000001" if channel == "instagram" else "106000000000001"
    now = int(time.time() * 1000)
    return {
        "object": META[channel][0],
        "entry": [
            {
                "id": page_id,
                "time": now,
                "messaging": [{"sender": {"id": sender}, "recipient": {"id": page_id}, "timestamp": now, **event}],
            }
        ],
    }


def meta_post(stack: ChannelStack, channel: str, payload: Dict[str, Any], sign: str = "sha256") -> int:
    body = json.dumps(payload).encode()
    secret = SECRETS[META[channel][1]]
    headers = {"Content-Type": "application/json"}
    if sign in ("sha256", "sha1"):
        headers.update(meta_headers(secret, body, legacy=sign == "sha1"))
    elif sign == "forged":
        headers.update(meta_headers("not-the-app-secret", body))
    status, _ = http("POST", stack.webhook(channel), body, headers)
    return status


def meta_sent(stack: ChannelStack, since: int, sender: str) -> List[Dict[str, Any]]:
    """The messages the connector sent to this sender through the Send API."""
    sent = []
    for request in stack.outbound("/graph/me/messages", since):
        body = request.json()
        if body["recipient"]["id"] == sender:
            sent.append({**body["message"], "_token": request.query["access_token"][0]})
    return sent


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
    assert all(len(m["text"]) <= META[channel][4] for m in sent)
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


def test_meta_legacy_sha1_signature_is_accepted(channel_stack):
    sender, mark = new_id("7"), channel_stack.mark()
    event = meta_event("messenger", sender, message={"mid": f"m_{uuid.uuid4().hex}", "text": "hello"})
    assert meta_post(channel_stack, "messenger", event, sign="sha1") == 200
    assert GREETING in meta_sent(channel_stack, mark, sender)[0]["text"]


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


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_meta_subscription_check(channel_stack, channel):
    verify = SECRETS[META[channel][3]]
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": verify, "hub.challenge": "1158201444"})
    assert http("GET", f"{channel_stack.webhook(channel)}?{query}") == (200, "1158201444")
    wrong = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert http("GET", f"{channel_stack.webhook(channel)}?{wrong}")[0] == 403


# --- WhatsApp through Twilio --------------------------------------------------------------


def twilio_form(sender: str, **fields: str) -> Dict[str, str]:
    form = {
        "SmsMessageSid": f"SM{uuid.uuid4().hex}",
        "NumMedia": "0",
        "ProfileName": "Test Visitor",
        "SmsSid": "",
        "WaId": sender.split("+")[-1],
        "SmsStatus": "received",
        "Body": "",
        "To": "whatsapp:" + SECRETS["TWILIO_WHATSAPP_NUMBER"],
        "NumSegments": "1",
        "MessageSid": "",
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    form["MessageSid"] = form["SmsSid"] = form["SmsMessageSid"]
    form.update(fields)
    return form


def twilio_post(stack: ChannelStack, form: Dict[str, str], signature: str = "valid") -> int:
    url = stack.webhook("whatsapp")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        headers["X-Twilio-Signature"] = twilio_signature(SECRETS["TWILIO_AUTH_TOKEN"], url, form)
    elif signature == "forged":
        headers["X-Twilio-Signature"] = twilio_signature("not-the-auth-token", url, form)
    elif signature == "other-url":
        headers["X-Twilio-Signature"] = twilio_signature(SECRETS["TWILIO_AUTH_TOKEN"], url + "?x=1", form)
    status, body = http("POST", url, urllib.parse.urlencode(form).encode(), headers)
    if status == 200:
        assert "<Response></Response>" in body
    return status


def whatsapp_sent(stack: ChannelStack, since: int, sender: str) -> List[Captured]:
    path = f"/twilio/2010-04-01/Accounts/{SECRETS['TWILIO_ACCOUNT_SID']}/Messages.json"
    return [r for r in stack.outbound(path, since) if r.form()["To"] == sender]


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


@pytest.mark.parametrize("signature", ["none", "forged", "other-url"])
def test_whatsapp_unsigned_or_forged_is_refused(channel_stack, signature):
    sender = f"whatsapp:+4477006{uuid.uuid4().int % 10**5:05d}"
    mark = channel_stack.mark()
    assert twilio_post(channel_stack, twilio_form(sender, Body="hi"), signature=signature) == 403
    assert whatsapp_sent(channel_stack, mark, sender) == []
    assert channel_stack.user_events(sender) == []


# --- Telegram -----------------------------------------------------------------------------


def telegram_update(chat_id: int, **content: Any) -> Dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
    message = {
        "message_id": 1,
        "from": user,
        "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
        "date": int(time.time()),
    }
    return {"update_id": uuid.uuid4().int % 10**9, "message": {**message, **content}}


def telegram_post(stack: ChannelStack, update: Dict[str, Any], secret: str = SECRETS["TELEGRAM_WEBHOOK_SECRET"]) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return stack.post_json("telegram", update, headers)[0]


def telegram_calls(stack: ChannelStack, since: int, method: str) -> List[Dict[str, Any]]:
    return [r.json() for r in stack.outbound(f"/telegram/bot{SECRETS['TELEGRAM_BOT_TOKEN']}/{method}", since)]


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
