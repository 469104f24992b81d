"""Reply shaping and configuration of the social connectors (channels/), without Rasa:
message splitting, quick replies vs numbered options (Messenger's cap of 13), choices mapped
back to payloads, signatures, and a channel without its environment variables staying off.
Outbound calls go over real HTTP to a local capture server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from typing import Dict, List

import pytest
from channel_support import CaptureServer, http

from channels.base import choice_payload, plain_text, read_settings, split_text, utf16_length
from channels.meta import InstagramInput, InstagramOutput, MessengerInput, MessengerOutput, valid_meta_signature
from channels.telegram import TelegramInput, TelegramOutput, callback_data
from channels.whatsapp import TwilioWhatsAppInput, WhatsAppOutput

CHANNEL_ENV = [
    setting.env
    for channel in (MessengerInput, InstagramInput, TwilioWhatsAppInput, TelegramInput)
    for setting in channel.SETTINGS.values()
]


def buttons(count: int) -> List[Dict[str, str]]:
    return [{"title": f"Option number {n} with a long title", "payload": f"/choice_{n}"} for n in range(1, count + 1)]


@pytest.fixture()
def capture():
    server = CaptureServer()
    yield server
    server.close()


# --- splitting ----------------------------------------------------------------------------


def test_split_prefers_paragraphs_then_sentences_and_respects_the_limit():
    first = "First paragraph, sentence one, which runs on for a while. Sentence two is here, and it ends now."
    text = (first + "\n\n" + "Word " * 300).strip()
    chunks = split_text(text, 150)
    assert chunks[0] == first
    assert (
        split_text("A short one. " + "b" * 140, 150)[0] == "A short one. " + "b" * 137
    )  # a 13-char part would be too short
    assert all(len(c) <= 150 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_hard_cuts_a_word_longer_than_the_limit():
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_counts_utf16_units_for_telegram():
    text = "🙂" * 3000  # 6000 UTF-16 units
    chunks = split_text(text, 4096, utf16_length)
    assert len(chunks) == 2 and all(utf16_length(c) <= 4096 for c in chunks)


def test_markdown_links_become_plain_text():
    assert (
        plain_text("Book [online](https://clinic.example/book) today")
        == "Book online: https://clinic.example/book today"
    )


# --- choices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("2", "/choice_2"),
        (" 3. ", "/choice_3"),
        ("1)", "/choice_1"),
        ("option number 1 with a long title", "/choice_1"),
        ("4", None),
        ("0", None),
        ("2 please", None),
    ],
)
def test_numbered_answer_maps_to_the_payload(answer, expected):
    assert choice_payload(answer, buttons(3)) == expected


def test_long_telegram_payload_becomes_a_hash_under_64_bytes():
    long_payload = '/faq{"faq_key": "microneedling_session_length", "extra": "padding padding"}'
    assert callback_data("/greet") == "/greet"
    assert callback_data(long_payload).startswith("h:") and len(callback_data(long_payload)) <= 64


# --- signatures ---------------------------------------------------------------------------


def test_meta_signature_checks():
    body, secret = b'{"object":"page"}', "app-secret"
    sha256 = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    assert valid_meta_signature(secret, body, {"X-Hub-Signature-256": sha256})
    assert valid_meta_signature(secret, body, {"X-Hub-Signature": sha1})
    assert not valid_meta_signature(secret, body + b" ", {"X-Hub-Signature-256": sha256})
    assert not valid_meta_signature(secret, body, {"X-Hub-Signature-256": sha1})  # wrong algorithm
    assert not valid_meta_signature(secret, body, {"X-Hub-Signature-256": "sha256="})
    assert not valid_meta_signature(secret, body, {})


# --- outbound shaping over HTTP -----------------------------------------------------------


def graph_messages(capture: CaptureServer) -> List[Dict]:
    return [r.json()["message"] for r in capture.requests if r.path == "/graph/me/messages"]


def test_messenger_uses_quick_replies_up_to_13(capture):
    output = MessengerOutput(f"{capture.url}/graph", "token")
    asyncio.run(output.send_text_with_buttons("psid-1", "Pick one", buttons(13)))
    (message,) = graph_messages(capture)
    assert message["text"] == "Pick one"
    assert [q["payload"] for q in message["quick_replies"]] == [f"/choice_{n}" for n in range(1, 14)]
    assert all(len(q["title"]) <= 20 and q["title"].endswith("…") for q in message["quick_replies"])


def test_messenger_degrades_more_than_13_buttons_to_numbered_options(capture):
    """Messenger allows 13 quick replies (Rasa's own connector fails above 10: RasaHQ/rasa#11463)."""
    output = MessengerOutput(f"{capture.url}/graph", "token")
    asyncio.run(output.send_text_with_buttons("psid-1", "Pick one", buttons(15)))
    (message,) = graph_messages(capture)
    assert "quick_replies" not in message
    assert "1. Option number 1" in message["text"] and "15. Option number 15" in message["text"]
    assert MessengerOutput.uses_numbers(buttons(15)) and not MessengerOutput.uses_numbers(buttons(13))


def test_instagram_splits_long_answers_and_puts_quick_replies_on_the_last_part(capture):
    output = InstagramOutput(f"{capture.url}/graph", "token")
    text = " ".join(f"Sentence {n} of a long answer about skin care." for n in range(60))  # ~2,800 chars
    asyncio.run(output.send_text_with_buttons("igsid-1", text, buttons(2)))
    messages = graph_messages(capture)
    assert len(messages) == 3 and all(len(m["text"]) <= 1000 for m in messages)
    assert ["quick_replies" in m for m in messages] == [False, False, True]


def test_whatsapp_numbered_options_and_1600_character_parts(capture):
    output = WhatsAppOutput(f"{capture.url}/twilio", "AC1", "token", "+14155238886")
    asyncio.run(output.send_text_with_buttons("whatsapp:+447700900001", "Long answer. " * 200, buttons(2)))
    bodies = [r.form()["Body"] for r in capture.requests]
    assert len(bodies) == 2 and all(len(b) <= 1600 for b in bodies)
    assert bodies[-1].endswith(
        "1. Option number 1 with a long title\n2. Option number 2 with a long title\n\n"
        "Reply with the number of your choice."
    )
    assert {r.form()["From"] for r in capture.requests} == {"whatsapp:+14155238886"}


def test_telegram_inline_keyboard(capture):
    output = TelegramOutput(f"{capture.url}/telegram", "42:token")
    asyncio.run(output.send_text_with_buttons("1001", "Pick one", buttons(2)))
    (request,) = capture.requests
    assert request.path == "/telegram/bot42:token/sendMessage"
    keyboard = request.json()["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["/choice_1", "/choice_2"]


# --- enabled only with its environment variables ------------------------------------------


def test_a_channel_without_its_variables_is_not_enabled_with_one_log_line(monkeypatch, caplog):
    for name in CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO, logger="channels.base"):
        channel = TelegramInput.from_credentials(None)
    assert not channel.enabled and channel.get_output_channel() is None
    assert [r.getMessage() for r in caplog.records] == [
        "Telegram channel not enabled: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET not set"
    ]


def test_a_half_configured_channel_is_not_enabled_and_warns(monkeypatch, caplog):
    for name in CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC1")
    with caplog.at_level(logging.INFO, logger="channels.base"):
        assert not TwilioWhatsAppInput.from_credentials(None).enabled
    (record,) = caplog.records
    assert record.levelname == "WARNING" and "TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER not set" in record.getMessage()


def test_settings_default_to_the_real_apis(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:t")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s")
    monkeypatch.delenv("TELEGRAM_API_URL", raising=False)
    assert read_settings("telegram", "Telegram", TelegramInput.SETTINGS)["api_url"] == "https://api.telegram.org"


def test_disabled_channels_answer_404_in_the_default_stack(servers):
    """The default credentials.yml, with no channel variables set: nothing is enabled."""
    if any(os.environ.get(name) for name in CHANNEL_ENV if not name.endswith("_API_URL")):
        pytest.skip("channel variables are set in this environment")
    for channel in ("messenger", "instagram", "whatsapp", "telegram"):
        status, body = http(
            "POST", f"{servers.rasa_url}/webhooks/{channel}/webhook", b"{}", {"Content-Type": "application/json"}
        )
        assert status == 404 and "not enabled" in body
