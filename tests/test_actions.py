"""Every custom action, run in-process with rasa-sdk's dispatcher and tracker and the test clinic file."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from action_harness import action_event, joined, parse, payloads, run, run_async, slot, slot_event, user_event
from clinic_fixture import clinic_data

from actions.clinic_info import ActionClinicContact, ActionClinicHours, ActionClinicLocation, ActionPriceInfo
from actions.conversation import ActionGreet, ActionInform
from actions.events import ActionEventInfo
from actions.fallback import ActionClarify
from actions.faq import ActionAnswerFaq
from actions.medical import ActionMedicalReply
from actions.offers import ActionAffirm, ActionDeny, Offer
from actions.scope import ActionOutOfScope

pytestmark = pytest.mark.usefixtures("use_clinic_file")


def rewrite_clinic(path, **overrides):
    from actions import clinic_context

    path.write_text(yaml.safe_dump(clinic_data(**overrides)))
    clinic_context.reset_for_tests()


def test_greet_names_the_clinic_and_offers_next_steps():
    messages, _ = run(ActionGreet(), parse("greet"))
    assert "Test Glow Clinic" in joined(messages)
    assert "/book_consultation" in payloads(messages)


def test_hours_location_contact():
    hours, _ = run(ActionClinicHours(), parse("ask_hours"))
    assert "Mon-Fri: 09:00–17:00" in joined(hours) and "Sun: closed" in joined(hours)
    location, _ = run(ActionClinicLocation(), parse("ask_location"))
    assert "1 Test Road, London" in joined(location) and "Opposite the park." in joined(location)
    contact, _ = run(ActionClinicContact(), parse("ask_contact"))
    text = joined(contact)
    assert "+44 20 7946 0555" in text and "desk@testclinic.example" in text and "@testglow" in text


@pytest.mark.parametrize("text", ["how much does microneedling cost?", "can I cancel and get a refund on a package?"])
def test_a_price_question_is_not_taken_for_a_clinic_question(text):
    messages, _ = run(ActionPriceInfo(), parse("ask_price", text=text))
    assert "price list" in joined(messages) and "cancellation policy" not in joined(messages)


@pytest.mark.parametrize("first", ["medical_question", "nlu_fallback"])
def test_the_hand_off_kind_follows_the_intent_the_nlu_settled_on_not_the_top_of_its_ranking(first):
    """A pipeline rule (a practical question, a booking question given up on) changes the intent and
    leaves the classifiers' ranking as it was."""
    from actions.handoff import ActionPrepareHandoff

    latest = parse(
        "book_consultation", 0.01, ranking=[(first, 0.98), ("book_consultation", 0.01)], text="I'd like to book in"
    )
    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), latest))
    assert slot(events, "handoff_kind") == ["booking"]
    assert messages[0]["response"].startswith("utter_handoff_intro_booking")


def test_changing_an_appointment_is_passed_to_the_team_when_asked_and_told_how_when_not_understood():
    from actions.faq import ActionAnswerFaq
    from actions.handoff import ActionPrepareHandoff

    text = "can I move my appointment to Friday?"
    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), parse("book_consultation", text=text)))
    assert messages[0]["response"] == "utter_handoff_intro_appointment_change" and slot(events, "handoff_kind")
    weak = parse("faq", 0.6, faq=[("aftercare", 0.3)], text=text)
    messages, _ = run(ActionAnswerFaq(), weak)
    assert [m["response"] for m in messages] == ["utter_cancellation_ask"]
    assert "To change or cancel an appointment, or if you're running late, call" in joined(messages)


@pytest.mark.parametrize(
    "text",
    [
        "Is it too late to treat my scars?",
        "will it be too late for my wedding",
        "I'm late to the party on microneedling, is it worth it?",
        "how late are you open?",
        "can I cancel my booking for the acne evening?",  # an event registration, not an appointment
    ],
)
def test_late_or_cancel_in_another_sense_is_no_question_about_appointments(text):
    from actions.clinic_questions import clinic_question_in

    question = clinic_question_in(text)
    assert question is None or question.note_field != "cancellation_note"


