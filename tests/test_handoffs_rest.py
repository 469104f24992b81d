"""Hand-offs, bookings and event registration through the real Rasa server and action server
over REST, down to the ticket row, the staff e-mail (local SMTP server) and the staff webhook
(local receiver)."""

from __future__ import annotations

import re

import pytest
from notification_receivers import wait_for
from sqlalchemy import select

from clinic.models import EventRegistration, Ticket

REFERENCE = re.compile(r"reference (?:is )?([A-Z]{3}-[A-Z0-9]{4,})")


def reference_in(text: str) -> str:
    match = REFERENCE.search(text)
    assert match, f"no reference in: {text}"
    return match.group(1)


def tickets(servers, **where):
    with servers.database().transaction(read_only=True) as session:
        rows = session.execute(select(Ticket).filter_by(**where)).scalars().all()
        return [
            dict(
                reference=t.reference,
                kind=t.kind,
                email=t.email,
                phone=t.phone,
                name=t.visitor_name,
                consent=t.consent,
                channel=t.channel,
                message=t.message,
                context=t.context,
                preferred_times=t.preferred_times,
                priority=t.priority,
            )
            for t in rows
        ]


def registrations(servers, **where):
    with servers.database().transaction(read_only=True) as session:
        rows = session.execute(select(EventRegistration).filter_by(**where)).scalars().all()
        return [dict(email=r.email, status=r.status, guests=r.guests, reference=r.reference) for r in rows]


def test_medical_question_ends_in_a_ticket_an_email_and_a_webhook(servers):
    sender = "medical-full"
    assert "licensed professional" in servers.say(sender, "I'm on roaccutane, is microneedling safe for me?")
    assert "What's your name?" in servers.say(sender, "yes please")
    assert "e-mail address or phone number" in servers.say(sender, "my name is Ana Silva")
    # An invalid address is re-asked, clearly, with a way out.
    invalid = servers.say(sender, "ana@@nowhere")
    assert "doesn't look right" in invalid and "stop" in invalid
    assert "OK for the clinic to contact you" in servers.say(sender, "it's ana.silva@example.com")
    done = servers.say(sender, "yes")
    reference = reference_in(done)
    assert reference.startswith("MED-")
    assert "will contact you" in done

    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "medical" and ticket["email"] == "ana.silva@example.com"
    assert ticket["name"] == "Ana Silva" and ticket["consent"] is True and ticket["channel"] == "rest"
    assert "roaccutane" in ticket["message"]
    assert any("roaccutane" in (entry.get("text") or "") for entry in ticket["context"])

    assert wait_for(lambda: any(reference in m.get("Subject", "") + m.get_content() for m in servers.smtp.messages), 30)
    assert wait_for(lambda: any(r["json"]["data"].get("reference") == reference for r in servers.webhook.accepted), 30)
    hook = next(r for r in servers.webhook.accepted if r["json"]["data"].get("reference") == reference)
    assert hook["verified"]


def test_repeating_the_question_gives_the_existing_reference(servers):
    sender = "medical-repeat"
    servers.say(sender, "I'm breastfeeding, can I have micro-needling?")
    servers.say(sender, "yes")
    servers.say(sender, "Maya")
    servers.say(sender, "07700 900456")
    first = reference_in(servers.say(sender, "yes"))
    servers.say(sender, "sorry, just checking again: I'm breastfeeding, is micro-needling ok for me?")
    again = servers.say(sender, "yes please")
    assert f"already have a request open with us (reference {first})" in again
    assert len(tickets(servers, sender_id=sender, kind="medical")) == 1
    assert tickets(servers, reference=first)[0]["phone"] == "+447700900456"


def test_known_contact_details_are_reused(servers):
    sender = "reuse-contact"
    servers.say(sender, "I take warfarin, can I get microneedling?")
    servers.say(sender, "yes")
    servers.say(sender, "Lee Chan")
    servers.say(sender, "lee.chan@example.com")
    servers.say(sender, "yes")
    # Asking for a person now needs no details again: the ticket is made straight away.
    reply = servers.say(sender, "can I talk to a real person please")
    assert "What's your name?" not in reply and "phone number" not in reply
    reference = reference_in(reply)
    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "human" and ticket["email"] == "lee.chan@example.com" and ticket["name"] == "Lee Chan"


