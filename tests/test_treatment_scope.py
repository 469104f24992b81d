"""A general question about a treatment the clinic does not offer gets the out-of-scope reply,
not the nearest micro-needling answer (nlu_components/treatment_scope.py)."""

from __future__ import annotations

import pytest
from parsed_messages import parsed_message
from trained_model import labels_from_trained_model

from clinic.treatments import other_treatment_named
from nlu_components.treatment_scope import TreatmentScope, names_other_treatment_only


def message(text, intent, ranking=(("faq", 0.6), ("out_of_scope", 0.3), ("medical_question", 0.1))):
    return parsed_message(text, intent, ranking)


def processed(text, intent="faq", **kwargs):
    m = message(text, intent, **kwargs)
    TreatmentScope.create({}, None, None, None).process([m])
    return m


OTHER_ONLY = [
    "Does dermaplaning make the hair grow back darker?",
    "HYDRAFACIAL VS MICRODERMABRASION - WHICH ONE IS BETTER",
    "how often should you get a hydrating facial",
    "How long does Botox last?",
    "what's the downtime after a TCA peel",
    "Lip fillers: how long until the swelling settles?",
    "is IPL good for redness",
]

CLINIC_TOPIC_TOO = [
    "microneedling vs hydrafacial, which should I pick?",
    "Can I have Botox the same week as micro-needling?",
    "Is a chemical peel or a laser better for acne scars?",
    "do peels help with spots",
    "Dermapen or laser for texture?",
    "what does ECIT do that a peel can't",
]


@pytest.mark.parametrize("text", OTHER_ONLY)
def test_an_faq_reading_of_another_treatment_becomes_out_of_scope(text):
    m = processed(text)
    assert m.get("intent") == {"name": "out_of_scope", "confidence": 0.3}
    assert m.get("treatment_scope")["original_intent"] == "faq"


@pytest.mark.parametrize("text", CLINIC_TOPIC_TOO)
def test_a_question_that_also_names_micro_needling_or_acne_keeps_its_faq_answer(text):
    assert not names_other_treatment_only(text)
    assert processed(text).get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "intent", ["medical_question", "urgent_medical", "nlu_fallback", "ask_price", "book_consultation"]
)
def test_only_an_faq_winner_is_moved(intent):
    """A personal question about Botox stays with a professional; a price or booking question
    about a peel is answered as one; a fallback stays a fallback."""
    text = "I had Botox two days ago and now my eyelid droops"
    m = processed(text, intent, ranking=((intent, 0.7), ("out_of_scope", 0.2)))
    assert m.get("intent")["name"] == intent and m.get("treatment_scope") is None


@pytest.mark.parametrize(
    "text", ["peeling skin after microneedling, normal?", "how long does the peeling last", "laserlike focus"]
)
def test_words_inside_other_words_are_not_treatments(text):
    assert not names_other_treatment_only(text)


@pytest.mark.parametrize(
    "text, named",
    [
        ("Do you do botox?", "Botox"),
        ("How long do Lip Fillers last?", "lip fillers"),
        ("what about chemical  peels?", "chemical peels"),
        ("HYDRAFACIAL VS MICRODERMABRASION", "HydraFacial"),
        ("is LED light therapy worth it", "LED light therapy"),
        ("how much is microneedling", None),
        ("peeling skin after microneedling, normal?", None),
    ],
)
def test_the_out_of_scope_reply_names_the_treatment_as_it_should_be_written(text, named):
    """actions/scope.py repeats the treatment the visitor asked about: brands as brands are
    written, anything else as typed, in lower case."""
    assert other_treatment_named(text) == named


def test_a_message_without_out_of_scope_in_its_ranking_gets_zero_confidence():
    m = processed("how long does botox last", ranking=(("faq", 0.9), ("ask_hours", 0.1)))
    assert m.get("intent") == {"name": "out_of_scope", "confidence": 0.0}


@pytest.mark.rasa
def test_the_trained_assistant_sends_other_treatments_out_of_scope_and_keeps_the_rest():
    """On the model `make test` trains: config.yml runs the component after the classifiers and
    before the safety net, so the reading reaches the dialogue."""
    texts = {
        "Does dermaplaning make hair grow back thicker?": "out_of_scope",
        "Hydrafacial vs microdermabrasion which is better for dull skin": "out_of_scope",
        "microneedling vs hydrafacial which is better": "faq/compare_treatments",
        "my lip has been swelling up more and more since the filler yesterday": "urgent_medical",
    }

    assert labels_from_trained_model(texts) == texts
