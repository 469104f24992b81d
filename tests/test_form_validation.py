"""The forms' validation actions, in-process: clear re-asks, cleaned values, nothing crashes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from action_harness import action_event, parse, rendered, slot_event, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ValidateHandoffForm
from actions.registration import ValidateRegistrationForm, guest_count

pytestmark = pytest.mark.usefixtures("use_clinic_file")


def validate(action, slot, value, slots=None):
    dispatcher = CollectingDispatcher()
    result = getattr(action, f"validate_{slot}")(value, dispatcher, tracker(parse("inform"), slots=slots or {}), {})
    return result, " ".join(m.get("text") or "" for m in rendered(dispatcher.messages))


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


# --- a form's question gets its answer (actions/visitor_details.py) ------------------------

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
KIM_AS_FAQ = parse("faq", 0.52, faq=[("microneedling_results", 0.08)], text="Kim")  # what a model said


def run_validator(action, latest, slots, after="action_listen"):
    """The form's validation action as Rasa's form calls it: the form's own run is the latest
    action (rasa.core.actions.forms.FormAction._temporary_tracker), ``after`` the one before it."""
    dispatcher = CollectingDispatcher()
    events = [slot_event(name, value) for name, value in slots.items()]
    current = tracker(latest, events=events, latest_action=action.form_name())
    if after != "action_listen":  # the form resumes after another action answered the message
        current.events.append(action_event(after))
    current.events.append(action_event(action.form_name()))
    events = asyncio.run(action.run(dispatcher, current, DOMAIN))
    said = " ".join(m.get("text") or "" for m in rendered(dispatcher.messages))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, said


@pytest.mark.parametrize(
    "action, slots",
    [
        (ValidateHandoffForm(), {"requested_slot": "visitor_name", "handoff_kind": "urgent"}),
        (ValidateRegistrationForm(), {"requested_slot": "visitor_name", "registration_event": "acne-evening"}),
    ],
    ids=["handoff", "registration"],
)
def test_a_name_taken_for_an_uncertain_question_is_still_the_name(action, slots):
    filled, said = run_validator(action, KIM_AS_FAQ, slots)
    assert filled["visitor_name"] == "Kim" and said == ""


@pytest.mark.parametrize(
    "latest, takes_the_turn",
    [
        (KIM_AS_FAQ, False),
        (parse("nlu_fallback", 0.45, text="Noor"), False),
        (parse("greet", 0.61, text="Ola"), False),
        (parse("human_handoff", 0.6, text="Dr Person"), False),
        (parse("faq", 0.95, faq=[("downtime", 0.2)], text="Lee Chan"), False),  # sure it's a question, not which
        (parse("faq", 0.99, faq=[("downtime", 0.97)], text="how long is the downtime?"), True),
        (parse("human_handoff", 0.88, text="can I talk to a real person"), True),
        (parse("ask_hours", 0.99, text="what are your opening hours"), True),
        (parse("medical_question", 0.55, text="I'm pregnant, is it ok?"), True),  # medical: always
        (parse("urgent_medical", 0.5, text="my lips are swelling"), True),  # a red flag: always
        (parse("stop", 0.6, text="cancel"), True),
        (parse("faq", 0.97, faq=[("microneedling_what", 0.93)], text="what do you mean?"), False),  # the form's
        (parse("human_handoff", 0.9, text="why do you need that?"), False),  # own question, asked about
    ],
)
def test_only_a_clear_change_of_subject_takes_the_turn_from_the_form(latest, takes_the_turn):
    filled, _ = run_validator(
        ValidateHandoffForm(), latest, {"requested_slot": "visitor_name", "handoff_kind": "human"}
    )
    assert ("visitor_name" not in filled) is takes_the_turn


def test_the_form_only_takes_the_answer_to_its_own_question_right_after_it():
    slots = {"requested_slot": "visitor_contact", "handoff_kind": "human", "visitor_name": "Kim"}
    filled, _ = run_validator(ValidateHandoffForm(), parse("inform", text="kim@example.com"), slots)
    assert filled.get("visitor_contact") == "kim@example.com" and "visitor_name" not in filled
    # Back in the form after another action answered a question: that question is no answer.
    filled, _ = run_validator(
        ValidateHandoffForm(), parse("faq", 0.99, text="does it hurt?"), slots, after="action_answer_faq"
    )
    assert "visitor_contact" not in filled


# --- the consent question takes a yes or a no (actions/handoff.py) -------------------------

CONSENT_ASKED = {"requested_slot": "contact_consent", "handoff_kind": "human", "visitor_contact": "jo@example.com"}


@pytest.mark.parametrize(
    "latest, consent",
    [
        (parse("affirm", 0.99, text="yes"), True),
        (parse("deny", 0.97, text="no"), False),
        (parse("greet", 0.7, text="ok sure"), True),  # a yes the NLU read as something else
        (parse("thank", 0.6, text="no problem, go ahead"), True),  # "no problem" means yes
        (parse("inform", 0.5, text="nope, rather not"), False),
    ],
)
def test_a_yes_or_a_no_answers_the_consent_question(latest, consent):
    filled, said = run_validator(ValidateHandoffForm(), latest, CONSENT_ASKED)
    assert filled["contact_consent"] is consent and said == ""


@pytest.mark.parametrize(
    "latest",
    [
        parse("greet", 0.62, text="weekday mornings"),
        parse("nlu_fallback", 0.4, text="hmm not sure"),
        parse("faq", 0.97, faq=[("microneedling_what", 0.93)], text="what do you mean?"),
    ],
)
def test_anything_else_at_the_consent_question_is_asked_again(latest):
    """A slot set (to nothing) keeps the form's turn: Rasa re-asks instead of greeting."""
    filled, said = run_validator(ValidateHandoffForm(), latest, CONSENT_ASKED)
    assert "contact_consent" in filled and filled["contact_consent"] is None
    assert said == "Sorry, I need a yes or a no to that one."


