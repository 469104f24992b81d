"""The shape shared by the pipeline's untrained components, which re-read a parsed message.

`LanguageIdentifier`, `AssistantQuestions`, `TreatmentScope`, `HowMuchOfWhat`, `BookingQuestions`
and `MedicalSafetyNet` learn nothing: each is built from its configuration alone and applies its
rule to every message in place. Rasa's graph asks each component for `create` with the model
storage and resource it would train into; this is that method, once. `IntentRule` is the shape
of those that read a message as another intent: what the classifiers said, and why it was
changed, are kept in the parse data under the rule's own key, so staff can see it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


class MessageRule(GraphComponent):
    """An untrained component made from its configuration, applying `_process` to each message."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageRule":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        raise NotImplementedError


class IntentRule(MessageRule):
    """A rule that reads some messages as another intent, recording under `record_key` what the
    classifiers said ("original_intent", "original_confidence") and the rule's "reason"."""

    record_key: Text

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def _decide(self, message: Message) -> Optional[Tuple[Text, Text]]:
        """The intent the message is to be read as and why, or None to leave it as it is."""
        raise NotImplementedError

    def _process(self, message: Message) -> None:
        decision = self._decide(message)
        if not decision:
            return
        new_intent, reason = decision
        original = message.get(INTENT) or {}
        read_as(message, new_intent)
        message.set(
            self.record_key,
            {
                "original_intent": original.get(INTENT_NAME_KEY),
                "original_confidence": original.get(PREDICTED_CONFIDENCE_KEY),
                "reason": reason,
            },
            add_to_output=True,
        )


def read_as(message: Message, intent: Text) -> None:
    """Make `intent` the message's intent, with the confidence the classifiers' ranking gave it
    (0 when they did not rank it); the ranking itself stays the classifiers'."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    confidence = next(
        (item.get(PREDICTED_CONFIDENCE_KEY, 0.0) for item in ranking if item.get(INTENT_NAME_KEY) == intent), 0.0
    )
    message.set(INTENT, {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)


def ranking_of(message: Message) -> Dict[Text, float]:
    """{intent: confidence} as the classifiers ranked the message."""
    return {
        item.get(INTENT_NAME_KEY): item.get(PREDICTED_CONFIDENCE_KEY, 0.0)
        for item in message.get(INTENT_RANKING_KEY) or []
    }


def folded(text: Optional[Text]) -> Text:
    """The text as the rules' word patterns read it: lower case, curly apostrophes straight,
    whitespace runs as one space."""
    return " ".join((text or "").lower().replace("\u2019", "'").split())
