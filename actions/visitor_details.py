"""What both forms ask a visitor for, validated the same way, and the one rule for whether a
message is the answer to the form's question.

While a form waits for an answer (its ``requested_slot``), the visitor's next message is that
answer unless it is a clear change of subject (``actions.understanding.changes_subject``: a red
flag, a medical question or "stop" always; another question only when the NLU is sure of it).
The free-text slots have ``custom`` mappings in domain.yml, so this class fills them: when it
declines, the form gets nothing, Rasa's form steps aside, and the rules answer the new subject
(then the form asks again). A name typed as the answer ("Kim", which a model once took for an
FAQ question at 0.52) is therefore always taken as the name and checked as one.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.understanding import changes_subject, declines_to_go_on
from actions.wording import re_ask
from clinic.errors import InvalidInput
from clinic.validation import extract_name

# The slots the forms fill from what the visitor types (their mappings in domain.yml are custom).
TYPED_ANSWER_SLOTS = ("visitor_name", "visitor_contact", "visitor_email", "preferred_times", "guests")
# Questions only a detail answers, where a "no" declines to go on (a "no" answers the consent
# question, and "no preference" the preferred times).
DETAIL_QUESTIONS = ("visitor_name", "visitor_contact", "visitor_email")


def runs_right_after_the_visitor(tracker: Tracker) -> bool:
    """True when the form runs on the visitor's latest message (not when it starts, or resumes
    after another action answered something). Rasa shows the validator the form's own run as the
    latest action: the one before it says why the form runs."""
    previous = tracker.get_last_event_for("action", skip=1)
    return bool(previous) and previous.get("name") == "action_listen"


def typed_answer(slot: str, tracker: Tracker) -> Dict[Text, Any]:
    """{slot: the visitor's text} when this message answers the form's question for ``slot``."""
    if tracker.get_slot("requested_slot") != slot or not runs_right_after_the_visitor(tracker):
        return {}
    if changes_subject(tracker.latest_message):
        return {}
    text = tracker.latest_message.get("text")
    return {slot: text} if text else {}


class VisitorDetailsValidation(FormValidationAction):
    """Base of the forms' validation actions (abstract: the action server registers only the forms)."""

    @abstractmethod
    def name(self) -> Text: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        """ "no thanks, I don't want to book" at "What's your name?" ends the form (once it became the
        name); anything else is validated slot by slot."""
        if self.visitor_declines(tracker):
            return self.end_declined(dispatcher, tracker)
        return await super().run(dispatcher, tracker, domain)

    def visitor_declines(self, tracker: Tracker) -> bool:
        return (
            tracker.get_slot("requested_slot") in DETAIL_QUESTIONS
            and runs_right_after_the_visitor(tracker)
            and not changes_subject(tracker.latest_message)
            and declines_to_go_on(tracker.latest_message)
        )

    @abstractmethod
    def end_declined(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
        """What the form says when the visitor declines to go on, and the events that end it (a
        `requested_slot` of None; Rasa then runs the form's submit rule)."""

    def extract_visitor_name(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return typed_answer("visitor_name", tracker)

    def extract_visitor_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return typed_answer("visitor_contact", tracker)

    def extract_visitor_email(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return typed_answer("visitor_email", tracker)

    def extract_preferred_times(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return typed_answer("preferred_times", tracker)

    def extract_guests(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return typed_answer("guests", tracker)

    def validate_visitor_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"visitor_name": None}
        try:
            return {"visitor_name": extract_name(value)}
        except InvalidInput as error:
            re_ask(dispatcher, error)
            return {"visitor_name": None}