def test_prices_are_never_invented(use_clinic_file):
    messages, _ = run(ActionPriceInfo(), parse("ask_price"))
    text = joined(messages)
    assert "doesn't publish a price list" in text and "£" not in text
    rewrite_clinic(use_clinic_file, prices=[{"treatment": "Micro-needling", "price": 180, "currency": "GBP"}])
    messages, _ = run(ActionPriceInfo(), parse("ask_price"))
    assert "Micro-needling: £180" in joined(messages)


def test_event_info_shows_only_upcoming_events_and_offers_registration():
    messages, events = run(ActionEventInfo(), parse("event_info"))
    text = joined(messages)
    assert "Acne Evening" in text and "Past Acne Talk" not in text
    assert "The clinic lounge" in text and "free" in text
    assert payloads(messages) == ['/event_register{"event_id": "acne-evening"}', "/deny"]
    assert slot(events, "pending_offer") == [Offer.EVENT_REGISTER]


def test_no_upcoming_event_says_so_and_offers_to_keep_posted(use_clinic_file):
    past_only = clinic_data()["events"][:1]
    rewrite_clinic(use_clinic_file, events=past_only)
    messages, events = run(ActionEventInfo(), parse("event_info"))
    assert "no upcoming events" in joined(messages)
    assert "Past Acne Talk" not in joined(messages)
    assert slot(events, "pending_offer") == [Offer.EVENT_UPDATES]


def test_medical_reply_is_empathetic_refers_and_offers_follow_up():
    messages, events = run(ActionMedicalReply(), parse("medical_question"))
    text = joined(messages)
    assert "licensed professional" in text and "can't give personal medical advice" in text
    assert payloads(messages) == ["/affirm", "/deny"]
    assert slot(events, "pending_offer") == [Offer.MEDICAL_FOLLOWUP]


def test_medical_reply_with_a_red_flag_word_puts_safety_first():
    latest = parse("medical_question", entities=[{"entity": "red_flag", "value": "swelling"}])
    messages, _ = run(ActionMedicalReply(), latest)
    assert "+44 20 7946 0911" in messages[0]["text"]


OFFERED_BY = {
    Offer.MEDICAL_FOLLOWUP: ("action_medical_reply", "I'm on roaccutane, can I have micro-needling?"),
    Offer.HUMAN: ("action_clarify", "blorp fnargle"),
    Offer.EVENT_REGISTER: ("action_event_info", "what events are coming up?"),
    Offer.EVENT_UPDATES: ("action_event_info", "any events?"),
}


def offered(offer, *then):
    """A history: the visitor's message, the action that made ``offer``, then the messages ``then``."""
    action, question = OFFERED_BY[offer]
    events = [
        user_event(parse("medical_question", text=question)),
        action_event(action),
        slot_event("pending_offer", offer),
    ]
    for text in then:
        events += [
            action_event("action_listen"),
            user_event(parse("faq", text=text)),
            action_event("action_answer_faq"),
        ]
    return events


def active_loop(events):
    return [e["name"] for e in events if e.get("event") == "active_loop"]


@pytest.mark.parametrize(
    "offer, expected, form",
    [
        (Offer.MEDICAL_FOLLOWUP, "one of the clinic's licensed professionals", "handoff_form"),
        (Offer.HUMAN, "a member of the clinic's team", "handoff_form"),
        (Offer.EVENT_REGISTER, "Let's get you registered for Acne Evening", "registration_form"),
        (Offer.EVENT_UPDATES, "@testglow", None),
        (None, "What would you like to know?", None),
    ],
)
def test_yes_answers_the_pending_offer(offer, expected, form):
    history = offered(offer) if offer else []
    messages, events = run(ActionAffirm(), parse("affirm", text="yes"), events=history)
    assert expected in joined(messages)
    assert slot(events, "pending_offer") == [None]
    assert active_loop(events) == ([form] if form else [])


def test_yes_to_a_professional_after_another_question_still_starts_the_hand_off_for_that_question():
    history = offered(Offer.MEDICAL_FOLLOWUP, "how long is the downtime?")
    messages, events = run(ActionAffirm(), parse("affirm", text="yes please"), events=history)
    assert "licensed professionals" in joined(messages) and active_loop(events) == ["handoff_form"]
    assert slot(events, "handoff_kind") == ["medical"]
    assert slot(events, "handoff_message") == ["I'm on roaccutane, can I have micro-needling?"]


