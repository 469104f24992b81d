"""FAQ answers from the ResponseSelector, given only when its choice is confident.

A question about the clinic itself that no answer key covers (age, who treats, gift vouchers)
is answered from the clinic's file instead of with whichever answer it is nearest to
(actions/clinic_questions.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_questions import answer_clinic_question
from actions.fallback import clarify
from actions.follow_ups import FOLLOW_UP, answer_from_last_answer
from actions.question_parts import AnswersEveryQuestion
from actions.topics import FAQ_LABELS, next_steps
from actions.understanding import faq_choice
from clinic.intents import FAQ_INTENT

logger = logging.getLogger(__name__)


class ActionAnswerFaq(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_answer_faq"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        choice = faq_choice(tracker.latest_message)
        if not choice.from_button:
            # "what about swimming?" right after an answer: what that answer says of it, whatever
            # the selector chose for a message that names only a subject, unless its choice is
            # about that subject ("what about the pain?": the pain answer).
            chosen = f"{choice.key.replace('_', ' ')}: {FAQ_LABELS.get(choice.key, '')}" if choice.confident else ""
            if answer_from_last_answer(dispatcher, tracker, chosen):
                return FOLLOW_UP, []
            clinic_topic = answer_clinic_question(dispatcher, tracker.latest_message.get("text"))
            if clinic_topic:
                return clinic_topic, []
        if not choice.confident:
            logger.info("Weak FAQ match %s (%.2f): asking instead of answering", choice.key, choice.confidence)
            return None, clarify(dispatcher, tracker)
        # Buttons go beside the response, not in domain.yml: Rasa treats "{...}" in a response's
        # button payloads as slot templates.
        dispatcher.utter_message(response=f"utter_faq/{choice.key}", buttons=next_steps(choice.key))
        return f"{FAQ_INTENT}/{choice.key}", []
