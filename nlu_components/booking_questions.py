""" "Do you take walk-ins?", "Can I bring my daughter to her first appointment?": booking
questions the classifier was not sure of.

Real visitors ask about booking in more ways than the training data shows (PRODUCT.md: the first
visit, what happens at a consultation, walk-ins, same-day appointments, booking for a family
member are all `book_consultation`), and the commonest miss on the real-question set was such a
question falling below the FallbackClassifier's threshold (5 of its 52 misses, 2026-12-07). A
fallback asks the visitor to rephrase what was plain enough.

`BookingQuestions` reads the wording of a message the FallbackClassifier gave up on: one that
speaks of booking (an appointment, a consultation, a walk-in, a slot, availability, a first
visit), says nothing about money (a price question is not a booking) and names no sign,
condition or medicine (an entity of `LEFT_TO_THE_CLASSIFIER`: a visitor's own skin with a
booking word is not only a booking) becomes `book_consultation`. It moves only a message that
would otherwise get "I'm not sure I understood"; the safety net runs after it and still sends
it to a professional when a medical reading has the second-opinion confidence. The confidence is
what the classifiers gave `book_consultation`; what happened is kept under `booking_question`.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.how_much_of_what import says_money
from nlu_components.message_rules import IntentRule

FALLBACK = "nlu_fallback"
BOOK = "book_consultation"
BOOKING_QUESTION_KEY = "booking_question"
# Entities that make a message about the visitor's own skin or health, not only a booking.
LEFT_TO_THE_CLASSIFIER = frozenset({"symptom", "red_flag", "warning_sign", "skin_concern", "medication"})

_BOOKING = re.compile(
    r"\b(?:book\w*|re-?book\w*|appointments?|appts?|consultations?|consults?|walk[- ]?ins?|same[- ]day|slots?"
    r"|availab\w*|reserv\w*|referr\w*|schedul\w*|first (?:visit|session|treatment|time)"
    r"|new (?:patients?|clients?|customers?)|register as|come in (?:today|tomorrow|this week|next week|on)"
    r"|(?:fit|get) (?:me|her|him|us|them|my \w+) in|see someone|waiting list|wait ?list)\b",
    re.IGNORECASE,
)


_HOW_MUCH = re.compile(r"\bhow much\b", re.IGNORECASE)


def speaks_of_booking(text: str) -> bool:
    """Whether ``text`` speaks of booking and not of money ("how much is a consultation?")."""
    text = text or ""
    return bool(_BOOKING.search(text)) and not says_money(text) and not _HOW_MUCH.search(text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class BookingQuestions(IntentRule):
    record_key = BOOKING_QUESTION_KEY

    def _decide(self, message: Message) -> Optional[Tuple[str, str]]:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != FALLBACK:
            return None
        if any(entity.get("entity") in LEFT_TO_THE_CLASSIFIER for entity in message.get(ENTITIES) or []):
            return None
        if not speaks_of_booking(message.get(TEXT) or ""):
            return None
        return BOOK, "a booking question the classifier was not sure of"
