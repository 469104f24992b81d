""" "I have rosacea, how much is a consultation?", "Can I bring my son in, he's 16 and has acne":
a practical question (what it costs, an appointment) that mentions the visitor's skin.

The classifier learnt `medical_question` from messages about the visitor's own skin, and a skin
condition named in passing carries a price or booking question there with it: among the real
set's harmless questions escalated (2026-12-07) were a price question read as medical at 0.98
and two booking questions, and probes of the same kinds in other words went the same way. (Those
three use none of this rule's words and are still escalated; they were not chased blind.)
PRODUCT.md puts what a course of treatment costs under `ask_price` and booking, for oneself or a
family member, under `book_consultation`; the booking and its ticket carry the whole message,
so staff still read about the skin.

`practical_reading` is deliberately narrow, because a missed medical question is the worst error:
a message is read as practical only when it asks about money or an appointment and
* names no symptom, red flag, warning sign or medicine (an entity of `STAYS_MEDICAL`), and no
  treatment besides a consultation (with a condition, "I have rosacea, can I book
  micro-needling?" asks whether it is suitable);
* asks for no judgement about the visitor (`_ASKS_FOR_JUDGEMENT`: "can I have", "is it safe",
  "would it help", "should I", "do you think", "what would you recommend"...), and speaks of no
  pregnancy, breastfeeding, or a treatment already had (a reaction now).
An appointment's practicalities with no skin named at all ("is it a problem if I'm 10 minutes
late for my appointment?") are read the same way: being late, rescheduling or cancelling. The
rule never touches an urgent reading, nor one the safety net made for a red flag.

`PracticalQuestions` applies it last, after the safety net, to a `medical_question` reading that
no red flag made: whether the classifier's own or the safety net's second opinion. The
confidence is what the classifiers gave the practical intent; what they said is kept under
`practical_question`.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from clinic.payment_questions import ASKS_ABOUT_PAYING
from nlu_components.booking_questions import BOOK
from nlu_components.how_much_of_what import says_money
from nlu_components.medical_safety_net import MEDICAL, RED_FLAG_REASON, SAFETY_NET_KEY
from nlu_components.message_rules import IntentRule, folded, ranking_of

ASK_PRICE = "ask_price"
PRACTICAL_QUESTION_KEY = "practical_question"
STAYS_MEDICAL = frozenset({"symptom", "red_flag", "warning_sign", "medication"})
CONSULTATION = frozenset({"consultation", "consult", "consultations", "appointment"})

_PRICE = re.compile(
    r"\b(?:how much|price ?wise|what would (?:i|it) (?:be looking at|pay|set me back)|covered by)\b", re.I
)
_APPOINTMENT = re.compile(
    r"\b(?:book\w*|appointments?|appts?|consultations?|slots?|availab\w*|come in|bring (?:my|her|him|them)\b"
    r"|walk[- ]?ins?|same[- ]day|first (?:visit|appointment|consultation)|new (?:patients?|clients?)|referr\w*"
    r"|(?:see|fit) (?:me|her|him|us|them) (?:in|today|tomorrow|this week|next week)|free (?:this|next|on|today|tomorrow))",
    re.I,
)
_APPOINTMENT_PRACTICALITIES = re.compile(
    r"\b(?:(?:running|be|being|am|i'?m|im) (?:\w+ )?late|late for|reschedul\w*|re-?arrang\w*|cancel\w*"
    r"|move (?:my|the|our) (?:appointment|appt|booking|session|consultation)|change (?:my|the) (?:appointment|time|date))\b",
    re.I,
)
_ASKS_FOR_JUDGEMENT = re.compile(
    r"\b(?:can i (?:have|get|do|still|use|go|wear|put|take|try)|could i (?:have|get|do)|am i (?:able|ok|okay|suitable|a)"
    r"|is (?:it|this|that|microneedling|needling) (?:\w+ )?(?:safe|suitable|ok|okay|alright|right|a good idea|bad"
    r"|dangerous|normal|too|worth)|(?:ok|okay|safe|suitable|fine|alright) for me|candidate|should i|would (?:it|this|that"
    r"|microneedling|needling|you)|will (?:it|this|that|microneedling|needling)|does (?:it|this|that) (?:help|work)"
    r"|do you think|(?:help|work|good) (?:with|for|on) (?:my|her|his|it|this|that)|recommend\w*|advi[cs]e|suggest\w*"
    r"|what (?:can|should|do) i|how (?:long|soon)|wait|normal|worr\w*|concern\w*|risk\w*|side effects?|react\w*"
    r"|fix|cure|get rid|clear (?:it|up|my)|treat (?:it|this|that)\b(?! for)|best (?:treatment|option|thing)"
    r"|will (?:\w+ ){0,2}(?:respond|work|help|improve|clear|fade|go away|get better|make)|enough to|tell (?:if|whether)"
    r"|can (?:she|he|they|we|my \w+) (?:\w+ )?(?:have|get|do|come in for)"
    r"|come in for (?:a |an |the |my |her |his )?(?:treatment|session|procedure|microneedling|needling))",
    re.I,
)
_SITUATION = re.compile(
    r"\b(?:pregnan\w*|breast ?feed\w*|nursing|ttc|trying to conceive|after (?:my|the|her|his) (?:treatment|session"
    r"|microneedling|needling|appointment|procedure)|since (?:my|the|her|his)|post[- ]treatment|\d+ (?:days?|hours?|weeks?)"
    r" (?:ago|after|post|later))\b",
    re.I,
)
_SKIN_NAMED = frozenset({"skin_concern", "body_area"})


def practical_reading(text: str, entities: Iterable[dict], ranking: dict) -> Optional[str]:
    """`ask_price` or `book_consultation` when a medical reading of ``text`` asks only that, or None."""
    text = folded(text)
    kinds = {}
    for entity in entities:
        kinds.setdefault(entity.get("entity"), set()).add(str(entity.get("value") or "").lower())
    if STAYS_MEDICAL & set(kinds):
        return None
    if kinds.get("treatment", set()) - CONSULTATION:
        return None
    practicalities = bool(_APPOINTMENT_PRACTICALITIES.search(text))
    if _ASKS_FOR_JUDGEMENT.search(text) and not practicalities:
        return None
    if _SITUATION.search(text):
        return None
    price = says_money(text) or bool(_PRICE.search(text) or ASKS_ABOUT_PAYING.search(text))
    booking = bool(_APPOINTMENT.search(text))
    if practicalities:
        if _SKIN_NAMED & set(kinds):
            return None  # "I need to move my appointment, my acne has flared": a professional should know
        return BOOK
    if price and booking:
        return ASK_PRICE if ranking.get(ASK_PRICE, 0.0) >= ranking.get(BOOK, 0.0) else BOOK
    if price:
        return ASK_PRICE
    if booking:
        return BOOK
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PracticalQuestions(IntentRule):
    record_key = PRACTICAL_QUESTION_KEY

    def _decide(self, message: Message) -> Optional[Tuple[str, str]]:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != MEDICAL:
            return None
        if str((message.get(SAFETY_NET_KEY) or {}).get("reason") or "").startswith(RED_FLAG_REASON):
            return None
        intent = practical_reading(message.get(TEXT) or "", message.get(ENTITIES) or [], ranking_of(message))
        if intent is None:
            return None
        return intent, "a practical question (price or appointment) that mentions the skin only in passing"
