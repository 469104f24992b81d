"""Reply shaping and configuration of the social connectors (channels/), without Rasa:
message splitting (characters, UTF-8 bytes for Instagram, UTF-16 units for Telegram, never
inside a character or an emoji sequence), quick replies vs numbered options (Messenger's cap
of 13), long payloads carried as hashes, choices mapped back to payloads, signatures, Telegram
group addressing, the connectors' own notices, and a channel without its environment
variables staying off. Outbound calls go over real HTTP to a local capture server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from typing import Dict, List, Optional

import pytest
from channel_support import CaptureServer, http
from clinic_fixture import TEST_CLINIC_NAME, write_clinic_file
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels import notices
from channels.base import (
    choice_payload,
    hashed_payload,
    plain_text,
    read_settings,
    split_text,
    utf8_length,
    utf16_length,
)
from channels.meta import (
    InstagramInput,
    InstagramOutput,
    MessengerInput,
    MessengerOutput,
    quick_reply_payload,
    valid_meta_signature,
)
from channels.telegram import TelegramInput, TelegramOutput, addressed_to_bot, callback_data
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


DOCTOR = "\U0001f469\u200d\u2695\ufe0f"  # woman health worker: 4 code points, 13 bytes of UTF-8
WAVE = "\U0001f44b\U0001f3fd"  # waving hand, medium skin tone: 2 code points
FLAG = "\U0001f1ec\U0001f1e7"  # GB flag: 2 regional indicators
ACCENTED = "e\u0301"  # e + combining acute accent


@pytest.mark.parametrize("cluster", [DOCTOR, WAVE, FLAG, ACCENTED], ids=["zwj", "skin-tone", "flag", "accent"])
def test_split_never_cuts_an_emoji_sequence_or_an_accented_letter(cluster):
    text = cluster * 500  # no space anywhere: only hard cuts
    for length, limit in ((utf8_length, 1000), (utf16_length, 100), (len, 99)):
        chunks = split_text(text, limit, length)
        assert len(chunks) > 1 and all(length(c) <= limit for c in chunks)
        assert all(c == cluster * (len(c) // len(cluster)) for c in chunks), "a chunk starts or ends mid-character"
        assert "".join(chunks) == text


def test_split_by_bytes_keeps_cyrillic_words_whole():
    words = ["Микронидлинг", "стимулирует", "выработку", "коллагена", "и", "обновление", "кожи"] * 60
    text = " ".join(words)  # about 2,600 characters, 4,900 bytes
    chunks = split_text(text, 1000, utf8_length)
    assert len(chunks) >= 5 and all(utf8_length(c) <= 1000 for c in chunks)
    assert " ".join(chunks).split() == words  # cut between words only, nothing lost


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


def test_long_quick_reply_payload_is_carried_as_a_hash_and_found_in_the_conversation():
    """Meta cuts quick-reply payloads at 1,000 characters: a cut payload would be a broken intent."""
    long_payload = "/book_consultation" + json.dumps({"note": "é" * 1200})
    assert quick_reply_payload("/greet") == "/greet"
    carried = quick_reply_payload(long_payload)
    assert carried.startswith("h:") and len(carried) <= 1000
    tracker = DialogueStateTracker.from_events(
        "psid-1",
        [
            BotUttered("Pick one", {"quick_replies": [{"title": "Book", "payload": long_payload}]}),
            BotUttered("Or", {"buttons": [{"title": "Hi", "payload": "/greet"}]}),
        ],
    )
    assert hashed_payload(carried, tracker) == long_payload
    assert hashed_payload("h:0000000000000000", tracker) is None


# --- signatures ---------------------------------------------------------------------------


def test_meta_signature_checks():
    body, secret = b'{"object":"page"}', "app-secret"
    sha256 = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    assert valid_meta_signature(secret, body, {"X-Hub-Signature-256": sha256})
    # Meta sends both headers; the SHA-256 one decides, and the SHA-1 one alone is not enough.
    assert valid_meta_signature(secret, body, {"X-Hub-Signature-256": sha256, "X-Hub-Signature": sha1})
    assert not valid_meta_signature(secret, body, {"X-Hub-Signature": sha1})
    forged = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    assert not valid_meta_signature(secret, body, {"X-Hub-Signature-256": forged, "X-Hub-Signature": sha1})
    assert not valid_meta_signature(secret, body, {"X-Hub-Signature-256": "sha256=é" + sha256[8:]})
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
    assert len(messages) == 3 and all(utf8_length(m["text"]) <= 1000 for m in messages)
    assert ["quick_replies" in m for m in messages] == [False, False, True]


@pytest.mark.parametrize(
    "text",
    [
        "Спасибо за ваш вопрос о микронидлинге! " * 60,  # Cyrillic: 2 bytes a letter
        ("Glowing skin " + DOCTOR + WAVE + FLAG + " ✨ ") * 80,  # emoji: up to 13 bytes a character
    ],
    ids=["cyrillic", "emoji"],
)
def test_instagram_parts_fit_in_1000_bytes_of_utf8(capture, text):
    """Instagram: "Message text must be UTF-8 and be 1000 bytes or less"; 1,000 characters is too many."""
    output = InstagramOutput(f"{capture.url}/graph", "token")
    asyncio.run(output.send_text_with_buttons("igsid-1", text, buttons(2)))
    sent = [r.body for r in capture.requests if r.path == "/graph/me/messages"]
    parts = [json.loads(body)["message"]["text"] for body in sent]
    assert len(parts) >= 3 and all(utf8_length(part) <= 1000 for part in parts)
    assert " ".join(parts).split() == text.split()  # cut between words: no character, emoji or word lost
    assert "quick_replies" in json.loads(sent[-1])["message"]


def test_messenger_sends_a_long_payload_as_a_hash(capture):
    output = MessengerOutput(f"{capture.url}/graph", "token")
    long_payload = "/book_consultation" + json.dumps({"note": "x" * 1500})
    asyncio.run(output.send_text_with_buttons("psid-1", "Pick one", [{"title": "Book", "payload": long_payload}]))
    (message,) = graph_messages(capture)
    assert message["quick_replies"][0]["payload"] == quick_reply_payload(long_payload)
    assert len(message["quick_replies"][0]["payload"]) <= 1000


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


# --- Telegram groups: when is the bot addressed? -------------------------------------------

BOT_ID, BOT_NAME = "123456", "TestClinicBot"


def group_message(text: str, kind: str = "", part: str = "", entity: Optional[Dict] = None, **fields) -> Dict:
    """A supergroup message as Telegram sends it; ``part`` of ``text`` is an entity of ``kind``
    (offset and length in UTF-16 code units, as Telegram counts them)."""
    entities = []
    if kind:
        start = text.index(part)
        entities.append(
            {"type": kind, "offset": utf16_length(text[:start]), "length": utf16_length(part), **(entity or {})}
        )
    return {
        "message_id": 9,
        "chat": {"id": -100123, "type": "supergroup"},
        "text": text,
        "entities": entities,
        **fields,
    }


@pytest.mark.parametrize(
    "message, addressed",
    [
        (group_message("/help", "bot_command", "/help"), True),
        (group_message("/help@TestClinicBot", "bot_command", "/help@TestClinicBot"), True),
        (group_message("/help@OtherBot", "bot_command", "/help@OtherBot"), False),
        # Emoji before the mention: UTF-16 offsets differ from Python's code-point offsets.
        (group_message("🙂🙂 hi @testclinicbot is it sore?", "mention", "@testclinicbot"), True),
        (group_message("🙂 ask @someone_else", "mention", "@someone_else"), False),
        (group_message("Clinic bot, hi", "text_mention", "Clinic bot", entity={"user": {"id": 123456}}), True),
        (group_message("is it sore after?", reply_to_message={"message_id": 3, "from": {"id": 123456}}), True),
        (group_message("is it sore after?", reply_to_message={"message_id": 3, "from": {"id": 42}}), False),
        (group_message("does anyone know if microneedling hurts?"), False),
    ],
    ids=[
        "bare-command",
        "own-command",
        "other-bot-command",
        "mention",
        "other-mention",
        "text-mention",
        "reply-to-bot",
        "reply-to-someone",
        "chatter",
    ],
)
def test_telegram_group_message_is_addressed_only_by_command_mention_or_reply(message, addressed):
    assert addressed_to_bot(message, BOT_ID, BOT_NAME) is addressed


def test_telegram_mentions_need_the_username_but_commands_and_replies_do_not():
    assert not addressed_to_bot(group_message("hi @TestClinicBot", "mention", "@TestClinicBot"), BOT_ID, None)
    assert addressed_to_bot(group_message("/start", "bot_command", "/start"), BOT_ID, None)
    assert addressed_to_bot(group_message("ok?", reply_to_message={"from": {"id": 123456}}), BOT_ID, None)


def test_telegram_bot_username_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:t")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@ClinicBot")
    channel = TelegramInput.from_credentials(None)
    assert channel.bot_id == "123456" and asyncio.run(channel.bot_username()) == "ClinicBot"


# --- the connectors' own notices ---------------------------------------------------------------


@pytest.fixture()
def notices_clinic(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_CONFIG", str(write_clinic_file(tmp_path / "clinic.yml")))
    notices.reset_for_tests()
    yield
    notices.reset_for_tests()


def test_apology_and_invitation_carry_the_clinics_urgent_line(notices_clinic):
    from clinic.config import load_config

    details = load_config().clinic
    for text in (notices.apology(), notices.group_invitation("Ann", "https://t.me/TestClinicBot?start=group")):
        assert details.urgent_line in text and details.emergency_number in text
    invitation = notices.group_invitation("Ann", "https://t.me/TestClinicBot?start=group")
    assert invitation.startswith("Hi Ann!") and TEST_CLINIC_NAME in invitation and "private chat" in invitation


def test_notices_without_a_readable_clinic_file_still_say_what_to_do(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "missing.yml"))
    notices.reset_for_tests()
    try:
        assert "emergency number" in notices.apology() and "send it again" in notices.apology()
        assert "tap my name" in notices.group_invitation("", None)
    finally:
        notices.reset_for_tests()
    assert any("clinic file could not be read" in r.getMessage() for r in caplog.records)


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