def test_declining_the_offer_is_respected(servers):
    sender = "medical-decline"
    servers.say(sender, "my eczema is flaring, can I still have a treatment?")
    reply = servers.say(sender, "no thanks")
    assert "+44 20 7946 0555" in reply
    assert tickets(servers, sender_id=sender) == []


def test_declining_consent_creates_no_ticket(servers):
    sender = "no-consent"
    servers.say(sender, "I want to speak to someone")
    servers.say(sender, "Jo")
    servers.say(sender, "jo@example.com")
    reply = servers.say(sender, "no")
    assert "won't contact you" in reply
    assert tickets(servers, sender_id=sender) == []
    # A later hand-off asks again, the contact already known, instead of taking the old "no".
    reply = servers.say(sender, "actually can I talk to a person")
    assert "Is it OK for the clinic to contact you" in reply and "won't contact you" not in reply


def test_declining_at_the_name_question_ends_the_form(servers):
    sender = "decline-at-name"
    assert "What's your name?" in servers.say(sender, "I want to book a consultation")
    reply = servers.say(sender, "no I don't want to book")
    assert "won't contact you" in reply and "+44 20 7946 0555" in reply and "e-mail address" not in reply
    assert tickets(servers, sender_id=sender) == []
    assert "What's your name?" not in servers.say(sender, "what are your opening hours")


def test_a_phone_number_typed_as_the_name_is_not_the_name(servers):
    sender = "phone-as-name"
    servers.say(sender, "talk to a human")
    assert "looks like a phone number" in servers.say(sender, "my number is 07700 900123")
    servers.say(sender, "John")
    assert "Is it OK for the clinic to contact you" in servers.say(sender, "07700 900123")
    reply = servers.say(sender, "yes")
    assert "Thank you, John!" in reply
    [ticket] = tickets(servers, sender_id=sender)
    assert ticket["name"] == "John"


@pytest.mark.parametrize("answer", ["weekday mornings", "what do you mean?"])
def test_an_answer_that_is_not_yes_or_no_to_consent_is_asked_again(servers, answer):
    """Nothing else answers the consent question: no greeting or other reply steps in."""
    sender = f"consent-unclear-{abs(hash(answer))}"
    servers.say(sender, "can someone from the team call me back")
    servers.say(sender, "Jo")
    assert "OK for the clinic to contact you" in servers.say(sender, "jo@example.com")
    again = servers.say(sender, answer)
    assert again.startswith("Sorry, I need a yes or a no") and "OK for the clinic to contact you" in again
    assert tickets(servers, sender_id=sender) == []
    assert reference_in(servers.say(sender, "yes that's fine")).startswith("HUM-")
    assert tickets(servers, sender_id=sender)[0]["consent"] is True


def test_stop_leaves_the_form_without_a_ticket(servers):
    sender = "stopper"
    assert "What's your name?" in servers.say(sender, "can someone from the team call me back")
    reply = servers.say(sender, "never mind")
    assert "stopped" in reply and "+44 20 7946 0555" in reply
    assert tickets(servers, sender_id=sender) == []


@pytest.mark.parametrize("start", ["can someone from the team call me back", "I'd like to book a consultation"])
def test_goodbye_inside_a_form_leaves_it_with_a_farewell(servers, start):
    """ "thanks bye" is not a name: the form ends, nothing is sent, and the next message is new."""
    sender = f"goodbye-{abs(hash(start))}"
    assert "What's your name?" in servers.say(sender, start)
    reply = servers.say(sender, "thanks, bye")
    assert "stopped" in reply and "Take care" in reply and "What's your name?" not in reply
    assert tickets(servers, sender_id=sender) == []
    assert "What's your name?" not in servers.say(sender, "what are your opening hours?")


