"""The clinic's events from the clinic file: details of what is coming up (registration: actions/registration.py)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, event_summary
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
        buttons = [
            {
                "title": f"Register: {event.title}" if len(shown) > 1 else "Yes, register me",
                "payload": "/event_register" + json.dumps({"event_id": event.id}),
            }
            for event in shown
        ] + [{"title": "No, thanks", "payload": "/deny"}]
        dispatcher.utter_message(text=text + "\n\nWould you like to register?", buttons=buttons)
        return [SlotSet("pending_offer", Offer.EVENT_REGISTER)]
