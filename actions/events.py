"""The clinic's events: details, registration and cancellation (from the clinic file)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, contact_line, event_summary
from actions.topics import YES_NO, Offer

MAX_EVENTS_SHOWN = 3


def no_upcoming_events(dispatcher: CollectingDispatcher) -> List[Dict]:
    dispatcher.utter_message(
        text="There are no upcoming events scheduled right now. Would you like to hear how to stay posted about the next one?",
        buttons=YES_NO,
    )
    return [SlotSet("pending_offer", Offer.EVENT_UPDATES)]


class ActionEventInfo(Action):
    def name(self) -> Text:
        return "action_event_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        events = config.upcoming_events()
        if not events:
            return no_upcoming_events(dispatcher)
        shown = events[:MAX_EVENTS_SHOWN]
        intro = "Here's what's coming up:" if len(shown) > 1 else "Here's our next event:"
        text = intro + "\n\n" + "\n\n".join(event_summary(config, event) for event in shown)
        dispatcher.utter_message(text=text + "\n\nWould you like to register?", buttons=YES_NO)
        return [SlotSet("pending_offer", Offer.EVENT_REGISTER)]


def registration_instructions(dispatcher: CollectingDispatcher) -> List[Dict]:
    config = clinic()
    events = config.upcoming_events()
    if not events:
        return no_upcoming_events(dispatcher)
    event = events[0]
    guests = f" and how many guests you'll bring (up to {event.max_guests})" if event.allow_guests else ""
    dispatcher.utter_message(
        text=(
            f"{event_summary(config, event)}\n\nTo reserve your place, {contact_line(config)} "
            f"with your name{guests}."
        )
    )
    return [SlotSet("pending_offer", None)]


class ActionEventRegister(Action):
    def name(self) -> Text:
        return "action_event_register"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return registration_instructions(dispatcher)


class ActionCancelRegistration(Action):
    def name(self) -> Text:
        return "action_cancel_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        dispatcher.utter_message(
            text=f"Sorry you can't make it. To cancel your place, {contact_line(config)} and the team will free it up for someone else."
        )
        return [SlotSet("pending_offer", None)]
