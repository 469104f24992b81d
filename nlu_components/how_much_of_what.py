""" "How much downtime?" is a question about downtime, not about money.

The intent classifier learns `ask_price` from "how much": on the model of 2026-12-07 "How much
downtime should I expect?" (0.74), "how much recovery time do I need?" and "how much time does
the treatment take?" were read as price questions and got the price answer, while the
ResponseSelector, which runs for them because `faq` is close behind, was sure of the right FAQ
answer (downtime 1.00, session length 0.99).

`HowMuchOfWhat` reads the wording: an `ask_price` winner whose "how much" is followed by
something that is not money (downtime, recovery, time, pain, redness, improvement), that says
no money word anywhere (cost, price, fee, pay, afford, a currency) and whose FAQ answer the
ResponseSelector chose confidently, becomes `faq`. It moves a message only between two harmless
answers; a medical or urgent winner is never touched. It runs after the safety net, because
the net may leave a general question it took off the urgent path ("how much swelling is
normal?", read as urgent) with `ask_price`, the intent ranked next. The
confidence is what the classifiers gave `faq`; what they said is kept under `how_much_of_what`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.message_rules import IntentRule

ASK_PRICE = "ask_price"
FAQ = "faq"
HOW_MUCH_KEY = "how_much_of_what"

_HOW_MUCH_OF_NOT_MONEY = re.compile(
    r"\bhow much (?:\w+ ){0,2}?(?:down ?time|recovery|time|pain|discomfort|redness|swelling|peeling|flaking|bleeding"
    r"|improvement|difference|results?|collagen|depth|numbing)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"\b(?:costs?|costing|price[ds]?|pricing|prices|charges?|charged|fees?|pay|paying|paid|payment|afford\w*"
    r"|expensive|cheap\w*|quote|budget|money|spend|deposit|discounts?|offers?|deals?|packages?|pounds|dollars|euros"
    r"|quid|bucks|gbp|usd|eur)\b|[£$€]",
    re.IGNORECASE,
)


def asks_how_much_of_something_else(text: str) -> bool:
    """ "how much downtime / recovery time / pain", saying nothing about money."""
    return bool(_HOW_MUCH_OF_NOT_MONEY.search(text or "")) and not says_money(text)


def says_money(text: str) -> bool:
    """Whether ``text`` names money: a cost, a price, paying, a currency."""
    return bool(_MONEY.search(text or ""))


def faq_answer_confidence(message: Message) -> float:
    selected = (message.get("response_selector") or {}).get(FAQ) or {}
    return float((selected.get("response") or {}).get("confidence") or 0.0)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class HowMuchOfWhat(IntentRule):
    record_key = HOW_MUCH_KEY

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The same line as the assistant's for giving an FAQ answer (FAQ_CONFIDENCE_THRESHOLD).
        return {"min_answer_confidence": 0.5}

    def _decide(self, message: Message) -> Optional[Tuple[str, str]]:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != ASK_PRICE:
            return None
        if not asks_how_much_of_something_else(message.get(TEXT) or ""):
            return None
        if faq_answer_confidence(message) < self.config["min_answer_confidence"]:
            return None
        return FAQ, "how much of something that is not money"
