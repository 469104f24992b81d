"""The NLU safety net only ever moves a message towards more caution."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.medical_safety_net import MedicalSafetyNet


def message(intent, ranking, entities=()):
    msg = Message(data={"text": "x"})
    msg.set("intent", {"name": intent, "confidence": dict(ranking).get(intent, 0.5)}, add_to_output=True)
    msg.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    msg.set("entities", [{"entity": e, "value": v} for e, v in entities], add_to_output=True)
    return msg


@pytest.fixture()
def net():
    return MedicalSafetyNet(MedicalSafetyNet.get_default_config())


def test_red_flag_makes_any_intent_urgent(net):
    msg = message("faq", [("faq", 0.99), ("urgent_medical", 0.01)], [("red_flag", "pus")])
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"
    assert msg.get("safety_net") == {"original_intent": "faq", "original_confidence": 0.99, "reason": "red flag: pus"}


def test_red_flag_upgrades_a_medical_question(net):
    msg = message("medical_question", [("medical_question", 0.8), ("urgent_medical", 0.2)], [("red_flag", "fever")])
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"


def test_warning_sign_alone_changes_nothing(net):
    msg = message("faq", [("faq", 0.9), ("medical_question", 0.1)], [("warning_sign", "swelling")])
    net.process([msg])
    assert msg.get("intent")["name"] == "faq" and msg.get("safety_net") is None


@pytest.mark.parametrize("top", ["faq", "nlu_fallback", "book_consultation"])
def test_strong_medical_second_opinion_wins(net, top):
    msg = message(top, [(top, 0.6), ("medical_question", 0.35), ("ask_price", 0.05)])
    net.process([msg])
    assert msg.get("intent") == {"name": "medical_question", "confidence": 0.35}


def test_weak_medical_second_opinion_is_ignored(net):
    msg = message("faq", [("faq", 0.8), ("medical_question", 0.2)])
    net.process([msg])
    assert msg.get("intent")["name"] == "faq"


def test_urgent_is_never_downgraded(net):
    msg = message("urgent_medical", [("urgent_medical", 0.5), ("medical_question", 0.5)])
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical" and msg.get("safety_net") is None
