"""The out-of-scope reply: what the assistant cannot help with, and what the clinic does offer.

A question about a treatment the clinic does not offer ("Do you do Botox?", "How long do lip
fillers last?") is `out_of_scope` (PRODUCT.md), but a visitor who asks it is weighing up
treatments: the reply names the treatment they asked about, says what the clinic offers (the
clinic file's `treatments`), and points to a consultation. Anything else out of scope gets the
general reply: what the assistant can help with.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.clinic_questions import answer_clinic_question
from actions.fallback import answer_filler
from actions.question_parts import AnswersEveryQuestion
from actions.topics import topic_buttons
from actions.wording import say, spoken_list
from clinic.treatments import other_treatment_named


class ActionOutOfScope(AnswersEveryQuestion):
    """Out of scope, and then the message's other questions ("Do you do Botox? And how much is
    micro-needling?")."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        if answer_filler(dispatcher, tracker.latest_message):  # "hmm" is no question out of scope
            return None, []
        # About the clinic itself ("do you sell gift vouchers?"): its own note answers.
        clinic_topic = answer_clinic_question(dispatcher, tracker.latest_message.get("text"))
        if clinic_topic:
            return clinic_topic, []
        details = clinic().clinic
        treatment = other_treatment_named(tracker.latest_message.get("text") or "")
        if not treatment:
            say(dispatcher, "utter_out_of_scope")  # its buttons are in domain.yml
            return "out_of_scope", []
        offered = {"treatments": spoken_list(details.treatments)} if details.treatments else {}
        say(
            dispatcher,
            "utter_other_treatment" if offered else "utter_other_treatment_no_list",
            buttons=topic_buttons(["faq/microneedling_what", "book_consultation", "human_handoff"]),
            treatment=treatment,
            clinic_name=details.name,
            **offered,
        )
        return "out_of_scope", []
