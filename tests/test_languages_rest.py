"""Messages not in English, and two dialogue fixes, through the real Rasa server + action server
over REST: the reply in the visitor's language and in English with the clinic's contact
details, red flags in other languages on the urgent path (safety message first, urgent
ticket row), English unchanged; "sign me up" after the event's details; "ok" is not a name."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tracker_events import stored_events

from clinic.models import Priority, Ticket

PHONE, EMAIL, URGENT_LINE = "+44 20 7946 0555", "desk@testclinic.example", "+44 20 7946 0911"


def urgent_tickets(servers, sender):
    with servers.database().transaction(read_only=True) as session:
        rows = session.execute(select(Ticket).filter_by(sender_id=sender, kind="urgent")).scalars().all()
        return [(t.reference, t.priority, t.message, t.visitor_name) for t in rows]


def latest_parse(servers, sender):
    return [e for e in stored_events(servers.tracker_db, sender) if e.get("event") == "user"][-1]["parse_data"]


@pytest.mark.parametrize(
    "language, name, message, expected",
    [
        ("es", "Spanish", "hola, ¿cuánto cuesta el microneedling?", "solo puedo responder en inglés"),
        ("fr", "French", "bonjour, je voudrais des informations sur vos soins", "je ne peux répondre qu'en anglais"),
        ("de", "German", "hallo, wie lange dauert eine Behandlung bei Ihnen?", "nur auf Englisch antworten"),
        ("es", "Spanish", "Hola, ¿hacen microneedling?", "solo puedo responder en inglés"),
    ],
    ids=["spanish-price", "french-greeting", "german-question", "spanish-greeting-that-asks"],
)
def test_a_message_in_another_language_gets_the_polite_reply(servers, language, name, message, expected):
    sender = f"lang-{language}"
    replies = servers.texts(sender, message)
    assert len(replies) == 2, replies
    in_language, in_english = replies
    assert expected in in_language and PHONE in in_language and EMAIL in in_language
    assert f"you wrote in {name}" in in_english and "only answer in English" in in_english
    assert PHONE in in_english and EMAIL in in_english
    # Not a guess at the message's topic in English ("what is micro-needling" was the old answer).
    assert "Epidermal Collagen Therapy" not in "\n".join(replies)
    parse = latest_parse(servers, sender)
    assert parse["intent"]["name"] == "non_english"
    assert parse["language"]["code"] == language and parse["language"]["non_english"] is True


@pytest.mark.parametrize(
    "language, message, translated",
    [
        ("es", "tengo pus y fiebre después del microneedling", "llame ahora al 999"),
        ("fr", "mes lèvres gonflent et j'ai du mal à respirer", "appelez tout de suite le 999"),
    ],
    ids=["spanish", "french"],
)
def test_a_red_flag_in_another_language_takes_the_urgent_path(servers, language, message, translated):
    sender = f"lang-urgent-{language}"
    replies = servers.texts(sender, message)
    # The urgent safety message first, as in English; then its essentials in the visitor's language.
    assert "999" in replies[0] and URGENT_LINE in replies[0] and "Please don't wait" in replies[0]
    assert translated in replies[1] and URGENT_LINE in replies[1]
    assert any("URG-" in reply for reply in replies[2:])
    [(reference, priority, stored_message, _)] = urgent_tickets(servers, sender)
    assert reference.startswith("URG-") and priority == Priority.URGENT and stored_message == message
    assert latest_parse(servers, sender)["intent"]["name"] == "urgent_medical"


@pytest.mark.parametrize(
    "message, expected",
    [
        ("how much does microneedling cost?", "doesn't publish a price list"),
        ("hi there!", "Test Glow Clinic"),
        ("ok thanks", ""),
        ("merci! how long is the downtime after microneedling?", "downtime"),
        ("my name is Łukasz, can I book a consultation?", "What's your name?"),
    ],
)
def test_english_is_answered_as_before(servers, message, expected):
    sender = f"lang-en-{abs(hash(message))}"
    reply = servers.say(sender, message)
    assert reply.strip() and expected in reply
    assert "only answer in English" not in reply
    assert latest_parse(servers, sender)["language"]["non_english"] is False


def test_sign_me_up_after_the_event_details_registers(servers):
    sender = "event-sign-me-up"
    assert "Would you like to register?" in servers.say(sender, "what events have you got coming up?")
    reply = servers.say(sender, "sign me up")
    assert "Let's get you registered for Acne Evening" in reply and "What's your name?" in reply


def test_ok_is_not_taken_as_a_name_on_the_urgent_path(servers):
    sender = "urgent-ok-name"
    servers.say(sender, "there's pus coming out of my cheek and I feel feverish")
    # The urgent form asks for a name; "ok" is an acknowledgement, not a name.
    reply = servers.say(sender, "ok")
    assert "I need a name" in reply and "What's your name?" in reply
    assert [name for *_, name in urgent_tickets(servers, sender)] == [None]
    assert "e-mail address or phone number" in servers.say(sender, "Sam Okafor")
    servers.say(sender, "sam.okafor@example.com")
    servers.say(sender, "yes")
    assert [name for *_, name in urgent_tickets(servers, sender)] == ["Sam Okafor"]
