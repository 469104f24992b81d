"""The NLU safety net moves a message towards more caution; a general question is never an emergency."""

from __future__ import annotations

import pytest
from parsed_messages import parsed_message

from nlu_components.medical_safety_net import MedicalSafetyNet


def message(intent, ranking, entities=(), text="x"):
    return parsed_message(text, intent, ranking, entities, confidence=dict(ranking).get(intent, 0.5))


@pytest.fixture()
def net():
    return MedicalSafetyNet(MedicalSafetyNet.get_default_config())


def test_red_flag_makes_any_intent_urgent(net):
    msg = message("faq", [("faq", 0.99), ("urgent_medical", 0.01)], [("red_flag", "pus")])
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"
    assert msg.get("safety_net") == {"original_intent": "faq", "original_confidence": 0.99, "reason": "red flag: pus"}


def test_a_sign_the_entity_ruler_named_is_not_also_given_as_another_languages_reading(net):
    """Staff read the reason: "anaphylaxis" in an English message is the English word, not a German
    and a French "anaphyla"; a message in German still says which language's sign was found."""
    msg = message("faq", [("faq", 0.9)], [("red_flag", "anaphylaxis")], text="I had anaphylaxis after my filler")
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"
    assert msg.get("safety_net")["reason"] == "red flag: anaphylaxis"

    german = message("faq", [("faq", 0.9)], text="Ich hatte nach dem Filler eine Anaphylaxie")
    net.process([german])
    assert german.get("intent")["name"] == "urgent_medical"
    assert "(de)" in german.get("safety_net")["reason"]


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


def test_medical_winner_with_a_strong_urgent_second_opinion_becomes_urgent(net):
    msg = message(
        "medical_question",
        [("medical_question", 0.62), ("urgent_medical", 0.33), ("faq", 0.05)],
        [("warning_sign", "swelling")],
    )
    net.process([msg])
    assert msg.get("intent") == {"name": "urgent_medical", "confidence": 0.33}
    assert msg.get("safety_net")["original_intent"] == "medical_question"
    assert msg.get("safety_net")["reason"] == "urgent_medical confidence 0.33 >= 0.3"


def test_medical_winner_with_a_weak_urgent_second_opinion_stays_medical(net):
    msg = message("medical_question", [("medical_question", 0.8), ("urgent_medical", 0.2)])
    net.process([msg])
    assert msg.get("intent")["name"] == "medical_question" and msg.get("safety_net") is None