def test_a_clear_change_of_subject_at_the_consent_question_takes_the_turn():
    latest = parse("ask_hours", 0.99, text="what are your opening hours")
    filled, said = run_validator(ValidateHandoffForm(), latest, CONSENT_ASKED)
    assert "contact_consent" not in filled and said == ""
    # Resuming after that answer, the form asks again without a word about yes or no.
    filled, said = run_validator(ValidateHandoffForm(), latest, CONSENT_ASKED, after="action_clinic_hours")
    assert "contact_consent" not in filled and said == ""


# --- a "no" where only a detail answers ends the form (actions/visitor_details.py) ----------


@pytest.mark.parametrize(
    "latest",
    [
        parse("deny", 0.64, text="no I don't want to book"),
        parse("deny", 0.98, text="no thanks"),
        parse("nlu_fallback", 0.45, text="I don't want to give my name"),
        parse("deny", 0.9, text="nah, I'd rather not"),
        parse("inform", 0.5, text="actually I've changed my mind"),
    ],
)
@pytest.mark.parametrize("slot", ["visitor_name", "visitor_contact"])
def test_declining_to_give_a_detail_ends_the_hand_off_form_without_consent(latest, slot):
    slots = {
        "requested_slot": slot,
        "handoff_kind": "booking",
        "visitor_name": "Jo" if slot != "visitor_name" else None,
    }
    filled, said = run_validator(ValidateHandoffForm(), latest, slots)
    # The submit rule then runs: without consent it opens no ticket and says so (tests/test_handoffs_rest.py).
    assert filled == {"contact_consent": False, "requested_slot": None} and said == ""


def test_declining_ends_the_registration_form_with_a_way_to_reach_the_clinic():
    slots = {"requested_slot": "visitor_name", "registration_event": "acne-evening"}
    filled, said = run_validator(ValidateRegistrationForm(), parse("deny", 0.9, text="no thanks"), slots)
    assert filled == {"registration_event": None, "requested_slot": None}
    assert "stopped" in said and "+44 20 7946 0555" in said


@pytest.mark.parametrize(
    "latest, slot, slot_value",
    [
        (parse("deny", 0.6, text="no, it's Jo"), "visitor_name", "Jo"),
        (parse("inform", 0.9, text="no email, but 07700 900123"), "visitor_contact", "+447700900123"),
        (parse("deny", 0.8, text="Noah"), "visitor_name", "Noah"),
    ],
)
def test_a_no_that_gives_the_detail_answers_the_question(latest, slot, slot_value):
    slots = {"requested_slot": slot, "handoff_kind": "human", "visitor_name": None if slot == "visitor_name" else "Jo"}
    filled, _ = run_validator(ValidateHandoffForm(), latest, slots)
    assert filled[slot] == slot_value and filled["requested_slot"] is not None  # the form goes on


def test_a_red_flags_form_asks_on_after_a_no():
    """Its ticket is open and staff are alerted: "stop" leaves it, a "no" is re-asked."""
    slots = {"requested_slot": "visitor_name", "handoff_kind": "urgent"}
    filled, said = run_validator(ValidateHandoffForm(), parse("deny", 0.98, text="no thanks"), slots)
    assert filled["visitor_name"] is None and filled["requested_slot"] == "visitor_name" and "name" in said
