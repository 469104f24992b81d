"""The forms' validation actions, in-process: clear re-asks, cleaned values, nothing crashes."""

from __future__ import annotations

import pytest
from action_harness import parse, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ValidateHandoffForm
from actions.registration import ValidateRegistrationForm, guest_count

pytestmark = pytest.mark.usefixtures("use_clinic_file")


def validate(action, slot, value, slots=None):
    dispatcher = CollectingDispatcher()
    result = getattr(action, f"validate_{slot}")(value, dispatcher, tracker(parse("inform"), slots=slots or {}), {})
    return result, " ".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("my name is Jo Bloggs.", "Jo Bloggs"),
        ("Priya", "Priya"),
        ("hi, I'm Tom", "Tom"),
        ("Zoë 🌸", "Zoë 🌸"),
        ("<b>Ann</b>", "Ann"),
    ],
)
def test_names_are_cleaned(answer, expected):
    result, said = validate(ValidateHandoffForm(), "visitor_name", answer)
    assert result == {"visitor_name": expected} and said == ""


@pytest.mark.parametrize("answer", ["x" * 300, "12345", "jo@example.com"])
def test_bad_names_are_re_asked(answer):
    result, said = validate(ValidateHandoffForm(), "visitor_name", answer)
    assert result == {"visitor_name": None} and said


def test_contact_email_or_phone_in_a_sentence():
    result, _ = validate(ValidateHandoffForm(), "visitor_contact", "sure, it's Jo.Bloggs@Example.com thanks")
    assert result == {"visitor_contact": "Jo.Bloggs@example.com", "visitor_email": "Jo.Bloggs@example.com"}
    result, _ = validate(ValidateHandoffForm(), "visitor_contact", "call me on 07700 900123")
    assert result == {"visitor_contact": "+447700900123", "visitor_phone": "+447700900123"}


@pytest.mark.parametrize("answer", ["jo@@example", "12", "call me maybe", "<script>x</script>"])
def test_invalid_contact_is_re_asked_with_a_way_out(answer):
    result, said = validate(ValidateHandoffForm(), "visitor_contact", answer)
    assert result == {"visitor_contact": None}
    assert "stop" in said


def test_a_cleared_slot_says_nothing():
    result, said = validate(ValidateHandoffForm(), "visitor_contact", None)
    assert result == {"visitor_contact": None} and said == ""


def test_registration_needs_an_email_not_a_phone():
    result, said = validate(ValidateRegistrationForm(), "visitor_email", "07700 900123")
    assert result == {"visitor_email": None} and "e-mail" in said


def test_guests_are_bounded_by_the_event():
    slots = {"registration_event": "acne-evening"}  # the test event allows 1 guest
    assert validate(ValidateRegistrationForm(), "guests", "just me", slots)[0] == {"guests": "0"}
    assert validate(ValidateRegistrationForm(), "guests", "1", slots)[0] == {"guests": "1"}
    result, said = validate(ValidateRegistrationForm(), "guests", "5 friends", slots)
    assert result == {"guests": None} and said


def test_guest_count_reads_words_and_numbers():
    assert [guest_count(t) for t in ["two friends", "none", "I'll bring 1", "on my own"]] == [2, 0, "1", 0]
