"""Event registration (a form: name, e-mail, guests when the event allows them) and cancellation.

Registrations are stored per event, de-duplicated by e-mail, waitlisted when the event is
full; past events refuse registration (clinic.registrations does the bookkeeping).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic_context import apology_for_failure, clinic, contact_line, event_summary
from actions.events import no_upcoming_events
from actions.visitor_details import VisitorDetailsValidation
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


class ActionPrepareRegistration(Action):
    def name(self) -> Text:
        return "action_prepare_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        config = clinic()
        events = config.upcoming_events()
        if not events:
            # The form then has nothing to ask and ends at once.
            return no_upcoming_events(dispatcher) + [SlotSet("registration_event", None)]
        wanted = next(
            (e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "event_id"),
            None,
        )
        if wanted and wanted not in {e.id for e in events}:
            past = config.find_event(str(wanted))
            what = f"{past.title} has already taken place" if past else "I can't find that event"
            dispatcher.utter_message(
                text=f"Sorry, {what}, so I can't register you for it. The next event is {events[0].title}: "
                'just say "register me" if you\'d like to join it.'
            )
            return [SlotSet("registration_event", None)]
        event = next((e for e in events if e.id == wanted), events[0])
        dispatcher.utter_message(
            text=f'Lovely! Let\'s get you registered for {event.title}. (You can type "stop" at any time.)'
        )
        return [SlotSet("registration_event", event.id), SlotSet("guests", None), SlotSet("pending_offer", None)]


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

    def validate_visitor_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"visitor_email": None}
        try:
            contact = parse_contact(value)
        except InvalidInput as error:
            dispatcher.utter_message(text=f'{error.message} (Or type "stop" to leave this.)')
            return {"visitor_email": None}
        if not contact.email:
            dispatcher.utter_message(text="For the event I need an e-mail address, so the confirmation can reach you.")
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
            dispatcher.utter_message(text=error.message)
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
            dispatcher.utter_message(text=f"{error.message} {contact_line(config).capitalize()} if you have questions.")
            return done
        except (ClinicDatabaseError, InvalidInput) as error:
            logger.error("Could not register %s for %s: %s", tracker.sender_id, event_id, error)
            dispatcher.utter_message(text=apology_for_failure(config))
            return done
        ensure_background_worker()
        registration, event = outcome.registration, outcome.event
        if outcome.existed:
            text = (
                f"You're already registered for {event.title} with {registration.email} "
                f"(reference {registration.reference}, {registration.status})."
            )
        elif outcome.waitlist_position:
            text = (
                f"{event.title} is fully booked, so I've put you on the waiting list (position "
                f"{outcome.waitlist_position}, reference {registration.reference}). We'll e-mail "
                f"{registration.email} if a place frees up."
            )
        else:
            guests = f" plus {registration.guests} guest(s)" if registration.guests else ""
            text = (
                f"You're booked in{guests}! Your reference is {registration.reference}.\n\n"
                f"{event_summary(config, event)}"
            )
        dispatcher.utter_message(text=text)
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
                dispatcher.utter_message(text=apology_for_failure(config))
                return []
            dispatcher.utter_message(
                text=f"Done: your place at {outcome.event.title} is cancelled (reference {outcome.registration.reference}). "
                "Thanks for letting us know, it frees the place for someone else."
            )
            return []
        dispatcher.utter_message(
            text=f"I couldn't find an event registration from this conversation. To cancel one made elsewhere, {contact_line(config)}."
        )
        return []
