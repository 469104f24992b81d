"""A follow-up naming only a subject ("what about swimming?") is read against the FAQ answer just
given: the parts of that answer about the subject are the reply (actions/follow_ups.py)."""

from __future__ import annotations

import pytest
from action_harness import action_event, joined, parse, run, say_text, user_event

from actions.fallback import ActionClarify
from actions.faq import ActionAnswerFaq
from actions.follow_ups import follow_up_subject, last_faq_answer, passages_about

AFTERCARE = say_text("utter_faq/aftercare")
DOWNTIME = say_text("utter_faq/downtime")


def answered(key: str, text: str, question: str = "what's the aftercare?"):
    """The events of a turn the FAQ answered: the visitor's question, then the answer as Rasa records it."""
    return [
        action_event("action_listen"),
        user_event(parse("faq", faq=[(key, 0.98)], text=question)),
        action_event("action_answer_faq"),
        {"event": "bot", "text": text, "metadata": {"utter_action": f"utter_faq/{key}"}},
    ]


@pytest.mark.parametrize(
    "text, subject",
    [
        ("what about swimming?", "swimming"),
        ("How about the gym??", "gym"),
        ("and makeup?", "makeup"),
        ("ok and saunas", "saunas"),
        ("swimming too?", "swimming"),
        ("and a wedding?", "wedding"),
    ],
)
def test_a_follow_up_names_its_subject(text, subject):
    assert follow_up_subject(text) == subject


@pytest.mark.parametrize(
    "text",
    [
        "what about it?",
        "and how long?",
        "what about my retinol?",  # about the visitor's own situation: not a subject of the answer
        "what about the cost",
        "can I go swimming after microneedling?",  # a question of its own
        "what about the swelling and the redness and the peeling after day three?",
    ],
)
def test_a_question_or_a_personal_matter_is_no_follow_up(text):
    assert follow_up_subject(text) is None


@pytest.mark.parametrize(
    "answer, subject, passage",
    [
        (AFTERCARE, "swimming", "Avoid exercise, saunas and swimming for a day or two."),
        (AFTERCARE, "gym", "Avoid exercise, saunas and swimming for a day or two."),
        (AFTERCARE, "makeup", "Skip make-up for about 24 hours."),
        (AFTERCARE, "exfoliating", "Pause active products (retinoids, acids, exfoliants) for a few days."),
        (AFTERCARE, "sun", "Avoid strong sun and wear a broad-spectrum SPF 30+."),
        (DOWNTIME, "work", "Most people go back to work the next day."),
    ],
)
def test_the_passage_about_the_subject_is_found_in_the_answer(answer, subject, passage):
    assert passages_about(answer, subject) == [passage]


def test_a_question_in_the_answer_comes_with_its_answer():
    passages = passages_about(DOWNTIME, "wedding")
    assert passages[0].startswith("Planning around a wedding") and passages[1].startswith("Leave at least a week")


def test_a_short_word_is_not_found_inside_another():
    assert passages_about(DOWNTIME, "sun") == []  # "sunburn" is not sun


def test_only_the_answer_to_the_previous_message_counts():
    earlier = answered("aftercare", AFTERCARE)
    since = [action_event("action_listen"), user_event(parse("ask_hours", text="when are you open?"))]
    latest = [action_event("action_listen"), user_event(parse("nlu_fallback", 0.4, text="what about swimming?"))]
    assert last_faq_answer(earlier + latest) == AFTERCARE
    assert last_faq_answer(earlier + since + latest) is None
    assert last_faq_answer(latest) is None


def weak(text):
    return parse("faq", 0.6, faq=[("microneedling_what", 0.35), ("aftercare", 0.3)], text=text)


@pytest.mark.parametrize("action", [ActionAnswerFaq(), ActionClarify()], ids=["faq", "clarify"])
def test_what_about_swimming_after_the_aftercare_gets_what_it_said_of_swimming(action):
    messages, _ = run(action, weak("what about swimming?"), events=answered("aftercare", AFTERCARE))
    assert [m.get("response") for m in messages] == ["utter_follow_up_from_last_answer"]
    assert (
        joined(messages)
        == "About swimming, from my answer above: Avoid exercise, saunas and swimming for a day or two."
    )


def test_a_confident_other_answer_gives_way_to_the_answer_just_given():
    """Named only a subject: "what is micro-needling?" was once the selector's sure choice for it."""
    latest = parse("faq", 0.9, faq=[("microneedling_what", 0.9)], text="what about the gym?")
    messages, _ = run(ActionAnswerFaq(), latest, events=answered("aftercare", AFTERCARE))
    assert "Avoid exercise" in joined(messages) and "Epidermal Collagen Therapy" not in joined(messages)


def test_a_subject_the_last_answer_does_not_mention_is_asked_again():
    messages, _ = run(ActionClarify(), weak("what about hair dye?"), events=answered("aftercare", AFTERCARE))
    assert "not sure I understood" in joined(messages)


def test_without_an_answer_just_before_it_is_asked_again():
    messages, _ = run(ActionClarify(), weak("what about swimming?"))
    assert "not sure I understood" in joined(messages)


def test_a_medical_reading_is_never_answered_from_the_last_answer():
    latest = parse("nlu_fallback", 0.4, ranking=[("medical_question", 0.4), ("faq", 0.3)], text="what about swimming?")
    messages, _ = run(ActionClarify(), latest, events=answered("aftercare", AFTERCARE))
    assert "from my answer above" not in joined(messages)


@pytest.mark.parametrize(
    "text, key, told",
    [
        ("what about the pain?", "microneedling_pain", "utter_faq/microneedling_pain"),
        ("and side effects?", "microneedling_safety", "utter_faq/microneedling_safety"),
        ("what about downtime?", "downtime", "utter_faq/downtime"),
    ],
)
def test_a_confident_answer_about_the_subject_named_is_given_whole(text, key, told):
    """The last answer may mention it in passing; the answer about it says more."""
    latest = parse("faq", 0.95, faq=[(key, 0.95)], text=text)
    last = "Keep the skin clean; pain, side effects and downtime are all small; follow the aftercare."
    messages, _ = run(ActionAnswerFaq(), latest, events=answered("aftercare", last))
    assert messages[0]["response"] == told