def test_an_offer_lapses_after_three_other_messages():
    history = offered(Offer.MEDICAL_FOLLOWUP, "how long is the downtime?", "does it hurt?", "where are you?")
    messages, events = run(ActionAffirm(), parse("affirm"), events=history)
    assert "What would you like to know?" in joined(messages) and active_loop(events) == []
    messages, _ = run(ActionDeny(), parse("deny"), events=history)
    assert joined(messages).startswith("No problem.")


def test_an_offer_lapses_when_a_form_or_a_new_session_came_after_it():
    after_a_form = offered(Offer.HUMAN) + [{"event": "active_loop", "name": None}]
    messages, _ = run(ActionAffirm(), parse("affirm"), events=after_a_form)
    assert "What would you like to know?" in joined(messages)
    # Rasa copies the slots into a new session: the copy is not a new offer.
    carried = offered(Offer.HUMAN) + [
        action_event("action_session_start"),
        {"event": "session_started"},
        slot_event("pending_offer", Offer.HUMAN),
    ]
    messages, _ = run(ActionAffirm(), parse("affirm"), events=carried)
    assert "What would you like to know?" in joined(messages)


def test_the_latest_offer_is_the_one_answered():
    history = offered(Offer.MEDICAL_FOLLOWUP) + [
        action_event("action_listen"),
        user_event(parse("event_info")),
        action_event("action_event_info"),
        slot_event("pending_offer", Offer.EVENT_REGISTER),
    ]
    _, events = run(ActionAffirm(), parse("affirm"), events=history)
    assert active_loop(events) == ["registration_form"]


def test_no_to_a_professional_still_says_how_to_reach_the_clinic():
    messages, events = run(ActionDeny(), parse("deny"), events=offered(Offer.MEDICAL_FOLLOWUP))
    assert "+44 20 7946 0555" in joined(messages)
    assert slot(events, "pending_offer") == [None]
    messages, _ = run(ActionDeny(), parse("deny"))
    assert joined(messages).startswith("No problem.")


def test_inform_without_a_question_gets_a_reply():
    messages, _ = run(ActionInform(), parse("inform"))
    assert joined(messages)


def test_confident_faq_answer_is_given():
    messages, _ = run(ActionAnswerFaq(), parse("faq", faq=[("downtime", 0.93), ("aftercare", 0.05)]))
    assert [m["response"] for m in messages] == ["utter_faq/downtime"]
    assert payloads(messages) == ['/faq{"faq_key": "aftercare"}', "/book_consultation"]


def test_every_faq_answer_offers_next_steps():
    from actions.topics import next_steps
    from clinic.intents import FAQ_KEYS

    for key in FAQ_KEYS:
        buttons = next_steps(key)
        assert 2 <= len(buttons) <= 3, key
        assert all(button["title"] and button["payload"].startswith("/") for button in buttons)


def test_faq_button_payload_answers_exactly_that_question():
    latest = parse("faq", faq=[("acne_causes", 0.2)], entities=[{"entity": "faq_key", "value": "aftercare"}])
    messages, _ = run(ActionAnswerFaq(), latest)
    assert messages[0]["response"] == "utter_faq/aftercare"


def test_weak_faq_match_asks_with_the_two_likeliest_answers():
    latest = parse("faq", 0.9, faq=[("downtime", 0.41), ("aftercare", 0.38), ("acne_causes", 0.1)])
    messages, _ = run(ActionAnswerFaq(), latest)
    assert "not sure I understood" in joined(messages)
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Downtime and recovery", "Aftercare"]