@pytest.mark.parametrize(
    "message", ["can I cancel my appointment on Friday?", "I need to reschedule my consultation next week"]
)
def test_changing_an_appointment_asks_the_team_instead_of_booking_another(servers, message):
    sender = f"change-{abs(hash(message))}"
    opening = servers.say(sender, message)
    assert "can't see or change bookings" in opening and "+44 20 7946 0555" in opening
    assert "book a consultation" not in opening
    servers.say(sender, "Kim")
    servers.say(sender, "kim@example.com")
    reference = reference_in(servers.say(sender, "yes"))
    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "human" and ticket["message"] == message and ticket["preferred_times"] is None


def test_urgent_path_safety_first_ticket_at_once_then_contact(servers):
    sender = "urgent-full"
    replies = servers.send(sender, "help, there's pus and my face is hot and I've got a fever since the needling")
    assert "999" in replies[0]["text"] and "+44 20 7946 0911" in replies[0]["text"]
    reference = reference_in("\n".join(r.get("text", "") for r in replies))
    assert reference.startswith("URG-")
    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "urgent" and ticket["phone"] is None
    servers.say(sender, "Kim")
    servers.say(sender, "+44 7700 900789")
    done = servers.say(sender, "yes")
    assert reference in done
    assert tickets(servers, reference=reference)[0]["phone"] == "+447700900789"
    assert wait_for(lambda: any(r["json"]["data"].get("reference") == reference for r in servers.webhook.accepted), 30)


def test_red_flag_mid_form_gets_the_safety_message_first(servers):
    sender = "urgent-mid-form"
    servers.say(sender, "I'd like to book a consultation")
    replies = servers.send(sender, "oh no my lips are swelling and I can't breathe properly")
    assert "999" in replies[0]["text"]
    assert tickets(servers, sender_id=sender, kind="urgent")


def test_booking_asks_preferred_times(servers):
    sender = "booking-full"
    servers.say(sender, "can I book a consultation for micro-needling?")
    servers.say(sender, "Sam Patel")
    servers.say(sender, "sam.patel@example.com")
    assert "Which days or times" in servers.say(sender, "yes")
    reference = reference_in(servers.say(sender, "weekday mornings, or Saturdays"))
    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "booking" and ticket["preferred_times"] == "weekday mornings, or Saturdays"


def test_event_registration_dedupe_and_cancel(servers):
    servers.say("reg-1", "tell me about your events")
    assert "What's your name?" in servers.say("reg-1", "yes")
    servers.say("reg-1", "Noor")
    assert "How many guests" in servers.say("reg-1", "noor@example.com")
    booked = servers.say("reg-1", "just me")
    assert "You're booked in" in booked and "Acne Evening" in booked
    # Same e-mail from another conversation: not registered twice.
    servers.say("reg-2", "sign me up for the acne evening")
    servers.say("reg-2", "Noor")
    servers.say("reg-2", "NOOR@example.com")
    assert "already registered" in servers.say("reg-2", "0")
    assert len(registrations(servers, email="noor@example.com")) == 1
    # Cancelling from the first conversation frees the place.
    assert "cancelled" in servers.say("reg-1", "I can't make the event any more, please cancel my registration")
    assert registrations(servers, email="noor@example.com")[0]["status"] == "cancelled"


def test_full_event_waitlists(servers):
    payload = '/event_register{"event_id": "tiny-workshop"}'
    servers.say("tiny-1", payload)
    servers.say("tiny-1", "Ola")
    assert "You're booked in" in servers.say("tiny-1", "ola@example.com")
    servers.say("tiny-2", payload)
    servers.say("tiny-2", "Ben")
    assert "waiting list" in servers.say("tiny-2", "ben@example.com")
    statuses = {r["email"]: r["status"] for r in registrations(servers, event_id="tiny-workshop")}
    assert statuses == {"ola@example.com": "confirmed", "ben@example.com": "waitlisted"}


