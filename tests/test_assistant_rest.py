"""The real Rasa server + action server with the trained model, over the REST channel."""

from __future__ import annotations

import os
import time

import pytest
import yaml
from clinic_fixture import clinic_data
from tracker_events import stored_events

# One natural message per contract intent, and what the reply must contain.
CONTRACT = [
    ("greet", "hi there!", "Test Glow Clinic"),
    ("goodbye", "ok bye, have a nice day", "Take care"),
    ("thank", "thanks so much, that's helpful", "welcome"),
    ("bot_challenge", "are you a robot?", "virtual assistant"),
    ("human_handoff", "can i talk to a real human please", "What's your name?"),
    ("out_of_scope", "can you recommend a good pizza place", "outside what I can help with"),
    ("book_consultation", "I'd like to book a consultation", "What's your name?"),
    ("ask_price", "how much does microneedling cost?", "doesn't publish a price list"),
    ("ask_hours", "what time do you open on saturday", "Sat: 10:00–14:00"),
    ("ask_location", "what's your address", "1 Test Road"),
    ("ask_contact", "what is your phone number", "+44 20 7946 0555"),
    ("event_info", "when is the acne event?", "Acne Evening"),
    ("event_register", "I want to sign up for the acne event", "registered for Acne Evening"),
    ("medical_question", "I'm pregnant, can I have micro-needling?", "licensed professional"),
    ("urgent_medical", "my lips and tongue are swelling up and it's hard to breathe", "999"),
    ("faq", "what is micro-needling?", "Epidermal Collagen Therapy"),
    ("faq", "how deep do the needles go", "1-1.5 mm"),
]


@pytest.mark.parametrize("intent, message, expected", CONTRACT, ids=[f"{i}:{m[:20]}" for i, m, _ in CONTRACT])
def test_every_contract_intent_gets_its_answer(servers, intent, message, expected):
    texts = servers.texts(f"contract-{intent}-{abs(hash(message))}", message)
    assert texts and all(t.strip() for t in texts)
    assert expected in "\n".join(texts)


def test_medical_offer_then_yes_starts_the_hand_off_form(servers):
    sender = "medical-yes"
    first = servers.texts(sender, "I take roaccutane, is microneedling ok for me?")
    assert "licensed professional" in "\n".join(first)
    second = servers.texts(sender, "yes please")
    assert second == [
        "I'll pass your question to one of the clinic's licensed professionals. (You can type \"stop\" at any time.)",
        "What's your name?",
    ]


def test_urgent_safety_message_is_the_first_reply(servers):
    replies = servers.send("urgent-1", "there's pus and I have a fever after my microneedling yesterday")
    assert "999" in replies[0]["text"] and "+44 20 7946 0911" in replies[0]["text"]


def test_buttons_arrive_over_rest(servers):
    replies = servers.send("buttons-1", "/greet")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/book_consultation" in payloads


def test_faq_button_payload_is_answered_exactly(servers):
    replies = servers.send("faq-button", '/faq{"faq_key": "product_absorption"}')
    assert "4-8%" in replies[0]["text"]
    # The next steps arrive as buttons, their payloads untouched by Rasa's response templating.
    assert [b["payload"] for b in replies[0]["buttons"]] == [
        '/faq{"faq_key": "inner_glow_program"}',
        "/book_consultation",
    ]


def test_two_misses_in_a_row_offer_a_person(servers):
    # "/nlu_fallback" is what the FallbackClassifier produces for a message it is unsure of;
    # sending it directly makes the dialogue path deterministic, whatever the model's scores.
    sender = "two-misses"
    first = servers.send(sender, "/nlu_fallback")
    assert "rephrase" in first[0]["text"] and first[0]["buttons"]
    second = servers.send(sender, "/nlu_fallback")
    assert "talk to a person" in "\n".join(r.get("text", "") for r in second)
    assert "/human_handoff" in [b["payload"] for r in second for b in r.get("buttons", [])]


def test_gibberish_gets_a_helpful_reply(servers):
    replies = servers.send("gibberish", "qwzx blorp fnargle")
    text = replies[0]["text"]
    assert "outside what I can help with" in text or "not sure I understood" in text
    assert replies[0].get("buttons")


@pytest.mark.parametrize(
    "message",
    ["", "   ", "🙂🙂🙂", "<script>alert('x')</script>", "a" * 5000, "DROP TABLE events;--", "\u0000\u202e weird"],
)
def test_odd_input_always_gets_a_polite_reply(servers, message):
    replies = servers.send(f"odd-{abs(hash(message))}", message)
    assert replies and all((r.get("text") or "").strip() for r in replies)
    assert not any("Traceback" in (r.get("text") or "") for r in replies)


def test_clinic_file_change_needs_no_retraining(servers):
    original = servers.clinic_file.read_text()
    try:
        data = clinic_data()
        data["clinic"]["name"] = "Renamed Test Clinic"
        servers.clinic_file.write_text(yaml.safe_dump(data))
        stamp = time.time_ns() + 1_000_000_000
        os.utime(servers.clinic_file, ns=(stamp, stamp))
        assert "Renamed Test Clinic" in "\n".join(servers.texts("renamed", "hello"))
    finally:
        servers.clinic_file.write_text(original)
        stamp = time.time_ns() + 2_000_000_000
        os.utime(servers.clinic_file, ns=(stamp, stamp))


def test_conversations_are_stored_in_the_sqlite_tracker_store(servers):
    servers.send("stored-1", "what are your opening hours?")
    events = stored_events(servers.tracker_db, "stored-1")
    assert any(e.get("event") == "user" and e["parse_data"]["intent"]["name"] == "ask_hours" for e in events)
