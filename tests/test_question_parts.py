"""Messages that ask several things: how they are cut (nlu_components/question_parts.py), how the
pipeline's two components carry the parts, and what the actions answer (actions/question_parts.py).
With the trained model: each part is read as a message of its own, and the whole message's
reading is the same as without the parts."""

from __future__ import annotations

import asyncio

import pytest
from action_harness import joined, parse, payloads, run, run_async, slot
from rasa.shared.nlu.training_data.message import Message
from trained_model import parse_with_trained_model

from actions.clinic_info import ActionClinicHours, ActionPriceInfo
from actions.faq import ActionAnswerFaq
from nlu_components.question_parts import (
    PART_OF,
    QuestionPartsCollector,
    QuestionSplitter,
    split_questions,
    without_follow_up_opening,
)


@pytest.mark.parametrize(
    "text, parts",
    [
        (
            "how much is microneedling and how long is the downtime?",
            ["how much is microneedling", "how long is the downtime?"],
        ),
        ("Does it hurt? And how many sessions would I need?", ["Does it hurt?", "how many sessions would I need?"]),
        ("How much? Is it safe?", ["How much?", "Is it safe?"]),
        (
            "where are you located and is there parking? how much is it? thanks!",
            ["where are you located", "is there parking?", "how much is it? thanks!"],
        ),
        ("what are your hours, and also do you do weekends", ["what are your hours", "do you do weekends"]),
        (
            "Hi, I have a few questions. How long is the downtime? And how much does it cost?",
            ["How long is the downtime?", "how much does it cost?"],
        ),
        ("Hello! Is there parking? And is it step-free?", ["Is there parking?", "is it step-free?"]),
    ],
)
def test_a_message_is_cut_into_its_questions(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "how much is microneedling?",
        "I have rosacea. Can I have it? thanks",  # the statement is what the question is about: one part
        "is it safe and effective?",  # "and" joins two words, not two questions
        "Can I wear makeup and go to the gym after?",
        "I had it done last week and my skin is still red, is that normal?",
        "hi! how much is it",
        "my name is Sam and my email is sam@example.com",
        "I'm 35 and have acne scars, what would help",
        "hello? is anyone there?",
        "",
        None,
    ],
)
def test_one_question_is_left_whole(text):
    assert split_questions(text) == []


def test_a_long_post_is_read_in_at_most_three_parts():
    text = "Does it hurt? How long is the downtime? How much is it? Where are you? When are you open?"
    assert split_questions(text) == ["Does it hurt?", "How long is the downtime?", "How much is it?"]


@pytest.mark.parametrize(
    "text, read",
    [
        ("and can I wear makeup after?", "can I wear makeup after?"),
        ("Also, how much is it", "how much is it"),
        ("ok so how long is the downtime?", "how long is the downtime?"),
        ("oh and is there parking", "is there parking"),
        ("and also do you take cards?", "do you take cards?"),
        ("and you?", "and you?"),  # too little left to read on its own
        ("ok please do", "ok please do"),  # an answer, not a follow-up
        ("Android phone users can't see the chat", "Android phone users can't see the chat"),
        ("so sore after my treatment", "so sore after my treatment"),
    ],
)
def test_a_follow_up_is_read_without_its_opening(text, read):
    assert without_follow_up_opening(text) == read


def test_the_visitors_own_words_come_back_after_the_reading():
    message = Message(data={"text": "and how much is it and how long is the downtime?"})
    messages = QuestionSplitter({}).process([message])
    assert message.get("text") == "how much is it and how long is the downtime?"  # what the pipeline reads
    assert [m.get("text") for m in messages[1:]] == ["how much is it", "how long is the downtime?"]
    QuestionPartsCollector({}).process(messages)
    assert message.get("text") == "and how much is it and how long is the downtime?"


def test_the_parts_travel_with_their_message_and_leave_the_list_at_the_end():
    first = Message(data={"text": "how much is it and how long is the downtime?"})
    second = Message(data={"text": "hello there"})
    messages = QuestionSplitter({}).process([first, second])
    assert [m.get("text") for m in messages] == [
        "how much is it and how long is the downtime?",
        "how much is it",
        "how long is the downtime?",
        "hello there",
    ]
    assert [m.get(PART_OF) for m in messages[1:3]] == [first.get("text")] * 2
    for message, intent in zip(messages, ["ask_price", "ask_price", "faq", "greet"], strict=True):
        message.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    messages[2].set(
        "response_selector",
        {"faq": {"response": {"intent_response_key": "faq/downtime", "confidence": 0.97}}},
        add_to_output=True,
    )
    collected = QuestionPartsCollector({}).process(messages)
    assert collected == [first, second]
    assert first.get("question_parts") == [
        part("how much is it", "ask_price", 0.9),
        part("how long is the downtime?", "faq", 0.9, answer=("downtime", 0.97)),
    ]
    assert second.get("question_parts") == []
    assert "question_parts" in first.as_dict(only_output_properties=True)


