"""Answers to "What's your name?" that are not a name are refused with a clear re-ask, on every form."""

from __future__ import annotations

import pytest
from action_harness import parse, rendered, say_text, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ValidateHandoffForm
from actions.registration import ValidateRegistrationForm
from actions.wording import invalid_input_reply
from clinic.errors import InvalidInput
from clinic.validation import extract_name, validate_name


def visitor_words(error: InvalidInput) -> str:
    """What the forms say for this error (domain.yml, chosen by actions/wording.py)."""
    response, variables = invalid_input_reply(error)
    return say_text(response, **variables)


NOT_NAMES = [
    "ok",
    "OK!",
    "okay 👍",
    "yes",
    "yes please",
    "no",
    "no thanks",
    "thanks",
    "thank you!",
    "sure",
    "hi",
    "hello there",
    "it's me",
    "lol idk",
    "sign me up",
    "count me in!",
    "book me in please",
    "I'd like to register",
]
QUESTIONS = [
    "why do you need my name?",
    "what for",
    "is that needed?",
    "is it free",
    "does it hurt",
    "should I bring ID",
]


@pytest.mark.parametrize("answer", NOT_NAMES)
def test_acknowledgements_are_not_names(answer):
    with pytest.raises(InvalidInput) as error:
        extract_name(answer)
    assert error.value.reason == "no_name" and "name" in visitor_words(error.value)


@pytest.mark.parametrize("answer", QUESTIONS)
def test_a_question_is_not_a_name(answer):
    with pytest.raises(InvalidInput) as error:
        extract_name(answer)
    assert error.value.reason == "question" and "stop" in visitor_words(error.value)


@pytest.mark.parametrize("answer", ["🙂", "👍👍"])
def test_emoji_alone_is_not_a_name(answer):
    with pytest.raises(InvalidInput) as error:
        extract_name(answer)
    assert error.value.reason == "no_letters"


def test_the_database_layer_refuses_them_too():
    """Tickets and registrations call validate_name again: "ok" can never be stored as a name."""
    with pytest.raises(InvalidInput):
        validate_name("ok")


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("ok, Jo", "Jo"),
        ("sure! Priya", "Priya"),
        ("yes it's Sam", "Sam"),
        ("ok my name is Jo Bloggs.", "Jo Bloggs"),
        ("thanks, Anne-Marie", "Anne-Marie"),
        # Names that are also English words stay names.
        ("Will", "Will"),
        ("Hope Smith", "Hope Smith"),
        ("Joy", "Joy"),
        ("Can", "Can"),
        ("Do Thi Lan", "Do Thi Lan"),
    ],
)
def test_names_after_an_acknowledgement_are_kept(answer, expected):
    assert extract_name(answer) == expected


def validate(action, value):
    dispatcher = CollectingDispatcher()
    result = action.validate_visitor_name(value, dispatcher, tracker(parse("affirm")), {})
    return result, " ".join(m.get("text") or "" for m in rendered(dispatcher.messages))


@pytest.mark.usefixtures("use_clinic_file")
@pytest.mark.parametrize("action", [ValidateHandoffForm(), ValidateRegistrationForm()], ids=["handoff", "registration"])
@pytest.mark.parametrize("answer", ["ok", "yes", "thanks", "🙂", "why do you need it?"])
def test_every_form_that_asks_a_name_re_asks(action, answer):
    result, said = validate(action, answer)
    assert result == {"visitor_name": None}
    assert said.strip()


@pytest.mark.parametrize(
    "answer, reason",
    [("my number is 07700 900123", "phone_number"), ("+44 7700 900123", "phone_number"), ("Sam 2", "digits")],
)
def test_a_number_typed_as_the_name_is_refused(answer, reason):
    with pytest.raises(InvalidInput) as error:
        extract_name(answer)
    assert error.value.reason == reason and "name" in visitor_words(error.value)
