"""Marks messages confidently not in English, so they get the reply PRODUCT.md describes.

Runs after the intent classifier and the ResponseSelector, before the FallbackClassifier:

* Every message gets a `language` entry in its parse data (code, non_english, confidence,
  reason: nlu_components/language_detection.py decides), so staff can see it and the actions
  can answer in the visitor's language.
* A message confidently in another language becomes the intent `non_english`, with the
  confidence that it is not English; the classifier's other intents keep their order, scaled
  by the rest (1 - confidence). A message the classifier already ranks `urgent_medical` first
  stays urgent. A short courtesy the classifier is sure of ("merci beaucoup", "danke schön",
  "muchas gracias": borrowed thanks and greetings, which the training data labels `thank`
  and `greet`) keeps its intent: it gets the ordinary courteous answer. A question is no
  courtesy: "Hola, ¿hacen microneedling?" (greet 0.62 on the model of 2026-12-07) asks something. Red flags named in other languages are MedicalSafetyNet's job (it runs after
  this and only ever moves towards caution).
* When the classifier says `non_english` but the identifier is not confident (English wins
  ties), `non_english` is taken out of the ranking and the rest renormalised: the message is
  then whatever the classifier thought next, and the FallbackClassifier judges that as usual.

Clinic terms found by the entity extractors (their character spans) are masked before the
language is guessed: "microneedling" or "Dermapen" say nothing about the language.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu_components import language_detection
from nlu_components.message_rules import MessageRule

NON_ENGLISH = "non_english"
URGENT = "urgent_medical"
LANGUAGE_KEY = "language"
QUESTION_MARKS = re.compile(r"[?¿？]")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageIdentifier(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent": NON_ENGLISH,
            "courtesy_intents": ["greet", "thank", "goodbye", "affirm", "deny"],
            "courtesy_max_words": 3,
            "courtesy_min_confidence": 0.5,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config["intent"]
        self.courtesy_intents = set(config["courtesy_intents"])
        self.courtesy_max_words = int(config["courtesy_max_words"])
        self.courtesy_min_confidence = float(config["courtesy_min_confidence"])
        language_detection.load()

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        spans = [
            (entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            for entity in message.get(ENTITIES) or []
            if ENTITY_ATTRIBUTE_START in entity and ENTITY_ATTRIBUTE_END in entity
        ]
        guess = language_detection.identify(text, spans)
        message.set(LANGUAGE_KEY, guess.as_dict(), add_to_output=True)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        ranking = [item for item in message.get(INTENT_RANKING_KEY) or [] if item.get(INTENT_NAME_KEY)]
        courtesy = (
            intent in self.courtesy_intents
            and not QUESTION_MARKS.search(text)
            and confidence >= self.courtesy_min_confidence
            and guess.words <= self.courtesy_max_words
        )
        if guess.non_english and intent != URGENT and not courtesy:
            others = [
                {**item, PREDICTED_CONFIDENCE_KEY: item.get(PREDICTED_CONFIDENCE_KEY, 0.0) * (1.0 - guess.confidence)}
                for item in ranking
                if item[INTENT_NAME_KEY] != self.intent
            ]
            top = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: guess.confidence}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(top)] + others, add_to_output=True)
        elif not guess.non_english and intent == self.intent:
            others = [item for item in ranking if item[INTENT_NAME_KEY] != self.intent]
            total = sum(item.get(PREDICTED_CONFIDENCE_KEY, 0.0) for item in others)
            if not others or total <= 0:
                return
            others = sorted(
                (
                    {**item, PREDICTED_CONFIDENCE_KEY: item.get(PREDICTED_CONFIDENCE_KEY, 0.0) / total}
                    for item in others
                ),
                key=lambda item: item[PREDICTED_CONFIDENCE_KEY],
                reverse=True,
            )
            message.set(INTENT, dict(others[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, others, add_to_output=True)