@pytest.mark.parametrize(
    "text, topic, note",
    [
        ("what's the youngest age you treat?", "age", "age_note"),
        ("am I too old for microneedling at 67", "age", "age_note"),
        ("are your practitioners qualified?", "practitioners", "practitioners_note"),
        ("who does the treatment?", "practitioners", "practitioners_note"),
        ("is it done by a doctor or a nurse?", "practitioners", "practitioners_note"),
        ("can I buy a gift card for my mum", "gift_voucher", "gift_voucher_note"),
        ("is there a cancellation fee?", "cancellation", "cancellation_note"),
        ("what's your no-show policy", "cancellation", "cancellation_note"),
        ("what should I do before my microneedling appointment?", "preparation", "preparation_note"),
        ("can I wear makeup to my appointment", "preparation", "preparation_note"),
        ("how should I prep my skin for microneedling", "preparation", "preparation_note"),
        ("do i need to bring anything to my appointment", "preparation", "preparation_note"),
        ("do you take walk-ins?", "first_visit", "first_visit_note"),
        ("Is a consultation required before microneedling?", "first_visit", "first_visit_note"),
        ("how long is the consultation", "first_visit", "first_visit_note"),
    ],
)
def test_a_question_about_the_clinic_no_faq_answer_covers_gets_its_note(use_clinic_file, text, topic, note):
    """Whatever the NLU made of it (an unrelated answer, a weak match, out of scope), short of medical."""
    readings = [
        (ActionAnswerFaq(), parse("faq", faq=[("aftercare", 0.78)], text=text)),
        (ActionAnswerFaq(), parse("faq", faq=[("acne_treatments", 0.13)], text=text)),
        (
            ActionClarify(),
            parse("nlu_fallback", 0.45, ranking=[("nlu_fallback", 0.45), ("human_handoff", 0.38)], text=text),
        ),
        (ActionOutOfScope(), parse("out_of_scope", 0.98, text=text)),
        (ActionPriceInfo(), parse("ask_price", 0.96, text=text)),
    ]
    for action, latest in readings:
        messages, _ = run(action, latest)
        assert [m["response"] for m in messages] == [f"utter_{topic}_ask"], action.name()
        assert "+44 20 7946 0555" in joined(messages)
    rewrite_clinic(use_clinic_file, **{note: "The clinic's own words."})
    for action, latest in readings:
        messages, _ = run(action, latest)
        assert [m["response"] for m in messages] == [f"utter_{topic}_note"], action.name()
        assert joined(messages).startswith("The clinic's own words.")


@pytest.mark.parametrize(
    "text", ["what treatments do you offer?", "What Services Do You Provide?", "what do you offer then?"]
)
def test_what_the_clinic_offers_is_its_treatments_list(use_clinic_file, text):
    latest = parse("faq", faq=[("acne_treatments", 0.97)], text=text)
    messages, _ = run(ActionAnswerFaq(), latest)
    assert [m["response"] for m in messages] == ["utter_services_ask"] and "+44 20 7946 0555" in joined(messages)
    rewrite_clinic(use_clinic_file, clinic={**clinic_data()["clinic"], "treatments": ["micro-needling", "peels"]})
    messages, _ = run(ActionAnswerFaq(), latest)
    assert [m["response"] for m in messages] == ["utter_services_note"]
    assert joined(messages).startswith("Test Glow Clinic offers micro-needling and peels.")


def test_a_question_about_treatments_for_a_concern_keeps_its_answer():
    latest = parse("faq", faq=[("acne_scars", 0.97)], text="what treatments do you offer for acne scars?")
    messages, _ = run(ActionAnswerFaq(), latest)
    assert [m["response"] for m in messages] == ["utter_faq/acne_scars"]


@pytest.mark.parametrize(
    "text",
    [
        "does it help with signs of ageing?",
        "should I ask my doctor before microneedling?",
        "what does the team recommend for aftercare",
        "how long does the treatment take?",
        "what causes teenage acne?",
        "can microneedling help a 10 year old scar?",
        "are there any minor side effects?",
        "who does microneedling work for?",
        "who would benefit from it most?",
        "who is it suitable for",
        "what should I do after microneedling",
        "my skin was fine before the treatment and now it's flaky",
        "how long before I see results",
        "do I need to bring anything to the acne event?",
        "can I bring my own serum to use afterwards?",
    ],
)
def test_look_alikes_keep_their_faq_answer(text):
    messages, _ = run(ActionAnswerFaq(), parse("faq", faq=[("aftercare", 0.9)], text=text))
    assert [m["response"] for m in messages] == ["utter_faq/aftercare"]


