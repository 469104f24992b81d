"""Greeting, and what "yes", "no" and bare details mean given the assistant's last question."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, contact_line
from actions.topics import Offer, main_menu
from clinic.hours import status_sentence

ANYTHING_ELSE = "Is there anything else I can help with?"


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(
            text=(
                f"Hi! 👋 I'm the virtual assistant of {clinic().clinic.name}. I can answer questions about "
                "micro-needling, downtime, acne and our events, and help you book a consultation. I can't give "
                "personal medical advice, but I can put you in touch with a licensed professional."
            ),
            buttons=main_menu(),
        )
        return []


def follow_up_contact(dispatcher: CollectingDispatcher, who: str) -> None:
    config = clinic()
    dispatcher.utter_message(
        text=(
            f"Thank you. To have {who} follow up, please {contact_line(config)} and mention your question. "
            f"{status_sentence(config)}"
        )
    )


class ActionAffirm(Action):
    def name(self) -> Text:
        return "action_affirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        offer = tracker.get_slot("pending_offer")
        if offer == Offer.MEDICAL_FOLLOWUP:
            follow_up_contact(dispatcher, "one of the clinic's professionals")
        elif offer == Offer.HUMAN:
            follow_up_contact(dispatcher, "a member of the team")
        elif offer == Offer.EVENT_UPDATES:
            config = clinic()
            channels = [f"{network.title()} {handle}" for network, handle in config.clinic.social.items() if handle]
            where = f"follow us on {', '.join(channels)} or " if channels else ""
            dispatcher.utter_message(
                text=f"Lovely! New events are announced first on our channels: {where}email {config.clinic.email} to be added to the list."
            )
        else:
            dispatcher.utter_message(text="Great! What would you like to know?", buttons=main_menu())
        return [SlotSet("pending_offer", None)]


class ActionDeny(Action):
    def name(self) -> Text:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        offer = tracker.get_slot("pending_offer")
        if offer == Offer.MEDICAL_FOLLOWUP:
            text = (
                "Of course, that's your choice. If you change your mind, you can reach the clinic any time: "
                f"{contact_line(clinic())}. {ANYTHING_ELSE}"
            )
        else:
            text = f"No problem. {ANYTHING_ELSE}"
        dispatcher.utter_message(text=text, buttons=main_menu())
        return [SlotSet("pending_offer", None)]


class ActionInform(Action):
    """Details given when no question asked for them."""

    def name(self) -> Text:
        return "action_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text="Thanks! What can I help you with today?", buttons=main_menu())
        return []
