"""Answers built from the clinic's configuration: hours, location, contact, prices."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, contact_line, money
from clinic.hours import status_sentence, weekly_hours_lines


class ActionClinicHours(Action):
    def name(self) -> Text:
        return "action_clinic_hours"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        lines = "\n".join(weekly_hours_lines(config))
        dispatcher.utter_message(
            text=f"Our opening hours ({config.clinic.timezone} time):\n{lines}\n{status_sentence(config)}",
            buttons=[
                {"title": "Book a consultation", "payload": "/book_consultation"},
                {"title": "Where are you?", "payload": "/ask_location"},
            ],
        )
        return []


class ActionClinicLocation(Action):
    def name(self) -> Text:
        return "action_clinic_location"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        details = clinic().clinic
        text = f"You'll find {details.name} at {details.address}."
        if details.directions:
            text += f" {details.directions}"
        buttons = [{"title": "Opening hours", "payload": "/ask_hours"}]
        if details.map_link:
            text += f"\nMap: {details.map_link}"
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionClinicContact(Action):
    def name(self) -> Text:
        return "action_clinic_contact"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        details = config.clinic
        lines = [f"📞 Phone: {details.phone}", f"✉️ Email: {details.email}"]
        lines += [f"{network.title()}: {handle}" for network, handle in details.social.items() if handle]
        dispatcher.utter_message(
            text=f"You can reach {details.name} here:\n" + "\n".join(lines) + f"\n{status_sentence(config)}",
            buttons=[
                {"title": "Talk to a person", "payload": "/human_handoff"},
                {"title": "Opening hours", "payload": "/ask_hours"},
            ],
        )
        return []


class ActionPriceInfo(Action):
    def name(self) -> Text:
        return "action_price_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        buttons = [{"title": "Book a consultation", "payload": "/book_consultation"}]
        if config.prices:
            lines = [
                f"• {item.treatment}: {money(item.price, item.currency)}" + (f" ({item.note})" if item.note else "")
                for item in config.prices
            ]
            text = "Here are the clinic's published prices:\n" + "\n".join(lines)
            if config.consultation_note:
                text += f"\n{config.consultation_note}"
        else:
            text = (
                "The clinic doesn't publish a price list here, because the cost depends on the treatment plan "
                "that suits your skin. "
                + (config.consultation_note + " " if config.consultation_note else "")
                + f"For a quote, {contact_line(config)}."
            )
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
