"""Medical questions go to a licensed professional; red flags get the safety message first."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, urgent_message
from actions.topics import YES_NO, Offer

MEDICAL_REPLY = (
    "Thank you for asking, and I understand you want to get this right. Because it's about your own "
    "health, it needs a licensed professional who can take your history into account. I can't give "
    "personal medical advice here."
)
FOLLOW_UP_OFFER = "Would you like one of the clinic's professionals to follow up with you?"


WARNING_ENTITIES = {"red_flag", "warning_sign"}


def mentions_warning_sign(tracker: Tracker) -> bool:
    return any(entity.get("entity") in WARNING_ENTITIES for entity in tracker.latest_message.get("entities") or [])


class ActionMedicalReply(Action):
    def name(self) -> Text:
        return "action_medical_reply"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        if mentions_warning_sign(tracker):
            # Not urgent by the NLU's judgement, but a warning sign is mentioned: safety line first.
            dispatcher.utter_message(
                text=(
                    f"If you have signs such as pus, fever, spreading redness, swelling that is getting worse or "
                    f"trouble breathing, don't wait: call {config.clinic.emergency_number} in an emergency or the "
                    f"clinic's urgent line on {config.clinic.urgent_line}."
                )
            )
        dispatcher.utter_message(text=f"{MEDICAL_REPLY} {FOLLOW_UP_OFFER}", buttons=YES_NO)
        return [SlotSet("pending_offer", Offer.MEDICAL_FOLLOWUP)]


class ActionUrgentSafety(Action):
    def name(self) -> Text:
        return "action_urgent_safety"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        dispatcher.utter_message(text=urgent_message(config))
        dispatcher.utter_message(
            text="When you're safe, would you like a clinic professional to follow up with you as a priority?",
            buttons=YES_NO,
        )
        return [SlotSet("pending_offer", Offer.MEDICAL_FOLLOWUP)]
