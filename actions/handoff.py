"""Hand-offs to people: medical and urgent follow-ups, "talk to a person", booking requests.

Each starts the hand-off form (`handoff_form`: name; e-mail or phone; consent; preferred
times for bookings). Details the visitor gave earlier in the conversation are reused. On
submit a ticket is created (or the open one of that kind is returned) and the visitor is
told its reference and when to expect contact.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic_context import clinic
from actions.clinic_questions import answer_clinic_question
from actions.question_parts import A_FORM_FOLLOWS, answer_other_questions
from actions.safety import send_urgent_safety
from actions.understanding import changes_subject, latest_intent, yes_or_no
from actions.visitor_details import VisitorDetailsValidation, runs_right_after_the_visitor
from actions.wording import apologise_for_failure, contact_facts, re_ask, say
from clinic.errors import ClinicDatabaseError, InvalidInput
from clinic.models import TicketKind
from clinic.notify_worker import ensure_background_worker
from clinic.response_time import expected_response
from clinic.tickets import open_ticket
from clinic.transcript import conversation_context
from clinic.validation import clean_text, country_code_of, parse_contact

logger = logging.getLogger(__name__)

# The hand-offs a visitor asks for by name; "yes" to an offer starts one too (actions/offers.py).
KIND_BY_INTENT = {
    "human_handoff": TicketKind.HUMAN,
    "book_consultation": TicketKind.BOOKING,
    "urgent_medical": TicketKind.URGENT,
    "medical_question": TicketKind.MEDICAL,
}
INTRO_RESPONSE = {
    TicketKind.MEDICAL: "utter_handoff_intro_medical",
    TicketKind.HUMAN: "utter_handoff_intro_human",
    TicketKind.BOOKING: "utter_handoff_intro_booking",
    TicketKind.URGENT: "utter_handoff_intro_urgent",
}

# A visitor changing or cancelling an appointment they already have ("can I cancel my
# appointment?", "I need to move my consultation", "running late for my 3pm") is read as
# `book_consultation` (it is about bookings), but offering to book one would be the wrong answer:
# the assistant cannot see bookings, so the team is asked to get in touch instead.
EXISTING_APPOINTMENT = re.compile(
    r"\b(?:cancel\w*|re-?schedul\w*|postpon\w*|re-?arrang\w*|re-?book\w*|move|moving|change|changing|push(?:ing)? back"
    r"|bring(?:ing)? forward|swap)\b(?:\W+\w+){0,3}?\W+(?:my|our|her|his|their|the|this|tomorrow'?s|today'?s)\W+"
    r"(?:\w+\W+){0,2}?(?:appointment|appt|booking|consultation|consult|session|slot|treatment)s?\b"
    r"|\b(?:running|i'?ll be|i will be|i'?m|we'?re|we'?ll be|gonna be|going to be) (?:\w+ ){0,3}?late\b"
    r"(?! (?:afternoon|evening|morning|night|opening|appointments?|slots?)\b)"
    r"|\bmiss(?:ed)? my (?:appointment|appt|consultation|session)\b"
    # A booking already made, asked after: "I booked yesterday but haven't heard back", "BKG-7Q2M".
    r"|\b(?:haven'?t|have not|not yet|never|didn'?t|did not) (?:heard|had (?:a |any )?(?:reply|response|call|e-?mail)"
    r"|got(?:ten)? (?:a |any )?(?:reply|response|call|e-?mail)|been (?:contacted|called)|received)\b"
    r"|\b(?:already|just) (?:booked|made (?:an|a|my) (?:appointment|booking))\b|\bfollow(?:ing)?[- ]?up on my\b"
    r"|\b(?:status of|update on) my (?:booking|appointment|request|enquiry)\b|\b(?:BKG|HUM|MED|URG)-[A-Z0-9]{4}\b",
    re.IGNORECASE,
)


# A booking or "talk to a person" message that asks for something, not only about something:
# "I'd like to book", "can I book for my mum?", "please call me", "sign me up".
ASKS_FOR_SOMETHING = re.compile(
    r"\b(?:book|booking|schedule|reschedul\w*|appointment for|sign me up|put me down|count me in|register"
    r"|(?<!do )(?<!did )(?<!will )(?<!would )(?<!should )i(?:'d| would)? (?:like|want|need|wanna)"
    r"|can (?:i|we|you) (?:get|have|make|come|see|speak|talk)"
    r"|could (?:i|we|you) (?:get|have|make|come|see|speak|talk)|please|talk to|speak (?:to|with)|call me|ring me"
    r"|contact me|email me|get in touch|cancel my|change my|move my)\b",
    re.IGNORECASE,
)


def about_an_existing_appointment(text: str) -> bool:
    """Whether a booking message is about changing or cancelling an appointment already made."""
    return bool(EXISTING_APPOINTMENT.search(text or ""))


def start_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str, message: str) -> List[Dict]:
    """Say what happens next, and the slots that start the hand-off form for ``kind``."""
    booking_link = clinic().clinic.booking_link
    if kind == TicketKind.BOOKING and booking_link:
        say(dispatcher, "utter_handoff_intro_booking_online", booking_link=booking_link)
    else:
        say(dispatcher, INTRO_RESPONSE[kind])
    return form_start_events(tracker, kind, message)


async def open_ticket_for(tracker: Tracker, kind: str, message: str, preferred_times: Optional[str] = None):
    """Open (or find) this conversation's ticket of ``kind`` with what the visitor has told us.

    Raises ClinicDatabaseError or InvalidInput, like clinic.tickets.open_ticket.
    """
    config = clinic()
    return await asyncio.to_thread(
        open_ticket,
        kind,
        tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "",
        message=message,
        name=tracker.get_slot("visitor_name"),
        email=tracker.get_slot("visitor_email"),
        phone=tracker.get_slot("visitor_phone"),
        consent=bool(tracker.get_slot("contact_consent")),
        context=conversation_context(tracker.events),
        preferred_times=preferred_times,
        default_country_code=country_code_of(config.clinic.phone),
    )


def known_contact(tracker: Tracker) -> Optional[str]:
    return tracker.get_slot("visitor_email") or tracker.get_slot("visitor_phone")


class ActionPrepareHandoff(Action):
    """A hand-off the visitor asked for ("talk to a person", "book"): the form then asks the rest."""

    def name(self) -> Text:
        return "action_prepare_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        kind = KIND_BY_INTENT.get(latest_intent(tracker), TicketKind.HUMAN)
        text = tracker.latest_message.get("text") or ""
        if kind in (TicketKind.BOOKING, TicketKind.HUMAN) and not ASKS_FOR_SOMETHING.search(text):
            # "what's the cancellation policy?", "do you take walk-ins?": answered, with booking as a
            # next step; the form the rule would start next is not run, as nobody asked for it.
            if answer_clinic_question(dispatcher, text):
                return [FollowupAction("action_listen")]
        if kind == TicketKind.BOOKING and about_an_existing_appointment(text):
            say(dispatcher, "utter_handoff_intro_appointment_change", **contact_facts(clinic()))
            return form_start_events(tracker, TicketKind.HUMAN, text)
        if kind not in (TicketKind.BOOKING, TicketKind.HUMAN):
            return start_handoff(dispatcher, tracker, kind, text)
        # "I'd like to book, is it done by a doctor?"
        answered = answer_clinic_question(dispatcher, text, buttons=False)
        events = start_handoff(dispatcher, tracker, kind, text)
        # "What time do you close today, and can I book for tomorrow?": the other questions are
        # answered before the form asks its first question (a booking part is offered nothing then).
        answer_other_questions(dispatcher, tracker.latest_message, answered, then=A_FORM_FOLLOWS)
        return events


def form_start_events(tracker: Tracker, kind: str, message: str) -> List[Dict]:
    """Slots for a new hand-off form: its kind and message, and the contact already known."""
    contact = known_contact(tracker)
    events = [
        SlotSet("handoff_kind", kind),
        SlotSet("handoff_message", clean_text(message, limit=2000)),
        SlotSet("preferred_times", None),
        SlotSet("visitor_contact", contact),
    ]
    if not contact or tracker.get_slot("contact_consent") is not True:  # a "no" last time is asked again
        events.append(SlotSet("contact_consent", None))
    return events


class ValidateHandoffForm(VisitorDetailsValidation):
    def name(self) -> Text:
        return "validate_handoff_form"

    def visitor_declines(self, tracker: Tracker) -> bool:
        # A red flag's ticket is open already and staff are alerted: its form asks on, and "stop" leaves it.
        return tracker.get_slot("handoff_kind") != TicketKind.URGENT and super().visitor_declines(tracker)

    def end_declined(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
        # No consent: the submit action says the clinic won't contact them, and opens no ticket.
        return [SlotSet("contact_consent", False), SlotSet("requested_slot", None)]

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("handoff_kind") == TicketKind.BOOKING:
            return domain_slots
        return [slot for slot in domain_slots if slot != "preferred_times"]

    def extract_contact_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The consent question takes a yes or a no. Anything else that is not a new subject
        ("weekday mornings", answering the next question early) is asked again with a word on
        why, instead of the form stepping aside for whatever rule the message resembles (once a
        greeting)."""
        if tracker.get_slot("requested_slot") != "contact_consent" or not runs_right_after_the_visitor(tracker):
            return {}
        if changes_subject(tracker.latest_message):
            return {}
        answer = yes_or_no(tracker.latest_message)
        if answer is None:
            say(dispatcher, "utter_consent_yes_or_no")
        return {"contact_consent": answer}

    def validate_visitor_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"visitor_contact": None}
        if value and value in (tracker.get_slot("visitor_email"), tracker.get_slot("visitor_phone")):
            return {"visitor_contact": value}
        try:
            contact = parse_contact(value, country_code_of(clinic().clinic.phone))
        except InvalidInput as error:
            re_ask(dispatcher, error)
            return {"visitor_contact": None}
        if contact.email:
            return {"visitor_contact": contact.email, "visitor_email": contact.email}
        return {"visitor_contact": contact.phone, "visitor_phone": contact.phone}

    def validate_preferred_times(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"preferred_times": None}
        text = clean_text(value, limit=300, multiline=False)
        if not text:
            say(dispatcher, "utter_ask_preferred_times_again")
            return {"preferred_times": None}
        return {"preferred_times": text}


