"""PracticalQuestions (nlu_components/practical_questions.py): a medical_question reading of a
message that only asks what something costs or about an appointment, mentioning the skin in
passing, is read as that practical question; anything that asks for a judgement about the
visitor, names a symptom, medicine or treatment, or that a red flag made, stays medical."""

from __future__ import annotations

import pytest
from parsed_messages import parsed_message

from nlu_components.practical_questions import PracticalQuestions, practical_reading

MEDICAL_FIRST = [("medical_question", 0.9), ("ask_price", 0.06), ("book_consultation", 0.04)]


def message(text, entities=(), intent="medical_question", ranking=MEDICAL_FIRST, safety_net=None):
    return parsed_message(text, intent, ranking, entities, **({"safety_net": safety_net} if safety_net else {}))


def read(msg):
    PracticalQuestions({}).process([msg])
    return msg.get("intent")["name"]


@pytest.mark.parametrize(
    "text, entities, intent",
    [
        (
            "I have rosacea, how much is a consultation?",
            [("skin_concern", "rosacea"), ("treatment", "consultation")],
            "ask_price",
        ),
        (
            "what would I be looking at price wise for my acne scarring?",
            [("skin_concern", "acne scarring")],
            "ask_price",
        ),
        ("Does insurance cover anything for my acne?", [("skin_concern", "acne")], "ask_price"),
        ("Can I bring my son in, he is 16 and has acne", [("skin_concern", "acne")], "book_consultation"),
        (
            "Do you have any appointments this week? My skin is really bad with breakouts",
            [("skin_concern", "breakouts")],
            "book_consultation",
        ),
        ("Is it a problem if I'm 10 minutes late for my appointment?", (), "book_consultation"),
        ("I need to reschedule, is that ok?", (), "book_consultation"),
    ],
)
def test_a_practical_question_mentioning_the_skin_is_that_question(text, entities, intent):
    msg = message(text, entities)
    assert read(msg) == intent
    assert msg.get("intent")["confidence"] == dict(MEDICAL_FIRST)[intent]  # what the classifiers gave it
    assert msg.get("practical_question")["original_intent"] == "medical_question"


@pytest.mark.parametrize(
    "text, entities",
    [
        ("I'm on roaccutane, can I book in?", [("medication", "roaccutane")]),
        ("I have rosacea, can I still book a session?", [("skin_concern", "rosacea")]),
        ("I'm pregnant, can I book a consultation?", ()),
        ("How much would it cost and would it help my acne scars?", [("skin_concern", "acne scars")]),
        ("I have vitiligo, can I have an appointment for microneedling?", [("treatment", "microneedling")]),
        ("My daughter has eczema, can she come in for a treatment?", [("skin_concern", "eczema")]),
        ("Is a consultation enough to tell if my melasma will respond?", [("skin_concern", "melasma")]),
        ("I've got a breakout on my cheek, should I reschedule my appointment?", [("skin_concern", "breakout")]),
        ("I need to cancel, my acne has flared up", [("skin_concern", "acne")]),  # a practicality with the skin in it
        ("I had my appointment 3 days ago, how much is a check-up?", ()),  # after a treatment: a reaction now
        ("I've got a cold sore, do I need to cancel my appointment?", [("symptom", "sore")]),
        ("What would you recommend for my acne and how much would it be?", [("skin_concern", "acne")]),
        ("my skin is so dry lately", [("skin_concern", "dry")]),  # nothing practical asked
    ],
)
def test_a_question_about_the_visitor_stays_medical(text, entities):
    msg = message(text, entities)
    assert read(msg) == "medical_question"
    assert msg.get("practical_question") is None


def test_an_urgent_or_red_flag_reading_is_never_moved():
    assert (
        read(message("how much is an appointment, my face is swelling up", intent="urgent_medical")) == "urgent_medical"
    )
    red_flag = {"original_intent": "ask_price", "reason": "red flag: pus"}
    assert read(message("how much is a consultation? there's pus", safety_net=red_flag)) == "medical_question"


def test_a_second_opinion_of_the_net_may_be_read_as_practical():
    second = {"original_intent": "ask_price", "reason": "medical_question confidence 0.40 >= 0.3"}
    assert read(message("I have rosacea, how much is a consultation?", safety_net=second)) == "ask_price"


def test_price_and_appointment_together_go_to_the_likelier_of_the_two():
    text = "I have acne scars, how much is a consultation and can you fit me in this week?"
    price_first = {"ask_price": 0.2, "book_consultation": 0.1}
    assert practical_reading(text, [{"entity": "skin_concern", "value": "acne scars"}], price_first) == "ask_price"
    booking_first = {"ask_price": 0.1, "book_consultation": 0.2}
    assert (
        practical_reading(text, [{"entity": "skin_concern", "value": "acne scars"}], booking_first)
        == "book_consultation"
    )