def test_the_two_second_opinions_have_their_own_thresholds():
    """Separate settings: a clinic may let a medical winner turn urgent more readily than it
    lets a harmless winner turn medical."""
    net = MedicalSafetyNet(
        {
            **MedicalSafetyNet.get_default_config(),
            "second_opinion_threshold": 0.45,
            "urgent_second_opinion_threshold": 0.3,
        }
    )
    harmless = message("faq", [("faq", 0.6), ("medical_question", 0.4)])
    medical = message("medical_question", [("medical_question", 0.6), ("urgent_medical", 0.4)], [("body_area", "lip")])
    urgent_behind_harmless = message("faq", [("faq", 0.6), ("urgent_medical", 0.4)])
    net.process([harmless, medical, urgent_behind_harmless])
    assert harmless.get("intent")["name"] == "faq"
    assert medical.get("intent")["name"] == "urgent_medical"
    assert urgent_behind_harmless.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "intent, ranking, text",
    [
        ("event_register", [("event_register", 0.46), ("urgent_medical", 0.40)], "OMG I can't wait for the event!!!"),
        ("medical_question", [("medical_question", 0.6), ("urgent_medical", 0.35)], "my sister wants it, is she ok?"),
    ],
)
def test_an_urgent_second_opinion_on_a_message_naming_no_sign_is_ignored(net, intent, ranking, text):
    """Nothing can report a red flag without naming a sign or a part of the body."""
    msg = message(intent, ranking, text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == intent and msg.get("safety_net") is None


@pytest.mark.parametrize(
    "entities, text",
    [
        ([("symptom", "hot")], "my cheek is hot since yesterday"),
        ([("body_area", "eye")], "something is wrong with my eye"),
    ],
)
def test_an_urgent_second_opinion_on_a_message_naming_a_sign_stands(net, entities, text):
    msg = message("medical_question", [("medical_question", 0.6), ("urgent_medical", 0.35)], entities, text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"


def test_a_winning_urgent_reading_needs_no_sign(net):
    msg = message("urgent_medical", [("urgent_medical", 0.7), ("medical_question", 0.3)], text="I feel really unwell")
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"


def test_urgent_is_never_downgraded(net):
    msg = message("urgent_medical", [("urgent_medical", 0.5), ("medical_question", 0.5)])
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical" and msg.get("safety_net") is None


# Asked in general (a risk or prevention), nothing reported: the red flag alone does not make it urgent.
GENERAL = [
    "Can micro-needling cause an infection?",
    "does dermapen ever lead to cellulitis",
    "Is there any risk of an allergic reaction to the numbing cream?",
    "how would you avoid getting infected after a treatment like this",
    "What's the best way to prevent an infection afterwards?",
    "Should people get a peel if they have a temperature?",
    "How Common Is Scarring Or Infection After Microneedling?",
    "Has anyone ever had an allergic reaction to the numbing cream?",
    "Can microneedling spread staph?",
    "can you get staph from a derma roller?",
    # Causes, consequences, remedies, definitions and telling a sign apart (2026-12-06: six of 54
    # real general questions about treatments or acne were taken for reports).
    "What causes swelling to get worse after a peel?",
    "what happens if you get an infection after microneedling?",
    "how do you tell if a lash lift is infected?",
    "How to get rid of pus bumps?",
    "what does cellulitis mean?",
    "How long does an infection take to clear after a peel?",
    "When does the swelling go down after lip filler?",
    "When is swelling at its worst after filler?",
    # "what's" as well as "what is", and a heading or fragment that opens with the risk.
    "What's the risk of infection after microneedling?",
    "whats the chance of an allergic reaction to the serum",
    "Risk of anaphylaxis with the numbing cream?",
    "any chance of infection from a derma roller",
]
# The same signs reported, by the visitor or about someone, or with a time: always urgent.
REPORTED = [
    "Can micro-needling cause an infection? my cheek is hot and full of pus",
    "does dermapen ever lead to cellulitis? her face has been red and hot since Tuesday",
    "is it an infection?? the redness is spreading and I have a fever",
    "how do I stop the bleeding, it won't stop",
    "how can I prevent it getting worse, my lip is swollen and I can't breathe properly",
    "what if the redness is spreading",
    "Can someone have microneedling if they have a temperature of 39 right now?",
    "could a peel cause this? my skin went white and dusky 2 hours after",
    "has anyone had an allergic reaction like this? my lips are swelling",
    "is it normal for the swelling to be getting worse on day 3?",
    "Is It Normal To Have A Fever After Microneedling?",
    "can you get staph from microneedling? the GP thinks that's what I have",
    "what causes this? my lip is swelling up fast",
    "what happens if the pus doesn't stop coming out of my cheek?",
    "how do you tell if it's infected? it's hot and spreading",
    "how do I get rid of the pus, it keeps coming back",
    "what does it mean when her eye is swollen shut?",
    "risk of infection? my cheek is hot and full of pus",
    "what's the risk of scarring now that it's weeping yellow fluid?",
]


@pytest.mark.parametrize("text", GENERAL)
def test_a_red_flag_asked_about_in_general_is_left_to_the_classifier(net, text):
    msg = message("faq", [("faq", 0.9), ("urgent_medical", 0.05)], [("red_flag", "infection")], text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == "faq" and msg.get("safety_net") is None


@pytest.mark.parametrize("text", REPORTED)
def test_a_red_flag_reported_is_urgent_however_it_is_asked(net, text):
    msg = message("faq", [("faq", 0.9), ("urgent_medical", 0.05)], [("red_flag", "infection")], text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"


def test_a_general_question_still_gets_the_medical_second_opinion(net):
    ranking = [("faq", 0.55), ("medical_question", 0.35), ("urgent_medical", 0.1)]
    msg = message("faq", ranking, [("red_flag", "infection")], text="Can microneedling cause an infection?")
    net.process([msg])
    assert msg.get("intent")["name"] == "medical_question"


def test_a_general_question_gets_no_urgent_second_opinion(net):
    ranking = [("faq", 0.6), ("urgent_medical", 0.35)]
    msg = message("faq", ranking, [("red_flag", "infection")], text="Can microneedling cause an infection?")
    net.process([msg])
    assert msg.get("intent")["name"] == "faq" and msg.get("safety_net") is None


def urgent_reading(text):
    """The classifier sure of `urgent_medical`, `medical_question` below the second-opinion threshold."""
    return message(
        "urgent_medical", [("urgent_medical", 0.7), ("out_of_scope", 0.2), ("medical_question", 0.1)], text=text
    )


@pytest.mark.parametrize(
    "text",
    [
        "When does the swelling go down after lip filler?",
        "How long do lips stay swollen after filler?",
        "What happens if you pop a pimple with pus?",
        "Why do blisters occur after a laser treatment?",
        "HOW MUCH SWELLING IS NORMAL?",
        "how much swelling is too much after microneedling",
        "What amount of bleeding is normal?",
        "how much swelling should I expect after microneedling?",
    ],
)
def test_a_general_question_read_as_urgent_is_not_an_emergency(net, text):
    msg = urgent_reading(text)
    net.process([msg])
    assert msg.get("intent")["name"] == "out_of_scope"
    assert msg.get("safety_net")["original_intent"] == "urgent_medical"


def test_a_general_question_read_as_urgent_goes_to_a_professional_when_medical_is_likely(net):
    ranking = [("urgent_medical", 0.55), ("medical_question", 0.35), ("faq", 0.1)]
    msg = message("urgent_medical", ranking, text="How long does swelling last after microneedling?")
    net.process([msg])
    assert msg.get("intent")["name"] == "medical_question"


@pytest.mark.parametrize(
    "text",
    [
        "how long does the swelling last? my lips are huge",
        "when will the bleeding stop",
        "When does the swelling go down? it's day 3 and worse",
        "is it normal to have a fever after microneedling?",
        "My face is swollen, how much swelling is normal?",
        "how much swelling is normal? my lips are huge",
        "How much swelling is normal, it's day 4 and getting worse",
        "how much swelling should I expect, my lip is huge",
    ],
)
def test_an_urgent_reading_of_a_personal_or_timed_question_stands(net, text):
    msg = urgent_reading(text)
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical" and msg.get("safety_net") is None


def test_general_questions_can_be_left_to_the_classifier():
    net = MedicalSafetyNet({**MedicalSafetyNet.get_default_config(), "general_questions_not_urgent": False})
    msg = message("urgent_medical", [("urgent_medical", 0.7), ("out_of_scope", 0.3)], text="What causes swelling?")
    net.process([msg])
    assert msg.get("intent")["name"] == "urgent_medical"


LONG_YES = "Yes I've had it twice before but now I'm on roaccutane, is it still ok?"


@pytest.mark.parametrize("answer", ["affirm", "deny"])
def test_a_question_taken_for_a_bare_answer_goes_to_the_medical_intent_ranked_next(net, answer):
    msg = message(
        answer,
        [(answer, 0.7), ("deny" if answer == "affirm" else "affirm", 0.1), ("medical_question", 0.12), ("faq", 0.08)],
        text=LONG_YES,
    )
    net.process([msg])
    assert msg.get("intent") == {"name": "medical_question", "confidence": 0.12}
    assert msg.get("safety_net")["reason"] == f"a question, not a bare {answer}: medical_question ranked next"


STORY = (
    "It looked as if the filler had dropped and was dragging my lip down. I always felt like everyone was "
    "looking at it, the first thing people saw was my dropped lip."
)


def test_an_account_taken_for_stop_goes_to_the_medical_intent_ranked_next(net):
    msg = message("stop", [("stop", 0.5), ("affirm", 0.2), ("medical_question", 0.15), ("faq", 0.1)], text=STORY)
    net.process([msg])
    assert msg.get("intent") == {"name": "medical_question", "confidence": 0.15}
    assert msg.get("safety_net")["reason"] == "an account, not a bare stop: medical_question ranked next"


@pytest.mark.parametrize(
    "intent, text",
    [
        ("affirm", "yes please"),
        ("affirm", "Yes please, when will they call?"),  # accepting an offer with a short question stays a yes
        ("affirm", "yes that's absolutely fine with me, thank you so much for all of your help today"),  # no question
        ("stop", "stop"),
        ("stop", "I don't want to give my details anymore, please stop asking me"),
        ("stop", "no stop, I've changed my mind about all of this and I don't want anyone to contact me"),  # 18 words
    ],
)
def test_an_answer_or_command_stays_what_it_is(net, intent, text):
    msg = message(intent, [(intent, 0.7), ("medical_question", 0.12), ("faq", 0.08)], text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == intent and msg.get("safety_net") is None


@pytest.mark.parametrize("intent, text", [("affirm", LONG_YES), ("stop", STORY)])
def test_a_long_message_whose_next_intent_is_not_medical_is_left_alone(net, intent, text):
    msg = message(intent, [(intent, 0.6), ("book_consultation", 0.3), ("medical_question", 0.1)], text=text)
    net.process([msg])
    assert msg.get("intent")["name"] == intent and msg.get("safety_net") is None