def test_a_medical_reading_is_never_answered_with_a_clinic_note():
    latest = parse(
        "nlu_fallback",
        0.4,
        ranking=[("nlu_fallback", 0.45), ("medical_question", 0.4)],
        text="my 15 year old has cystic acne",
    )
    messages, _ = run(ActionClarify(), latest)
    assert "utter_age_ask" not in [m["response"] for m in messages]


def test_a_button_answers_exactly_its_question_even_with_an_age_in_it():
    latest = parse(
        "faq",
        faq=[("acne_causes", 0.2)],
        entities=[{"entity": "faq_key", "value": "skin_type_suitability"}],
        text="who is a good candidate, what age",
    )
    messages, _ = run(ActionAnswerFaq(), latest)
    assert [m["response"] for m in messages] == ["utter_faq/skin_type_suitability"]


def test_fallback_offers_two_topics_then_a_person():
    miss = parse("nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.45), ("ask_hours", 0.3), ("ask_location", 0.25)])
    messages, _ = run(ActionClarify(), miss)
    assert payloads(messages) == ["/ask_hours", "/ask_location"]
    messages, events = run(ActionClarify(), miss, previous=[miss])
    assert "talk to a person" in joined(messages)
    assert "/human_handoff" in payloads(messages)
    assert slot(events, "pending_offer") == [Offer.HUMAN]


def test_a_miss_after_an_understood_message_starts_over():
    miss = parse("nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.45), ("ask_hours", 0.3)])
    messages, _ = run(ActionClarify(), miss, previous=[miss, parse("greet")])
    assert "talk to a person" not in joined(messages)


@pytest.mark.parametrize("text", ["cool", "Got it, thanks!", "ok great", "good to know", "I see"])
def test_a_bare_acknowledgement_is_acknowledged_not_asked_to_rephrase(text):
    unsure = parse("nlu_fallback", 0.45, ranking=[("nlu_fallback", 0.45), ("out_of_scope", 0.18)], text=text)
    messages, events = run(ActionClarify(), unsure)
    assert [m["response"] for m in messages] == ["utter_yes_without_offer"]
    assert "/book_consultation" in payloads(messages)
    assert slot(events, "pending_offer") == [None]  # nothing is on the table
    # ... and it is no miss: a miss after it is a first miss, not a reason to offer a person.
    miss = parse("nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.45), ("ask_hours", 0.3)], text="blorp")
    messages, _ = run(ActionClarify(), miss, previous=[miss, unsure])
    assert "talk to a person" not in joined(messages)


@pytest.mark.parametrize("text", ["hmm", "Umm...", "?", "lol", "hahaha"])
@pytest.mark.parametrize(
    "action, reading",
    [
        (ActionClarify(), ("nlu_fallback", 0.45, [("nlu_fallback", 0.45), ("affirm", 0.12)])),
        (ActionOutOfScope(), ("out_of_scope", 0.59, [("out_of_scope", 0.59), ("affirm", 0.05)])),
    ],
)
def test_a_filler_gets_the_main_topics_and_is_no_miss(text, action, reading):
    intent, confidence, ranking = reading
    filler = parse(intent, confidence, ranking=ranking, text=text)
    messages, events = run(action, filler, slots={"pending_offer": Offer.HUMAN})
    assert [m["response"] for m in messages] == ["utter_filler"] and "/book_consultation" in payloads(messages)
    assert events == []  # an offer still open stays open
    miss = parse("nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.45), ("ask_hours", 0.3)], text="blorp")
    messages, _ = run(ActionClarify(), miss, previous=[miss, filler])
    assert "talk to a person" not in joined(messages)


@pytest.mark.parametrize("text", ["cool, how long is the downtime?", "not great", "great scars question"])
def test_an_acknowledgement_with_more_in_it_is_still_asked_about(text):
    unsure = parse("nlu_fallback", 0.45, ranking=[("nlu_fallback", 0.45), ("ask_hours", 0.3)], text=text)
    messages, _ = run(ActionClarify(), unsure)
    assert [m["response"] for m in messages] == ["utter_clarify"]


def test_fallback_with_urgent_among_likeliest_gives_safety_line_first():
    miss = parse(
        "nlu_fallback",
        0.3,
        ranking=[("nlu_fallback", 0.45), ("urgent_medical", 0.35), ("faq", 0.3)],
        faq=[("downtime", 0.8)],
        entities=[{"entity": "warning_sign", "value": "swelling"}],
        text="the swelling is weird",
    )
    messages, _ = run(ActionClarify(), miss)
    assert "+44 20 7946 0911" in messages[0]["text"]
    assert "/urgent_medical" in payloads(messages)


def test_fallback_with_urgent_among_likeliest_but_no_sign_named_gives_no_safety_line():
    """ "OMG I can't wait for the event!!!" (urgent_medical 0.40): nothing in it can be a red flag."""
    miss = parse(
        "nlu_fallback",
        0.45,
        ranking=[("nlu_fallback", 0.45), ("event_register", 0.46), ("urgent_medical", 0.40)],
        text="OMG I can't wait for the event!!!",
    )
    messages, _ = run(ActionClarify(), miss)
    assert [m["response"] for m in messages] == ["utter_clarify"]
    assert "/urgent_medical" not in payloads(messages) and "+44 20 7946 0911" not in joined(messages)


def test_fallback_with_medical_among_likeliest_offers_a_professional():
    miss = parse(
        "nlu_fallback",
        0.3,
        ranking=[("nlu_fallback", 0.45), ("faq", 0.4), ("medical_question", 0.3)],
        faq=[("downtime", 0.9), ("aftercare", 0.05)],
    )
    messages, _ = run(ActionClarify(), miss)
    assert "/medical_question" in payloads(messages)


@pytest.fixture()
def broken_database(tmp_path, monkeypatch):
    """A clinic database that is not there (never migrated): every write fails."""
    from clinic.db import reset_default_database

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'clinic.db'}")
    reset_default_database()
    yield
    reset_default_database()


def test_a_database_failure_gets_a_polite_reply_with_the_phone_number(broken_database):
    import asyncio

    from actions.handoff import ActionSubmitHandoff
    from actions.medical import ActionUrgentSafety

    slots = {
        "handoff_kind": "medical",
        "visitor_name": "Jo",
        "visitor_email": "jo@example.com",
        "visitor_contact": "jo@example.com",
        "contact_consent": True,
    }
    dispatcher_messages, _ = asyncio.run(run_async(ActionSubmitHandoff(), parse("affirm"), slots=slots))
    text = joined(dispatcher_messages)
    assert "couldn't save that" in text and "+44 20 7946 0555" in text and "Traceback" not in text
    urgent, _ = asyncio.run(run_async(ActionUrgentSafety(), parse("urgent_medical")))
    assert "999" in urgent[0]["text"]  # the safety message still comes first
    assert "+44 20 7946 0911" in joined(urgent[1:])  # and the urgent line when the ticket failed


@pytest.mark.parametrize(
    "text, existing",
    [
        ("can I cancel my appointment?", True),
        ("How do I change my booking to Friday", True),
        ("can I move tomorrow's appointment to next week", True),
        ("I'm going to be 10 minutes late", True),
        ("what is your cancellation policy?", False),
        ("I booked a consultation yesterday but haven't heard back", True),
        ("I already booked, can I bring my sister?", True),
        ("any update on my booking? BKG-7Q2M", True),
        ("I've never had a facial, can I book one?", False),  # a question: actions/clinic_questions.py answers it
        ("I'd like to book a consultation", False),
        ("can I book for my daughter? she's 16", False),
        ("I'd like to book a consultation to change my skin", False),
        ("do you have any late evening slots", False),
    ],
)
def test_a_change_to_an_existing_appointment_is_told_from_a_new_booking(text, existing):
    """actions/handoff.py: a change or cancellation goes to the team, a new booking to the booking form."""
    from actions.handoff import about_an_existing_appointment

    assert about_an_existing_appointment(text) is existing


@pytest.mark.parametrize(
    "intent, text, first",
    [
        ("book_consultation", "I'd like to book, is it done by a doctor?", "utter_practitioners_ask"),
        ("book_consultation", "can my 16 year old book a consultation", "utter_age_ask"),
        ("human_handoff", "I'd like to speak to someone about gift vouchers", "utter_gift_voucher_ask"),
        ("book_consultation", "I'd like to book a consultation", "utter_handoff_intro_booking"),
    ],
)
def test_a_booking_or_person_request_that_asks_about_the_clinic_is_answered_first(intent, text, first):
    from actions.handoff import ActionPrepareHandoff

    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), parse(intent, text=text)))
    assert messages[0]["response"] == first and messages[0]["buttons"] == []  # the form follows
    assert messages[-1]["response"].startswith("utter_handoff_intro_")
    assert slot(events, "handoff_kind")


