"""Low confidence: ask to rephrase with the two likeliest topics; a second miss offers a person."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, contact_line
from actions.topics import Offer, main_menu, topic_button
from actions.understanding import candidate_topics, medical_among, miss_streak

PERSON_BUTTONS = [
    {"title": "Yes, talk to a person", "payload": "/human_handoff"},
    {"title": "No, I'll rephrase", "payload": "/deny"},
]


def clarify(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    """Reply to a message the assistant did not understand well enough."""
    parse_data = tracker.latest_message
    config = clinic()
    medical = medical_among(parse_data)
    if medical == "urgent_medical":
        # It might be urgent: the safety line comes before anything else.
        dispatcher.utter_message(
            text=(
                f"If this is about a problem after a treatment that feels severe or is getting worse, call "
                f"{config.clinic.emergency_number} in an emergency or the clinic's urgent line on {config.clinic.urgent_line}."
            )
        )
    if miss_streak(tracker.events) >= 2:
        dispatcher.utter_message(
            text=(
                "I'm sorry, I'm still not sure I understand. Would you like to talk to a person from the clinic? "
                f"You can also {contact_line(config)}."
            ),
            buttons=PERSON_BUTTONS,
        )
        return [SlotSet("pending_offer", Offer.HUMAN)]
    buttons = [topic_button(topic) for topic in candidate_topics(parse_data)]
    if medical and not any(button["payload"] == f"/{medical}" for button in buttons):
        buttons.append(topic_button("medical_question"))
    if not buttons:
        buttons = main_menu()
    dispatcher.utter_message(
        text="Sorry, I'm not sure I understood. Could you rephrase, or did you mean one of these?",
        buttons=buttons,
    )
    return []


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return clarify(dispatcher, tracker)
