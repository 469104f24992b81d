"""Greeting, and details given when no question asked for them ("yes" and "no": actions/offers.py)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.topics import main_menu
from actions.wording import say


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        say(dispatcher, "utter_greet", buttons=main_menu(), clinic_name=clinic().clinic.name)
        return []


class ActionInform(Action):
    """Details given when no question asked for them."""

    def name(self) -> Text:
        return "action_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        say(dispatcher, "utter_inform", buttons=main_menu())
        return []