@pytest.mark.parametrize(
    "intent, text, answer",
    [
        ("book_consultation", "is it done by a doctor?", "utter_practitioners_ask"),
        ("book_consultation", "what's the cancellation policy", "utter_cancellation_ask"),
        ("book_consultation", "Is it a problem if I'm 10 minutes late for my appointment?", "utter_cancellation_ask"),
        ("human_handoff", "I'm running a bit late", "utter_cancellation_ask"),
        ("book_consultation", "What Happens At A Consultation?", "utter_first_visit_ask"),
        ("book_consultation", "Do I need a consultation before treatment?", "utter_first_visit_ask"),
        ("book_consultation", "can I wear makeup to my appointment", "utter_preparation_ask"),
        ("human_handoff", "are your nurses qualified", "utter_practitioners_ask"),
    ],
)
def test_a_question_about_the_clinic_read_as_a_request_is_answered_without_a_form(intent, text, answer):
    """Nobody asked to book or to be contacted: the answer, booking among its buttons, and no form."""
    from actions.handoff import ActionPrepareHandoff

    messages, events = asyncio.run(run_async(ActionPrepareHandoff(), parse(intent, text=text)))
    assert [m["response"] for m in messages] == [answer] and messages[0]["buttons"]
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]


@pytest.mark.parametrize(
    "text, confidence, leaves",
    [("thanks, bye", 0.58, True), ("ok bye!", 0.97, True), ("Kim", 0.61, False), ("Noor", 0.9, False)],
)
def test_a_farewell_inside_a_form_leaves_it_and_a_name_read_as_goodbye_does_not(text, confidence, leaves):
    """actions/understanding.py: "thanks, bye" is a goodbye at any confidence when it says one."""
    from actions.understanding import changes_subject

    assert changes_subject({"text": text, "intent": {"name": "goodbye", "confidence": confidence}}) is leaves