def test_past_events_refuse_registration(servers):
    reply = servers.say("past-1", '/event_register{"event_id": "past-acne-talk"}')
    assert "already taken place" in reply
    assert registrations(servers, event_id="past-acne-talk") == []


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "x" * 500])
def test_hostile_names_are_refused_politely(servers, name):
    sender = f"hostile-{len(name)}"
    servers.say(sender, "talk to a human")
    reply = servers.say(sender, name)
    assert reply and "Traceback" not in reply
    assert "What's your name?" in reply or "name" in reply.lower()


# --- offers and "yes" (actions/offers.py), through the real model -----------------------------


def test_yes_after_an_intervening_question_hands_off_the_question_that_was_offered(servers):
    sender = "offer-after-question"
    assert "licensed professional" in servers.say(sender, "I take isotretinoin, can I have microneedling?")
    assert "downtime" in servers.say(sender, "how long is the downtime after microneedling?").lower()
    reply = servers.say(sender, "yes please")
    assert "licensed professionals" in reply and "What's your name?" in reply
    servers.say(sender, "Maria Lopez")
    servers.say(sender, "maria.lopez@example.com")
    reference = reference_in(servers.say(sender, "yes"))
    [ticket] = tickets(servers, reference=reference)
    assert ticket["kind"] == "medical" and "isotretinoin" in ticket["message"]


def test_yes_after_the_offer_has_lapsed_starts_nothing(servers):
    sender = "offer-lapsed"
    servers.say(sender, "I have rosacea, is microneedling ok for me?")
    servers.say(sender, "what are your opening hours")
    servers.say(sender, "where are you located?")
    servers.say(sender, "how long is the downtime after microneedling?")
    reply = servers.say(sender, "yes")
    assert "What would you like to know?" in reply and "What's your name?" not in reply
    assert tickets(servers, sender_id=sender) == []


def test_no_after_an_intervening_question_declines_the_professional(servers):
    sender = "offer-declined-later"
    servers.say(sender, "can I have microneedling while breastfeeding?")
    servers.say(sender, "does microneedling hurt?")
    assert "+44 20 7946 0555" in servers.say(sender, "no thanks")
    assert servers.say(sender, "yes").count("What's your name?") == 0  # the offer was answered
    assert tickets(servers, sender_id=sender) == []


# --- a form's question gets its answer (actions/visitor_details.py) --------------------------

FORMS = {
    "person": ("can I talk to a real person please", "e-mail address or phone number"),
    "urgent": ("there's pus coming out of my cheek and I have a fever", "e-mail address or phone number"),
    "booking": ("I'd like to book a consultation", "e-mail address or phone number"),
    "registration": ("I want to sign up for the acne event", "Which e-mail address"),
}


@pytest.mark.parametrize("name", ["Kim", "Noor", "Ana Silva"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_name_typed_when_the_form_asks_for_it_is_taken(servers, form, name):
    start, next_question = FORMS[form]
    sender = f"name-{form}-{name.replace(' ', '-')}"
    assert "What's your name?" in servers.say(sender, start)
    reply = servers.say(sender, name)
    assert next_question in reply and "not sure I understood" not in reply


def test_the_name_reaches_the_ticket(servers):
    sender = "name-to-ticket"
    servers.say(sender, "help, my lips are swelling after the treatment")
    servers.say(sender, "Kim")
    servers.say(sender, "+44 7700 900111")
    servers.say(sender, "yes")
    [ticket] = tickets(servers, sender_id=sender, kind="urgent")
    assert ticket["name"] == "Kim" and ticket["phone"] == "+447700900111"


def test_a_clear_question_inside_a_form_is_still_answered(servers):
    sender = "question-mid-form"
    servers.say(sender, "can someone from the clinic call me back")
    reply = servers.say(sender, "how long is the downtime after microneedling?")
    assert "downtime" in reply.lower() and "What's your name?" in reply
    assert "e-mail address or phone number" in servers.say(sender, "Noor")
