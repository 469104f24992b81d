"""Questions about the assistant itself ("who are you?", "what can you do?") are `bot_challenge`.

They are among the first things a new visitor types, and the classifier has little to go on: a
short question with "you" in it. On the model of 2026-12-07 "who are you?" got the answer on
which skin types micro-needling suits and "what can you do?" fell back. Teaching them as
training data moved the intent model's other decisions by chance (36 examples: the fresh set
lost 3 answers and escalated 2 more harmless questions), as every intent round here has. They
are a closed set of phrasings, so a rule reads them instead: a message that is, as a whole, one
of these questions (a greeting before it and a "please" are allowed) becomes `bot_challenge`,
whose reply says who the assistant is and what it can help with.

Like `TreatmentScope`, it only moves a message between harmless answers: a medical or urgent
winner is left alone, and the safety net runs after it. The reading is certain, so its
confidence is 1.0; what the classifiers said is kept under `assistant_question`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.message_rules import MessageRule, folded

BOT_CHALLENGE = "bot_challenge"
LEFT_ALONE = frozenset({"medical_question", "urgent_medical"})
ASSISTANT_QUESTION_KEY = "assistant_question"

_YOU = r"(?:you|u|ya)"
_THIS = r"(?:this (?:chat|chatbot|bot|assistant|thing|service)|the (?:chat|chatbot|bot|assistant))"
_QUESTIONS = [
    rf"who (?:are|r) {_YOU}",
    rf"what (?:are|r) {_YOU}",
    rf"who(?: is|'s|s) (?:this|that|there|{_THIS})",
    r"who am i (?:talking|chatting|speaking|writing) (?:to|with)",
    rf"who runs {_THIS}",
    rf"what (?:can|could|do) {_YOU} (?:actually |exactly )?(?:do|help (?:me )?with|help me do|answer)(?: for me| here)?",
    rf"what (?:do|does) (?:{_YOU}|{_THIS}) (?:actually )?do(?: here)?",
    rf"how (?:can|could|do) {_YOU} help(?: me)?(?: here)?",
    rf"what can i ask(?: {_YOU})?(?: about)?",
    rf"what (?:kinds?|sorts?|types?) of (?:questions|things|stuff) (?:can|do) (?:{_YOU}|i) (?:answer|help(?: me)? with|ask(?: {_YOU})?)",
    rf"what (?:questions|things|topics) (?:can|do) {_YOU} (?:answer|help(?: me)? with|know about)",
    rf"what(?: is|'s|s) {_THIS}(?: for)?",
    rf"how does {_THIS} work",
    r"what are my options(?: here)?",
]
_GREETING = r"(?:(?:hi|hello|hey|hiya|ok|okay|so|and|um|erm)(?: there)?[\s,.!]+)*"
_ASSISTANT_QUESTION = re.compile(
    rf"^{_GREETING}(?:(?:please|pls)[\s,]+)?(?:{'|'.join(_QUESTIONS)})(?:[\s,]+(?:please|pls))?[\s?!.]*$"
)


def is_assistant_question(text: str) -> bool:
    """Whether the whole message is a question about the assistant itself."""
    words = folded(text)
    return bool(_ASSISTANT_QUESTION.match(words))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AssistantQuestions(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @staticmethod
    def _decide(message: Message) -> Optional[Dict[str, Any]]:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) in LEFT_ALONE | {BOT_CHALLENGE}:
            return None
        if not is_assistant_question(message.get(TEXT) or ""):
            return None
        return {
            "original_intent": intent.get(INTENT_NAME_KEY),
            "original_confidence": intent.get(PREDICTED_CONFIDENCE_KEY),
            "reason": "a question about the assistant itself",
        }

    def _process(self, message: Message) -> None:
        decision = self._decide(message)
        if decision:
            message.set(INTENT, {INTENT_NAME_KEY: BOT_CHALLENGE, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
            message.set(ASSISTANT_QUESTION_KEY, decision, add_to_output=True)
