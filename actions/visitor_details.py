"""What both forms ask a visitor for, validated the same way."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from clinic.errors import InvalidInput
from clinic.validation import extract_name


class VisitorDetailsValidation(FormValidationAction):
    """Base of the forms' validation actions (abstract: the action server registers only the forms)."""

    @abstractmethod
    def name(self) -> Text: ...

    def validate_visitor_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the action that started the form
            return {"visitor_name": None}
        try:
            return {"visitor_name": extract_name(value)}
        except InvalidInput as error:
            dispatcher.utter_message(text=error.message)
            return {"visitor_name": None}
