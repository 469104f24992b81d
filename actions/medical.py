"""Medical questions go to a licensed professional; red flags get the safety message first."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, urgent_message
from actions.handoff import form_start_events, open_ticket_for
from actions.languages import reply_in, urgent_in, visitor_language
from actions.topics import YES_NO, Offer
from clinic.errors import ClinicDatabaseError, InvalidInput
from clinic.models import TicketKind
from clinic.notify_worker import ensure_background_worker

logger = logging.getLogger(__name__)

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
        translated = reply_in(config, visitor_language(tracker))
        if translated:  # asked in another language: how to reach the clinic, in that language
            dispatcher.utter_message(text=translated)
        return [SlotSet("pending_offer", Offer.MEDICAL_FOLLOWUP)]


class ActionUrgentSafety(Action):
    """The safety message first, always; then an urgent ticket at once with whatever contact is
    known. The hand-off form that follows (rules) asks for missing contact details."""

    def name(self) -> Text:
        return "action_urgent_safety"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        dispatcher.utter_message(text=urgent_message(config))
        translated = urgent_in(config, visitor_language(tracker))
        if translated:  # a red flag in another language: the same essentials in that language, next
            dispatcher.utter_message(text=translated)
        message = tracker.latest_message.get("text") or ""
        try:
            opened = await open_ticket_for(tracker, TicketKind.URGENT, message)
        except (ClinicDatabaseError, InvalidInput) as error:
            logger.error("Could not save an urgent ticket for %s: %s", tracker.sender_id, error)
            dispatcher.utter_message(
                text=f"I couldn't alert the team from here just now, so please call the clinic's urgent line on {config.clinic.urgent_line}."
            )
            return []
        ensure_background_worker()
        dispatcher.utter_message(
            text=f"I've alerted the clinic's team as a priority (reference {opened.ticket.reference}). "
            "Please also make sure they can reach you:"
        )
        return form_start_events(tracker, TicketKind.URGENT, message)
