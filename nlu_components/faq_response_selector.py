"""Rasa's ResponseSelector, run only on messages that may get an FAQ answer.

Rasa runs the ResponseSelector on every message, although its choice is read only when the
message ends up as `faq`: the FAQ answer itself (rules.yml), the FAQ topics a clarifying
question offers as buttons (actions/understanding.py), and the answer key staff see in the
console (clinic/tracker_messages.py). It is the dearest step of a parse (4.4 ms of about 14 ms
over the held-out set, 2026-12-06, a network as large as an intent classifier), and on 137 of
those 232 messages `faq` was not even among the three likeliest intents.

A message can only end up as `faq` from near the top of the intent ranking: as the winner, as
one of the two topics a clarifying question offers, or as the intent ranked after
`urgent_medical` when the safety net finds a general question is no emergency
(nlu_components/medical_safety_net.py), where `HowMuchOfWhat` may still make the
price reading it fell to ("HOW MUCH SWELLING IS NORMAL?": urgent, then `ask_price`) the FAQ
question it is, if the selector is sure of its answer. So the selector runs on every urgent
reading (few messages), and when `faq` is among the first
`faq_within_top` intents of the classifier's ranking (5 by default: the clarifying question
skips intents it cannot offer as a button, such as a greeting, so `faq` ranked below the first
two may still be offered), and the parse of every other message carries no
`response_selector` entry for `faq`. On the held-out set `faq` is among the first 3 intents of
95 messages of 232 and among the first 5 of 98: the ranking is sharp. Training and the network
are Rasa's own.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

URGENT = "urgent_medical"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**ResponseSelector.get_default_config(), "faq_within_top": 5}

    def may_be_answered(self, message: Message) -> bool:
        """True when the retrieval intent is among the likeliest intents of this message."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        top = int(self.component_config["faq_within_top"])
        wanted = self.retrieval_intent
        if wanted is None:  # one selector for every retrieval intent: any of them may need it
            return True
        if ranking and ranking[0].get(INTENT_NAME_KEY) == URGENT:
            return True
        return any(item.get(INTENT_NAME_KEY) == wanted for item in ranking[:top])

    def process(self, messages: List[Message]) -> List[Message]:
        chosen = [message for message in messages if self.may_be_answered(message)]
        if chosen:
            super().process(chosen)
        return messages
