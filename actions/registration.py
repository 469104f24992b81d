"""Event registration (a form: name, e-mail, guests when the event allows them) and cancellation.

Registrations are stored per event, de-duplicated by e-mail, waitlisted when the event is
full; past events refuse registration (clinic.registrations does the bookkeeping).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic_context import clinic
from actions.events import no_upcoming_events, send_event_card
from actions.visitor_details import VisitorDetailsValidation
from actions.wording import apologise_for_failure, contact_facts, re_ask, registration_error_reply, say
from clinic.config import Event
from clinic.errors import ClinicDatabaseError, InvalidInput, RegistrationError
from clinic.notify_worker import ensure_background_worker
from clinic.registrations import cancel_registration, register_for_event, validate_guests
from clinic.validation import parse_contact

logger = logging.getLogger(__name__)


def chosen_event(tracker: Tracker) -> Optional[Event]:
    """The event this registration is for: the one named by the slot, if still upcoming."""
    config = clinic()
    upcoming = {event.id: event for event in config.upcoming_events()}
    return upcoming.get(tracker.get_slot("registration_event") or "")


def start_registration(
    dispatcher: CollectingDispatcher, tracker: Tracker, wanted: Optional[str]
) -> Tuple[List[Dict], bool]:
    """Start registering for event ``wanted`` (the next one when None): (events, started)."""
    config = clinic()
    events = config.upcoming_events()
    if not events:
        # The form then has nothing to ask and ends at once.
        return no_upcoming_events(dispatcher) + [SlotSet("registration_event", None)], False
    if wanted and wanted not in {e.id for e in events}:
        past = config.find_event(str(wanted))
        if past:
            say(dispatcher, "utter_event_already_held", event_title=past.title, next_event=events[0].title)
        else:
            say(dispatcher, "utter_event_not_found", next_event=events[0].title)
        return [SlotSet("registration_event", None)], False
    event = next((e for e in events if e.id == wanted), events[0])
    say(dispatcher, "utter_registration_start", event_title=event.title)
    return [SlotSet("registration_event", event.id), SlotSet("guests", None)], True


class ActionPrepareRegistration(Action):
    def name(self) -> Text:
        return "action_prepare_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        wanted = next(tracker.get_latest_entity_values("event_id"), None)
        events, _ = start_registration(dispatcher, tracker, wanted)
        return events


class ValidateRegistrationForm(VisitorDetailsValidation):
    def name(self) -> Text:
        return "validate_registration_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        event = chosen_event(tracker)
        if event is None:
            return []
        return ["visitor_name", "visitor_email"] + (["guests"] if event.allow_guests else [])

    def end_declined(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
        # No event chosen: the submit action registers nobody.
        say(dispatcher, "utter_form_stopped", **contact_facts(clinic()))
        return [SlotSet("registration_event", None), SlotSet("requested_slot", None)]

    def validate_visitor_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"visitor_email": None}
        try:
            contact = parse_contact(value)
        except InvalidInput as error:
            re_ask(dispatcher, error)
            return {"visitor_email": None}
        if not contact.email:
            say(dispatcher, "utter_registration_needs_email")
            return {"visitor_email": None}
        return {"visitor_email": contact.email}

    def validate_guests(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"guests": None}
        try:
            guests = validate_guests(chosen_event(tracker), guest_count(str(value)))
        except InvalidInput as error:
            re_ask(dispatcher, error)
            return {"guests": None}
        return {"guests": str(guests)}


GUEST_WORDS = {"none": 0, "no": 0, "zero": 0, "nobody": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
ALONE = re.compile(r"\b(just|only) (me|myself)\b|\bon my own\b|\balone\b", re.IGNORECASE)


def guest_count(text: str) -> Any:
    """The number in an answer to "how many guests?" ("2", "two friends", "just me"), else the text."""
    if ALONE.search(text):
        return 0
    digits = re.search(r"\d+", text)
    if digits:
        return digits.group(0)
    words = [GUEST_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in GUEST_WORDS]
    return words[0] if words else text


class ActionSubmitRegistration(Action):
    def name(self) -> Text:
        return "action_submit_registration"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        event_id = tracker.get_slot("registration_event")
        done = [SlotSet("registration_event", None), SlotSet("guests", None), SlotSet("requested_slot", None)]
        if not event_id:
            return done
        try:
            outcome = await asyncio.to_thread(
                register_for_event,
                config,
                event_id,
                name=tracker.get_slot("visitor_name") or "",
                email=tracker.get_slot("visitor_email") or "",
                guests=tracker.get_slot("guests") or 0,
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "",
            )
        except RegistrationError as error:
            response, variables = registration_error_reply(error, config)
            say(dispatcher, response, **variables)
            return done
        except (ClinicDatabaseError, InvalidInput) as error:
            logger.error("Could not register %s for %s: %s", tracker.sender_id, event_id, error)
            apologise_for_failure(dispatcher, config)
            return done
        ensure_background_worker()
        registration, event = outcome.registration, outcome.event
        details = {"event_title": event.title, "reference": registration.reference, "email_address": registration.email}
        if outcome.existed:
            say(dispatcher, "utter_registration_exists", status=registration.status, **details)
        elif outcome.waitlist_position:
            say(dispatcher, "utter_registration_waitlisted", position=outcome.waitlist_position, **details)
        else:
            if registration.guests:
                say(dispatcher, "utter_registration_booked_with_guests", guests=registration.guests, **details)
            else:
                say(dispatcher, "utter_registration_booked", **details)
            send_event_card(dispatcher, config, event)
        return done


class ActionCancelRegistration(Action):
    def name(self) -> Text:
        return "action_cancel_registration"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        upcoming = config.upcoming_events()
        email = tracker.get_slot("visitor_email")
        for event in upcoming:
            try:
                outcome = await asyncio.to_thread(
                    cancel_registration, config, event.id, email=email, sender_id=None if email else tracker.sender_id
                )
            except RegistrationError:
                continue
            except (ClinicDatabaseError, InvalidInput) as error:
                logger.error("Could not cancel a registration for %s: %s", tracker.sender_id, error)
                apologise_for_failure(dispatcher, config)
                return []
            say(
                dispatcher,
                "utter_registration_cancelled",
                event_title=outcome.event.title,
                reference=outcome.registration.reference,
            )
            return []
        say(dispatcher, "utter_no_registration_found", **contact_facts(config))
        return []
