"""BookingQuestions (nlu_components/booking_questions.py): a booking question the classifier was not
sure of is read as one; anything else it gave up on stays a fallback, and the safety net after it
still has the last word."""

from __future__ import annotations

import pytest
from parsed_messages import parsed_message

from nlu_components.booking_questions import BookingQuestions
from nlu_components.medical_safety_net import MedicalSafetyNet

RANKING = [("nlu_fallback", 0.45), ("book_consultation", 0.41), ("faq", 0.12)]


def message(text, intent="nlu_fallback", ranking=RANKING, entities=()):
    return parsed_message(text, intent, ranking, entities, confidence=ranking[0][1])


def read(msg):
    BookingQuestions({}).process([msg])
    return msg.get("intent")["name"]


@pytest.mark.parametrize(
    "text",
    [
        "Is there a waitlist for Saturday appointments??",
        "New clients - how does it work, do I just turn up",
        "can u fit my sister in b4 xmas",
        "Do you do walk ins",
        "Whats your earliest availability",
    ],
)
def test_a_booking_question_given_up_on_is_a_booking(text):
    msg = message(text)
    assert read(msg) == "book_consultation"
    assert msg.get("intent")["confidence"] == 0.41  # what the classifiers gave it
    assert msg.get("booking_question")["original_intent"] == "nlu_fallback"


@pytest.mark.parametrize(
    "text, entities",
    [
        ("how much is a consultation", ()),  # money: a price question, not only a booking
        ("do consultations cost anything", ()),
        ("my appointment was last week and the spots are back", [("skin_concern", "spots")]),
        ("I'm on roaccutane, can I still keep my appointment", [("medication", "roaccutane")]),
        ("blah blah blah", ()),  # nothing about booking
    ],
)
def test_anything_else_given_up_on_stays_a_fallback(text, entities):
    msg = message(text, entities=entities)
    assert read(msg) == "nlu_fallback"
    assert msg.get("booking_question") is None


def test_a_reading_the_classifier_was_sure_of_is_left_alone():
    msg = message("can I book for my appointment", intent="faq", ranking=[("faq", 0.7), ("book_consultation", 0.2)])
    assert read(msg) == "faq"


def test_the_safety_net_after_it_still_sends_a_medical_reading_to_a_professional():
    ranking = [("nlu_fallback", 0.45), ("medical_question", 0.40), ("book_consultation", 0.35)]
    msg = message("can I come in today, it looks weird since my appointment", ranking=ranking)
    assert read(msg) == "book_consultation"
    MedicalSafetyNet(MedicalSafetyNet.get_default_config()).process([msg])
    assert msg.get("intent")["name"] == "medical_question"
