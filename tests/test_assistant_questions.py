"""Questions about the assistant itself are read as `bot_challenge` by a rule
(nlu_components/assistant_questions.py), never a medical question and never a look-alike."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from trained_model import labels_from_trained_model

from nlu_components.assistant_questions import AssistantQuestions, is_assistant_question

ABOUT_THE_ASSISTANT = [
    "who are you?",
    "Who Are You",
    "hi, what can you do?",
    "WHAT CAN YOU DO",
    "what can u help with",
    "what can you help me with please",
    "what do you do here?",
    "how can you help me?",
    "what can I ask you?",
    "what kind of questions can you answer?",
    "what is this chat for?",
    "who am I chatting with?",
    "hello there, who is this?",
    "how does this chat work?",
]
LOOK_ALIKES = [
    "what can you do for acne?",
    "who are you recommending for microneedling",
    "what are you doing about my ticket",
    "what is microneedling",
    "what do you do for acne scars",
    "how can you help my acne",
    "who is a good candidate?",
    "what are the side effects",
]


def processed(text, intent="faq", confidence=0.6):
    m = Message(data={"text": text})
    m.set("intent", {"name": intent, "confidence": confidence})
    m.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    AssistantQuestions.create({}, None, None, None).process([m])
    return m


@pytest.mark.parametrize("text", ABOUT_THE_ASSISTANT)
def test_a_question_about_the_assistant_becomes_bot_challenge(text):
    m = processed(text, "faq", 0.52)
    assert m.get("intent") == {"name": "bot_challenge", "confidence": 1.0}
    assert m.get("assistant_question")["original_intent"] == "faq"


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_question_that_only_starts_like_one_is_left_to_the_classifier(text):
    assert not is_assistant_question(text)
    assert processed(text).get("intent")["name"] == "faq"


@pytest.mark.parametrize("intent", ["medical_question", "urgent_medical"])
def test_a_medical_reading_is_never_moved(intent):
    m = processed("who are you?", intent, 0.7)
    assert m.get("intent")["name"] == intent and m.get("assistant_question") is None


@pytest.mark.rasa
def test_the_trained_assistant_reads_them_as_bot_challenge():
    """On the model `make test` trains: config.yml runs the rule after the FallbackClassifier (a
    fallback reading is moved too) and before the safety net."""
    texts = {"who are you?": "bot_challenge", "what can you do?": "bot_challenge", "is microneedling safe?": "faq"}
    assert {text: label.split("/")[0] for text, label in labels_from_trained_model(texts).items()} == texts