@pytest.mark.parametrize(
    "action, latest",
    [
        (
            ActionClarify(),
            parse("nlu_fallback", 0.4, ranking=[("nlu_fallback", 0.4), ("ask_price", 0.3)], text="is it free?"),
        ),
        (ActionPriceInfo(), parse("ask_price", 0.97, text="how much is it?")),
        (ActionPriceInfo(), parse("ask_price", 0.9, text="do I have to pay for a ticket")),
    ],
    ids=["not-understood", "price-question", "ticket"],
)
def test_what_it_costs_just_after_the_events_is_the_events_price(action, latest):
    messages, events = run(action, latest, events=offered(Offer.EVENT_REGISTER))
    assert "Entry to Acne Evening: free." in joined(messages) and "price list" not in joined(messages)
    assert "/event_register" in payloads(messages)[0]
    assert slot(events, "pending_offer") == [Offer.EVENT_REGISTER]


@pytest.mark.parametrize(
    "history, text",
    [
        (offered(Offer.EVENT_REGISTER), "is the consultation free?"),  # about the consultation, not the event
        (
            offered(Offer.EVENT_REGISTER, "does it hurt?", "where are you?", "how long is the downtime?"),
            "how much is it?",
        ),
        ([], "how much is it?"),
    ],
    ids=["consultation", "offer-lapsed", "no-events-shown"],
)
def test_a_price_question_away_from_the_events_gets_the_clinics_prices(history, text):
    messages, _ = run(ActionPriceInfo(), parse("ask_price", 0.97, text=text), events=history)
    assert "Entry to" not in joined(messages) and "price list" in joined(messages)
