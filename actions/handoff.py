"""Hand-offs to people: medical and urgent follow-ups, "talk to a person", booking requests.

Each starts the hand-off form (`handoff_form`: name; e-mail or phone; consent; preferred
times for bookings). Details the visitor gave earlier in the conversation are reused. On
submit a ticket is created (or the open one of that kind is returned) and the visitor is
told its reference and when to expect contact.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic_context import apology_for_failure, clinic, contact_line
from actions.visitor_details import VisitorDetailsValidation
from clinic.errors import ClinicDatabaseError, InvalidInput
from clinic.models import TicketKind
from clinic.notify_worker import ensure_background_worker
from clinic.response_time import expected_response
from clinic.tickets import open_ticket
from clinic.transcript import conversation_context
from clinic.validation import clean_text, country_code_of, parse_contact

logger = logging.getLogger(__name__)

KIND_BY_INTENT = {
    "human_handoff": TicketKind.HUMAN,
    "book_consultation": TicketKind.BOOKING,
    "urgent_medical": TicketKind.URGENT,
    "medical_question": TicketKind.MEDICAL,
}
INTRO = {
    TicketKind.MEDICAL: "I'll pass your question to one of the clinic's licensed professionals.",
    TicketKind.HUMAN: "Of course, I'll ask a member of the clinic's team to get in touch with you.",
    TicketKind.BOOKING: "Happy to help you book a consultation.",
    TicketKind.URGENT: "Let's make sure the clinic can reach you quickly.",
}


def previous_user_text(tracker: Tracker, before_latest: bool) -> str:
    """The visitor's latest message, or the one before it (the question an offer answered)."""
    texts = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
    if before_latest and len(texts) >= 2:
        return texts[-2]
    return texts[-1] if texts else ""


def handoff_kind(tracker: Tracker) -> str:
    """What kind of ticket this hand-off makes, from the intent that started it."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in KIND_BY_INTENT:
        return KIND_BY_INTENT[intent]
    # "yes" to an offer: the offer said what it was for.
    last_action = next(
        (
            e.get("name")
            for e in reversed(tracker.events)
            if e.get("event") == "action" and e.get("name") != "action_listen"
        ),
        None,
    )
    return TicketKind.MEDICAL if last_action == "action_medical_reply" else TicketKind.HUMAN


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
    """Says what happens next and pre-fills what is already known; the form then asks the rest."""

    def name(self) -> Text:
        return "action_prepare_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        kind = handoff_kind(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        message = previous_user_text(tracker, before_latest=intent not in KIND_BY_INTENT)
        text = INTRO[kind]
        if kind == TicketKind.BOOKING and config.clinic.booking_link:
            text += f" You can book online at {config.clinic.booking_link}, or leave your details here and the team will arrange it with you."
        dispatcher.utter_message(text=text + ' (You can type "stop" at any time.)')
        return form_start_events(tracker, kind, message)


def form_start_events(tracker: Tracker, kind: str, message: str) -> List[Dict]:
    """Slots for a new hand-off form: its kind and message, and the contact already known."""
    contact = known_contact(tracker)
    events = [
        SlotSet("handoff_kind", kind),
        SlotSet("handoff_message", clean_text(message, limit=2000)),
        SlotSet("pending_offer", None),
        SlotSet("preferred_times", None),
        SlotSet("visitor_contact", contact),
    ]
    if not contact:
        events.append(SlotSet("contact_consent", None))
    return events


class ValidateHandoffForm(VisitorDetailsValidation):
    def name(self) -> Text:
        return "validate_handoff_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("handoff_kind") == TicketKind.BOOKING:
            return domain_slots
        return [slot for slot in domain_slots if slot != "preferred_times"]

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
            dispatcher.utter_message(text=f'{error.message} (Or type "stop" to leave this.)')
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
            dispatcher.utter_message(text='Which days or times usually suit you? For example "weekday mornings".')
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
            dispatcher.utter_message(
                text=f"No problem, the clinic won't contact you. Whenever you're ready, you can {contact_line(config)}."
            )
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
            dispatcher.utter_message(text=apology_for_failure(config))
            return reset_form_slots()
        ensure_background_worker()
        reference = opened.ticket.reference
        when = expected_response(config, kind).text
        if kind == TicketKind.URGENT:
            text = f"Thank you. The clinic has your details on your urgent request (reference {reference}) and will contact you {when}."
        elif opened.existed and not opened.updated:
            text = f"You already have a request open with us (reference {reference}). The team will contact you {when}."
        else:
            text = f"Thank you, {opened.ticket.visitor_name}! Your reference is {reference}. The team will contact you {when}."
        if kind in (TicketKind.MEDICAL, TicketKind.URGENT):
            text += f" If things get worse before then, call {config.clinic.urgent_line}, or {config.clinic.emergency_number} in an emergency."
        dispatcher.utter_message(text=text)
        return reset_form_slots()


class ActionHandoffStopped(Action):
    """The visitor left a form ("stop", "never mind"): no ticket, and a way to reach the clinic."""

    def name(self) -> Text:
        return "action_handoff_stopped"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        dispatcher.utter_message(
            text=f"No problem, I've stopped there. If you'd like to reach the clinic yourself, {contact_line(config)}. Anything else I can help with?"
        )
        return reset_form_slots() + [SlotSet("registration_event", None)]
