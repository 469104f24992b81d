"""The real Rasa server + action server with the trained model, over the REST channel."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def clinic_file_changed(servers, **clinic_fields):
    """The servers' clinic file with these `clinic:` fields (top-level ones prefixed `top_`),
    restored afterwards; the action server picks each edit up on its next message."""
    original = servers.clinic_file.read_text()
    try:
        data = clinic_data()
        for field, value in clinic_fields.items():
            if field.startswith("top_"):
                data[field[4:]] = value
            else:
                data["clinic"][field] = value
        servers.clinic_file.write_text(yaml.safe_dump(data))
        stamp = time.time_ns() + 1_000_000_000
        os.utime(servers.clinic_file, ns=(stamp, stamp))
        yield
    finally:
        servers.clinic_file.write_text(original)
        stamp = time.time_ns() + 2_000_000_000
        os.utime(servers.clinic_file, ns=(stamp, stamp))


def test_clinic_file_change_needs_no_retraining(servers):
    with clinic_file_changed(servers, name="Renamed Test Clinic"):
        assert "Renamed Test Clinic" in "\n".join(servers.texts("renamed", "hello"))


@pytest.mark.parametrize("message", ["who are you?", "what can you do?", "what can you help me with?"])
def test_questions_about_the_assistant_itself_get_who_it_is_and_what_it_does(servers, message):
    reply = servers.say(f"about-bot-{abs(hash(message))}", message)
    assert "virtual assistant" in reply and "book a consultation" in reply


@pytest.mark.parametrize(
    "message, named", [("Do you do botox?", "Botox"), ("Do you offer lip fillers?", "lip fillers")]
)
def test_a_treatment_the_clinic_does_not_offer_is_named_with_what_it_does_offer(servers, message, named):
    """PRODUCT.md: out of scope, answered helpfully (what the clinic offers; ask at a consultation)."""
    plain = servers.say(f"other-plain-{named}", message)
    assert f"questions about {named}" in plain and "micro-needling, downtime and acne" in plain
    assert "consultation" in plain
    with clinic_file_changed(servers, treatments=["micro-needling", "acne clinics"]):
        listed = servers.say(f"other-listed-{named}", message)
    assert f"questions about {named}" in listed and "Test Glow Clinic offers micro-needling and acne clinics" in listed


def test_other_out_of_scope_questions_keep_the_general_reply(servers):
    reply = servers.say("pizza", "can you recommend a good pizza place")
    assert "outside what I can help with" in reply and "I'm afraid" not in reply


@pytest.mark.parametrize("message", ["do you take insurance?", "Can I pay in instalments?", "can I use my HSA card"])
def test_how_to_pay_is_answered_before_how_much(servers, message):
    key = abs(hash(message))
    plain = servers.say(f"pay-plain-{key}", message)
    assert "Insurance, health savings accounts and ways to pay" in plain and "+44 20 7946 0555" in plain
    assert "doesn't publish a price list" not in plain
    with clinic_file_changed(servers, top_payment_note="We don't bill insurers; pay at each visit."):
        noted = servers.say(f"pay-noted-{key}", message)
    assert "We don't bill insurers; pay at each visit." in noted


@pytest.mark.parametrize(
    "message, note_field, without_note, wrong_answer",
    [
        ("what's the youngest age you treat?", "age_note", "age the clinic treats from", "Collagen is essential"),
        ("are your practitioners qualified?", "practitioners_note", "training and qualifications", "not sure I"),
        ("can I buy a gift card for my mum", "gift_voucher_note", "For gift vouchers", "General aftercare"),
        ("how do I prepare for micro needling", "preparation_note", "As a general guide", "A very fine needle"),
        ("Do you accept walk-ins?", "first_visit_note", "whether you can walk in", "not sure I"),
    ],
)
def test_a_question_about_the_clinic_gets_the_clinics_own_answer(
    servers, message, note_field, without_note, wrong_answer
):
    """No FAQ answer covers these: the clinic's note (or where to ask) answers, not a near miss."""
    plain = servers.say(f"clinic-q-{note_field}", message)
    assert without_note in plain and "+44 20 7946 0555" in plain and wrong_answer not in plain
    with clinic_file_changed(servers, **{f"top_{note_field}": "The clinic's own answer."}):
        noted = servers.say(f"clinic-q-noted-{note_field}", message)
    assert noted.startswith("The clinic's own answer.")


def test_what_the_clinic_offers_comes_from_its_treatments_list(servers):
    plain = servers.say("services-plain", "what treatments do you offer?")
    assert "For the full list of treatments" in plain and "+44 20 7946 0555" in plain
    with clinic_file_changed(servers, treatments=["micro-needling", "chemical peels"]):
        listed = servers.say("services-listed", "what services do you have?")
    assert "offers micro-needling and chemical peels" in listed


def test_a_booking_asked_after_goes_to_the_team_not_to_a_new_booking(servers):
    reply = servers.say("booked-before", "I booked a consultation yesterday but haven't heard back")
    assert "can't see or change bookings here" in reply and "What's your name?" in reply
    assert "Happy to help you book" not in reply


