"""The actions answering questions about the clinic: hours, location, contact, prices (their
answers: actions/clinic_answers.py)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_answers import tell_contact, tell_hours, tell_location, tell_prices
from actions.clinic_questions import answer_clinic_question
from actions.events import answer_event_cost
from actions.question_parts import AnswersEveryQuestion


class ActionClinicHours(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_hours"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        tell_hours(dispatcher, tracker.latest_message.get("text") or "")
        return "ask_hours", []


class ActionClinicLocation(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_location"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        tell_location(dispatcher, tracker.latest_message.get("text") or "")
        return "ask_location", []


class ActionClinicContact(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_contact"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        tell_contact(dispatcher, tracker.latest_message.get("text") or "")
        return "ask_contact", []


class ActionPriceInfo(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_price_info"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        text = tracker.latest_message.get("text") or ""
        # "is there a cancellation fee?", "how much is a gift voucher?": the clinic's note answers.
        clinic_topic = answer_clinic_question(dispatcher, text)
        if clinic_topic:
            return clinic_topic, []
        about_the_event = answer_event_cost(dispatcher, tracker)
        if about_the_event is not None:
            return "event_info", about_the_event
        tell_prices(dispatcher, text)
        return "ask_price", []
