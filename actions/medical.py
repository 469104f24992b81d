"""Medical questions go to a licensed professional; red flags get the safety message first."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.handoff import form_start_events, open_ticket_for
from actions.languages import reply_in, visitor_language
from actions.offers import Offer, make_offer
from actions.question_parts import AN_OFFER_FOLLOWS, MEDICAL, answer_other_questions
from actions.safety import send_urgent_safety
from actions.topics import yes_no
from actions.wording import say
from clinic.errors import ClinicDatabaseError, InvalidInput
from clinic.models import TicketKind
from clinic.notify_worker import ensure_background_worker

logger = logging.getLogger(__name__)

WARNING_ENTITIES = ("red_flag", "warning_sign")


def mentions_warning_sign(tracker: Tracker) -> bool:
    return any(list(tracker.get_latest_entity_values(entity)) for entity in WARNING_ENTITIES)


class ActionMedicalReply(Action):
    def name(self) -> Text:
        return "action_medical_reply"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if mentions_warning_sign(tracker):
            # Not urgent by the NLU's judgement, but a warning sign is mentioned: safety first.
            send_urgent_safety(dispatcher, tracker)
        say(dispatcher, "utter_medical_reply")
        # "I'm on roaccutane, can I have it? And what are your hours?": the hours, before the offer.
        answer_other_questions(dispatcher, tracker.latest_message, MEDICAL, then=AN_OFFER_FOLLOWS)
        say(dispatcher, "utter_medical_followup_offer", buttons=yes_no())
        translated = reply_in(clinic(), visitor_language(tracker))
        if translated:  # asked in another language: how to reach the clinic, in that language
            dispatcher.utter_message(text=translated)
        return make_offer(Offer.MEDICAL_FOLLOWUP)


class ActionUrgentSafety(Action):
    """The safety message first, always; then an urgent ticket at once with whatever contact is
    known. The hand-off form that follows (rules) asks for missing contact details."""

    def name(self) -> Text:
        return "action_urgent_safety"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        send_urgent_safety(dispatcher, tracker)
        message = tracker.latest_message.get("text") or ""
        try:
            opened = await open_ticket_for(tracker, TicketKind.URGENT, message)
        except (ClinicDatabaseError, InvalidInput) as error:
            logger.error("Could not save an urgent ticket for %s: %s", tracker.sender_id, error)
            say(dispatcher, "utter_urgent_alert_failed")
            send_urgent_safety(dispatcher, tracker)  # calling is now the only way: say how, again
            return []
        ensure_background_worker()
        say(dispatcher, "utter_urgent_alerted", reference=opened.ticket.reference)
        return form_start_events(tracker, TicketKind.URGENT, message)