def part(text, intent, confidence, answer=None):
    """A part's reading as the collector records it: parse data's own shape, the FAQ answer chosen."""
    reading = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    if answer:
        key, answer_confidence = answer
        selected = {"intent_response_key": f"faq/{key}", "confidence": answer_confidence}
        reading["response_selector"] = {"faq": {"response": selected}}
    return reading


def with_parts(data, *readings):
    data["question_parts"] = list(readings)
    return data


PRICE_PART = part("how much is it", "ask_price", 0.99)
DOWNTIME_PART = part("how long is the downtime?", "faq", 1.0, answer=("downtime", 0.98))


def test_the_other_faq_question_is_answered_after_the_main_answer():
    latest = with_parts(
        parse("ask_price", 0.8, text="how much is it and how long is the downtime?"), PRICE_PART, DOWNTIME_PART
    )
    messages, _ = run(ActionPriceInfo(), latest)
    responses = [m.get("response") for m in messages]
    assert responses[-2:] == ["utter_other_question", "utter_faq/downtime"]
    assert "And your other question (Downtime and recovery):" in joined(messages)
    assert "little downtime" in joined(messages) and "price list" in joined(messages)


def test_the_clinics_prices_among_faq_questions_are_told_without_buttons_of_their_own():
    latest = with_parts(
        parse("faq", faq=[("downtime", 0.98)], text="how long is the downtime and how much is it?"),
        DOWNTIME_PART,
        PRICE_PART,
    )
    messages, _ = run(ActionAnswerFaq(), latest)
    responses = [m.get("response") for m in messages]
    assert responses[0] == "utter_faq/downtime" and messages[0]["buttons"]  # the main answer's next steps
    assert responses[1:] == ["utter_other_question", "utter_no_price_list_with_note"]
    assert "And your other question (Prices):" in joined(messages) and "For a quote, call" in joined(messages)
    assert all(not m.get("buttons") for m in messages[1:])


def test_events_among_other_questions_are_offered_as_a_button():
    events = part("any events coming up?", "event_info", 0.9)
    latest = with_parts(
        parse("faq", faq=[("downtime", 0.98)], text="how long is the downtime? any events coming up?"),
        DOWNTIME_PART,
        events,
    )
    messages, _ = run(ActionAnswerFaq(), latest)
    assert messages[-1]["response"] == "utter_other_questions_offered"
    assert messages[-1]["buttons"] == [{"title": "Upcoming events", "payload": "/event_info"}]


def test_a_treatment_the_clinic_does_not_offer_and_then_the_other_question():
    from actions.scope import ActionOutOfScope

    text = "Do you do Botox? And how long is the downtime for microneedling?"
    latest = with_parts(
        parse("out_of_scope", 0.9, text=text),
        part("Do you do Botox?", "out_of_scope", 0.95),
        part("how long is the downtime for microneedling?", "faq", 0.9, answer=("downtime", 0.97)),
    )
    messages, _ = run(ActionOutOfScope(), latest)
    assert [m.get("response") for m in messages] == [
        "utter_other_treatment",
        "utter_other_question",
        "utter_faq/downtime",
    ]
    assert "Botox" in joined(messages) and "little downtime" in joined(messages)


def test_the_events_answer_the_other_question_before_the_offer_to_register():
    from actions.events import ActionEventInfo

    text = "When's the next event? And does microneedling hurt?"
    pain = part("does microneedling hurt?", "faq", 0.9, answer=("microneedling_pain", 0.97))
    booking = part("can I book too?", "book_consultation", 0.9)
    latest = with_parts(
        parse("event_info", 0.9, text=text), part("When's the next event?", "event_info", 0.95), pain, booking
    )
    messages, events = run(ActionEventInfo(), latest)
    responses = [m.get("response") for m in messages]
    assert responses[-3:] == ["utter_other_question", "utter_faq/microneedling_pain", "utter_ask_to_register"]
    assert "utter_other_questions_offered" not in responses  # no button leads away from the offer
    assert messages[-1]["buttons"]  # the offer's own
    assert any(e.get("name") == "pending_offer" for e in events)