def reset_form_slots() -> List[Dict]:
    return [SlotSet("handoff_kind", None), SlotSet("handoff_message", None), SlotSet("requested_slot", None)]


class ActionSubmitHandoff(Action):
    def name(self) -> Text:
        return "action_submit_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        kind = tracker.get_slot("handoff_kind") or TicketKind.HUMAN
        consent = bool(tracker.get_slot("contact_consent"))
        if not consent and kind != TicketKind.URGENT:
            say(dispatcher, "utter_handoff_declined", **contact_facts(config))
            return reset_form_slots()
        try:
            opened = await open_ticket_for(
                tracker,
                kind,
                tracker.get_slot("handoff_message") or "",
                preferred_times=tracker.get_slot("preferred_times"),
            )
        except (ClinicDatabaseError, InvalidInput) as error:
            logger.error("Could not save a %s hand-off for %s: %s", kind, tracker.sender_id, error)
            apologise_for_failure(dispatcher, config)
            return reset_form_slots()
        ensure_background_worker()
        ticket = {"reference": opened.ticket.reference, "when": expected_response(config, kind).text}
        if kind == TicketKind.URGENT:
            say(dispatcher, "utter_handoff_done_urgent", **ticket)
        elif opened.existed and not opened.updated:
            say(dispatcher, "utter_handoff_already_open", **ticket)
        else:
            say(dispatcher, "utter_handoff_done", name=opened.ticket.visitor_name, **ticket)
        if kind in (TicketKind.MEDICAL, TicketKind.URGENT):
            send_urgent_safety(dispatcher, tracker)  # what to do if it gets worse before then
        return reset_form_slots()


class ActionHandoffStopped(Action):
    """The visitor left a form ("stop", "never mind", or "thanks, bye"): a way to reach the clinic,
    and a farewell when they were saying goodbye."""

    def name(self) -> Text:
        return "action_handoff_stopped"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        leaving = latest_intent(tracker) == "goodbye"
        say(dispatcher, "utter_form_left_goodbye" if leaving else "utter_form_stopped", **contact_facts(clinic()))
        return reset_form_slots() + [SlotSet("registration_event", None)]