def test_a_question_about_the_clinic_read_as_a_booking_starts_no_form(servers):
    reply = servers.say("cancel-policy", "what's the cancellation policy?")
    assert "cancellation policy" in reply and "What's your name?" not in reply
    assert "What's your name?" not in servers.say("cancel-policy", "what are your opening hours")
    reply = servers.say("book-and-ask", "I'd like to book a consultation, what's your cancellation policy?")
    assert "cancellation policy" in reply and "What's your name?" in reply


def test_a_bare_acknowledgement_is_acknowledged(servers):
    assert "Great! What would you like to know?" in servers.say("ack", "cool")
    assert "rephrase" not in servers.say("ack", "got it")


def test_a_plain_price_question_gets_no_payment_answer(servers):
    reply = servers.say("price-plain", "how much does microneedling cost?")
    assert "doesn't publish a price list" in reply and "Insurance" not in reply


def test_access_needs_are_answered_with_the_address(servers):
    plain = servers.say("access-plain", "are you wheelchair accessible?")
    assert "access needs" in plain and "+44 20 7946 0555" in plain and "1 Test Road" in plain
    with clinic_file_changed(servers, accessibility="Step-free entrance; lift to every floor."):
        noted = servers.say("access-noted", "is there step free access for a wheelchair?")
    assert "Step-free entrance; lift to every floor." in noted and "1 Test Road" in noted
    assert "access" not in servers.say("address-plain", "what's your address").lower()


def test_conversations_are_stored_in_the_sqlite_tracker_store(servers):
    servers.send("stored-1", "what are your opening hours?")
    events = stored_events(servers.tracker_db, "stored-1")
    assert any(e.get("event") == "user" and e["parse_data"]["intent"]["name"] == "ask_hours" for e in events)


def test_a_message_asking_two_things_gets_both_answers(servers):
    replies = servers.send("two-faq-questions", "Does it hurt? And how many sessions would I need?")
    text = "\n".join(r.get("text") or "" for r in replies)
    assert "generally tolerated quite well" in text and "usually done as a course" in text
    assert "And your other question" in text


def test_the_clinics_answer_to_the_other_question_is_given_too(servers):
    """The downtime and the price, in either order: both answered."""
    for order, message in enumerate(
        ["how much is microneedling and how long is the downtime?", "how long is the downtime and how much is it?"]
    ):
        text = "\n".join(r.get("text") or "" for r in servers.send(f"two-questions-{order}", message))
        assert "little downtime" in text and "doesn't publish a price list" in text, message


def test_a_booking_answers_the_other_question_before_the_form_asks(servers):
    replies = servers.send("hours-and-booking", "What time do you close today and can I book for tomorrow?")
    texts = [r.get("text") or "" for r in replies]
    assert any("Sat: 10:00–14:00" in text for text in texts)
    assert "What's your name?" in texts[-1]
    assert not [b for r in replies for b in r.get("buttons", [])]


def test_out_of_scope_then_the_other_question(servers):
    text = "\n".join(
        r.get("text") or ""
        for r in servers.send("botox-and-downtime", "Do you do Botox? And how long is the downtime?")
    )
    assert "Botox" in text and "little downtime" in text


def test_the_events_answer_the_other_question_before_the_offer_to_register(servers):
    replies = servers.send("event-and-address", "Is there an acne event coming up? Also where are you?")
    texts = [r.get("text") or "" for r in replies]
    assert any("Acne Evening" in text for text in texts) and any("1 Test Road" in text for text in texts)
    assert "Would you like to register?" in texts[-1]


def test_a_follow_up_opening_with_and_is_answered(servers):
    """Asked right after an answer, opening with "and": read as the question it is."""
    assert "little downtime" in servers.say("follow-up", "how long is the downtime?")
    assert "skip make-up" in servers.say("follow-up", "and can I wear makeup after?")


def test_is_it_free_after_the_events_is_about_the_event(servers):
    assert "Acne Evening" in servers.say("event-cost", "is there an acne event?")
    reply = servers.say("event-cost", "is it free?")
    assert "Entry to Acne Evening: free." in reply and "Would you like to register?" in reply


def test_a_medical_question_with_the_hours_gets_both_and_the_offer_last(servers):
    replies = servers.send("medical-and-hours", "I'm on roaccutane, can I have microneedling? And what are your hours?")
    texts = [r.get("text") or "" for r in replies]
    assert "licensed professional" in texts[0]
    assert any("Sat: 10:00–14:00" in text for text in texts)
    assert "follow up with you?" in texts[-1] and [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]
    assert "What's your name?" in servers.say("medical-and-hours", "yes")  # the offer still leads to the form


def test_what_about_a_subject_after_an_answer_is_answered_from_that_answer(servers):
    assert "skip make-up" in servers.say("what-about", "what aftercare do I need after microneedling?")
    reply = servers.say("what-about", "what about swimming?")
    assert reply.startswith("About swimming, from my answer above:") and "swimming for a day or two" in reply


def test_a_practical_question_that_mentions_the_skin_gets_the_practical_answer(servers):
    price = servers.say("practical-price", "I have rosacea, how much is a consultation?")
    assert "doesn't publish a price list" in price and "licensed professional" not in price
    late = servers.say("practical-late", "Is it a problem if I'm 10 minutes late for my appointment?")
    assert "if you're running late, call" in late and "licensed professional" not in late
    personal = servers.say("practical-personal", "I have rosacea, can I still book a microneedling session?")
    assert "licensed professional" in personal