@pytest.mark.parametrize(
    "price_part, told",
    [
        # The event's card gives its price: no price list, nothing more before the offer.
        ("is it free?", ["utter_ask_to_register"]),
        # A treatment's price beside the event is the price list's.
        (
            "how much is microneedling?",
            ["utter_other_question", "utter_no_price_list_with_note", "utter_ask_to_register"],
        ),
    ],
)
def test_a_price_part_beside_an_event_is_the_events_price_unless_it_names_a_treatment(price_part, told):
    from actions.events import ActionEventInfo

    event_part = "Tell me about the acne evening"
    latest = with_parts(
        parse("event_info", 0.9, text=f"{event_part} and {price_part}"),
        part(event_part, "event_info", 0.95),
        part(price_part, "ask_price", 0.9),
    )
    messages, _ = run(ActionEventInfo(), latest)
    responses = [m.get("response") for m in messages]
    assert responses[-len(told) :] == told
    assert responses[: -len(told)] and all(
        r.startswith(("utter_next_event", "utter_event_card")) for r in responses[: -len(told)]
    )


ROACCUTANE_PART = part("I'm on roaccutane, can I have microneedling?", "medical_question", 0.9)


def test_a_medical_reply_tells_the_clinics_facts_asked_beside_it_before_its_offer():
    from actions.medical import ActionMedicalReply

    text = "I'm on roaccutane, can I have microneedling? And what are your hours?"
    latest = with_parts(
        parse("medical_question", 0.9, text=text), ROACCUTANE_PART, part("what are your hours?", "ask_hours", 0.95)
    )
    messages, events = run(ActionMedicalReply(), latest)
    responses = [m.get("response") for m in messages]
    assert responses[:3] == ["utter_medical_reply", "utter_other_question", "utter_opening_hours"]
    assert responses[-1] == "utter_medical_followup_offer"  # after whether the clinic is open now
    assert "And your other question (Opening hours):" in joined(messages)
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/affirm", "/deny"]  # the offer's yes/no, last
    assert all(not m.get("buttons") for m in messages[:-1])
    assert any(e.get("name") == "pending_offer" for e in events)


@pytest.mark.parametrize(
    "other",
    [
        part("how long is the downtime?", "faq", 0.95, answer=("downtime", 0.98)),  # may lean on their situation
        part("can I book?", "book_consultation", 0.95),
        part("any events?", "event_info", 0.95),
        part("and is it safe with my eczema?", "medical_question", 0.8),
    ],
    ids=["faq", "booking", "events", "another-personal-part"],
)
def test_a_medical_reply_answers_no_part_that_is_not_a_clinic_fact(other):
    from actions.medical import ActionMedicalReply

    latest = with_parts(parse("medical_question", 0.9, text="I'm on roaccutane, is it ok? ..."), ROACCUTANE_PART, other)
    messages, _ = run(ActionMedicalReply(), latest)
    assert [m.get("response") for m in messages] == ["utter_medical_reply", "utter_medical_followup_offer"]


HOURS_PART = part("What time do you close today", "ask_hours", 0.95)
BOOKING_PART = part("can I book for tomorrow?", "book_consultation", 0.97)


def test_a_booking_answers_the_other_questions_before_its_form_asks_anything():
    from actions.handoff import ActionPrepareHandoff

    text = "What time do you close today and can I book for tomorrow?"
    latest = with_parts(parse("book_consultation", 0.9, text=text), HOURS_PART, BOOKING_PART)
    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), latest))
    responses = [m.get("response") for m in messages]
    assert responses[0].startswith("utter_handoff_intro_booking")
    assert responses[1:3] == ["utter_other_question", "utter_opening_hours"]
    assert "And your other question (Opening hours):" in joined(messages)
    assert all(not m.get("buttons") for m in messages)  # nothing leads away from the form's first question
    assert slot(events, "handoff_kind") == ["booking"] and slot(events, "handoff_message") == [text]


