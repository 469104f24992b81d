""" "How much downtime?" is read as an FAQ question, not a price question, by a rule
(nlu_components/how_much_of_what.py); a real price question and a medical reading are never moved."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from trained_model import labels_from_trained_model

from nlu_components.how_much_of_what import HowMuchOfWhat, asks_how_much_of_something_else
from nlu_components.medical_safety_net import MedicalSafetyNet

HOW_MUCH_OF_SOMETHING_ELSE = [
    "How much downtime should I expect?",
    "how much down time is there",
    "HOW MUCH RECOVERY TIME DO I NEED",
    "how much time does the treatment take",
    "how much pain is involved?",
    "how much improvement will I see after one session",
]
ABOUT_MONEY = [
    "How much does microneedling cost?",
    "how much is a session",
    "how much for three sessions",
    "how much time and money will a course take",
    "how much downtime, and what's the price?",
    "how much would I pay for the recovery package",
    "how much is it in £",
]


def processed(text, intent="ask_price", confidence=0.74, answer_confidence=1.0, ranking_faq=0.25):
    m = Message(data={"text": text})
    m.set("intent", {"name": intent, "confidence": confidence})
    m.set("intent_ranking", [{"name": intent, "confidence": confidence}, {"name": "faq", "confidence": ranking_faq}])
    m.set(
        "response_selector",
        {"faq": {"response": {"intent_response_key": "faq/downtime", "confidence": answer_confidence}}},
    )
    HowMuchOfWhat.create(HowMuchOfWhat.get_default_config(), None, None, None).process([m])
    return m


@pytest.mark.parametrize("text", HOW_MUCH_OF_SOMETHING_ELSE)
def test_how_much_of_something_that_is_not_money_becomes_faq(text):
    assert asks_how_much_of_something_else(text)
    m = processed(text)
    assert m.get("intent") == {"name": "faq", "confidence": 0.25}  # what the classifiers gave faq
    assert m.get("how_much_of_what")["original_intent"] == "ask_price"


@pytest.mark.parametrize("text", ABOUT_MONEY)
def test_a_question_about_money_stays_a_price_question(text):
    assert not asks_how_much_of_something_else(text)
    assert processed(text).get("intent")["name"] == "ask_price"


def test_an_unsure_faq_answer_leaves_the_price_reading():
    """Without an FAQ answer the ResponseSelector is sure of, there is nothing better to give."""
    m = processed("how much downtime is there", answer_confidence=0.3)
    assert m.get("intent")["name"] == "ask_price" and m.get("how_much_of_what") is None


@pytest.mark.parametrize("intent", ["medical_question", "urgent_medical", "faq", "book_consultation"])
def test_only_a_price_reading_is_ever_moved(intent):
    m = processed("how much swelling is normal after my treatment", intent, 0.7)
    assert m.get("intent") == {"name": intent, "confidence": 0.7} and m.get("how_much_of_what") is None


def test_a_general_question_the_net_took_off_the_urgent_path_gets_its_faq_answer():
    """ "HOW MUCH SWELLING IS NORMAL?" read as urgent: the safety net finds it general and steps
    down to the intent ranked next, ask_price; the rule, after the net, makes it the FAQ question."""
    m = Message(data={"text": "HOW MUCH SWELLING IS NORMAL?"})
    m.set("intent", {"name": "urgent_medical", "confidence": 0.97})
    m.set("intent_ranking", [{"name": "urgent_medical", "confidence": 0.97}, {"name": "ask_price", "confidence": 0.03}])
    m.set("response_selector", {"faq": {"response": {"intent_response_key": "faq/downtime", "confidence": 0.9}}})
    MedicalSafetyNet(MedicalSafetyNet.get_default_config()).process([m])
    assert m.get("intent")["name"] == "ask_price"
    HowMuchOfWhat.create(HowMuchOfWhat.get_default_config(), None, None, None).process([m])
    assert m.get("intent")["name"] == "faq" and m.get("safety_net")["original_intent"] == "urgent_medical"


@pytest.mark.rasa
def test_the_trained_assistant_answers_how_much_downtime_with_the_downtime_answer():
    """On the model `make test` trains: config.yml runs the rule after the ResponseSelector and the net."""
    texts = {
        "How much downtime should I expect?": "faq/downtime",
        "how much recovery time do I need": "faq/downtime",
        "How much does microneedling cost?": "ask_price",
        # read as urgent; the net finds it general and the rule, after it, the FAQ question
        "HOW MUCH SWELLING IS NORMAL?": "faq/downtime",
    }

    assert labels_from_trained_model(texts) == texts