def test_a_booking_passes_a_personal_question_on_with_the_request():
    from actions.handoff import ActionPrepareHandoff

    text = "I'd like to book a consultation. I'm on roaccutane, is that ok?"
    personal = part("I'm on roaccutane, is that ok?", "medical_question", 0.8)
    latest = with_parts(
        parse("book_consultation", 0.9, text=text), part("I'd like to book", "book_consultation", 0.9), personal
    )
    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), latest))
    assert [m.get("response") for m in messages][-1] == "utter_other_question_personal_passed_on"
    assert "goes to the clinic with your request" in joined(messages)
    assert all(not m.get("buttons") for m in messages)
    assert "roaccutane" in slot(events, "handoff_message")[0]


def test_a_question_about_the_clinic_among_them_gets_the_clinics_answer():
    """Whatever the NLU made of the part ("do I need a consultation first?" read as an FAQ answer)."""
    consultation = part("do I need a consultation first?", "faq", 0.9, answer=("microneedling_what", 0.95))
    latest = with_parts(
        parse("ask_price", 0.9, text="What's the price and do I need a consultation first?"), PRICE_PART, consultation
    )
    messages, _ = run(ActionPriceInfo(), latest)
    assert [m.get("response") for m in messages][-2:] == ["utter_other_question", "utter_first_visit_ask"]
    assert "And your other question (do I need a consultation first?):" in joined(messages)
    assert "Epidermal Collagen Therapy" not in joined(messages)


def test_a_clinic_question_the_main_answer_covered_is_not_answered_twice():
    text = "do you take walk-ins? can I wear makeup to my appointment?"
    walk_ins = part("do you take walk-ins?", "book_consultation", 0.9)
    make_up = part("can I wear makeup to my appointment?", "faq", 0.9)
    latest = with_parts(parse("faq", faq=[("aftercare", 0.9)], text=text), walk_ins, make_up)
    messages, _ = run(ActionAnswerFaq(), latest)
    responses = [m.get("response") for m in messages]
    assert sorted(responses) == ["utter_first_visit_ask", "utter_other_question", "utter_preparation_ask"]


def test_a_personal_part_is_pointed_to_a_professional():
    personal = part("I'm on roaccutane, is that ok?", "medical_question", 0.7)
    latest = with_parts(parse("ask_hours", 0.9, text="when are you open? I'm on roaccutane, is that ok?"), personal)
    messages, _ = run(ActionClinicHours(), latest)
    assert "licensed professional should answer that part" in joined(messages)
    assert payloads(messages)[-1] == "/medical_question"


@pytest.mark.parametrize(
    "part",
    [
        PRICE_PART,  # the topic already answered
        part("thanks so much!", "thank", 0.99),
        part("how long is it", "faq", 0.9, answer=("downtime", 0.3)),
        part("blah blah", "nlu_fallback", 0.4),
    ],
    ids=["same-topic", "thanks", "weak-faq-answer", "not-understood"],
)
def test_a_part_with_nothing_new_adds_nothing(part):
    latest = with_parts(parse("ask_price", 0.9, text="how much is it? thanks"), PRICE_PART, part)
    alone, _ = run(ActionPriceInfo(), parse("ask_price", 0.9, text="how much is it? thanks"))
    messages, _ = run(ActionPriceInfo(), latest)
    assert messages == alone


def test_a_weak_main_answer_asks_to_rephrase_and_answers_nothing_else():
    latest = with_parts(parse("faq", 0.9, faq=[("downtime", 0.41), ("aftercare", 0.38)]), DOWNTIME_PART, PRICE_PART)
    messages, _ = run(ActionAnswerFaq(), latest)
    assert len(messages) == 1 and "not sure I understood" in joined(messages)


@pytest.mark.rasa
def test_the_trained_pipeline_reads_each_part_and_leaves_the_whole_reading_alone():
    text = "how much is microneedling and how long is the downtime?"
    [whole, price, downtime] = parse_with_trained_model(
        [text, "how much is microneedling", "how long is the downtime?"]
    )
    parts = whole["question_parts"]
    assert [reading["text"] for reading in parts] == ["how much is microneedling", "how long is the downtime?"]
    for reading, alone in zip(parts, [price, downtime], strict=True):
        assert reading["intent"]["name"] == alone["intent"]["name"]
        assert reading["intent"]["confidence"] == pytest.approx(alone["intent"]["confidence"], abs=1e-3)
    assert parts[1]["intent"]["name"] == "faq"
    assert parts[1]["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/downtime"
    assert price["question_parts"] == [] and downtime["question_parts"] == []
