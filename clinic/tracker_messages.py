"""What Rasa's stored message events say: intents, FAQ answers, confidences, channels.

Reads the ``data`` of ``user`` and ``bot`` events as Rasa 3.6 stores them (``Event.as_dict()``),
for the conversation index and the transcript alike, so both judge a message the same way.
Plain dicts in, plain values out; no Rasa import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

FALLBACK_INTENT = "nlu_fallback"
FAQ_INTENT = "faq"
FAQ_LABEL_PREFIX = "faq/"
MEDICAL_INTENT = "medical_question"
URGENT_INTENT = "urgent_medical"
FAQ_KEY_ENTITY = "faq_key"  # what FAQ buttons send: /faq{"faq_key": "downtime"}
# The clinic's actions that ask the visitor to rephrase (actions/fallback.py), and Rasa's own.
CLARIFY_ACTIONS = frozenset({"action_clarify", "action_default_fallback", "action_two_stage_fallback"})
# action_answer_faq answers with an utter_faq/<key> response, or asks to rephrase when the
# ResponseSelector's choice is weak (actions/faq.py): a reply without one is a fallback.
FAQ_ANSWER_ACTION = "action_answer_faq"
FAQ_RESPONSE_PREFIX = "utter_faq/"
# "/intent", "/intent{...}" or "/intent@0.9": what buttons send (Rasa's RegexMessageHandler).
_PAYLOAD = re.compile(r"^/([^{@\s]+)")


@dataclass(frozen=True)
class FaqAnswer:
    """The FAQ the ResponseSelector chose for a message (or the one its button named)."""

    key: str
    confidence: Optional[float]  # the ResponseSelector's own; None when a button named it
    from_button: bool


def parse_data(data: Mapping[str, Any]) -> Dict[str, Any]:
    value = data.get("parse_data")
    return value if isinstance(value, dict) else {}


def _float(value: Any) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no confidence


def intent_of(parsed: Mapping[str, Any]) -> Tuple[Optional[str], Optional[float]]:
    """(intent name, confidence) of a parsed message."""
    intent = parsed.get("intent")
    if not isinstance(intent, dict) or not intent.get("name"):
        return None, None
    return str(intent["name"]), _float(intent.get("confidence"))


def is_button_payload(data: Mapping[str, Any]) -> bool:
    """True when the visitor's "message" is a button's payload (``/intent{...}``), not typed text."""
    text = data.get("text")
    if not isinstance(text, str):
        return False
    match = _PAYLOAD.match(text.strip())
    return bool(match) and match.group(1) == intent_of(parse_data(data))[0]


def faq_answer(data: Mapping[str, Any]) -> Optional[FaqAnswer]:
    """The FAQ answer of a message whose intent is ``faq`` (None for any other intent)."""
    parsed = parse_data(data)
    if intent_of(parsed)[0] != FAQ_INTENT:
        return None
    for entity in parsed.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == FAQ_KEY_ENTITY and entity.get("value"):
            return FaqAnswer(str(entity["value"]), None, True)
    selector = (parsed.get("response_selector") or {}).get(FAQ_INTENT) or {}
    response = selector.get("response") or {}
    label = response.get("intent_response_key") or (parsed.get("intent") or {}).get("full_retrieval_intent_name")
    if not isinstance(label, str) or not label.startswith(FAQ_LABEL_PREFIX):
        return None
    return FaqAnswer(label[len(FAQ_LABEL_PREFIX) :], _float(response.get("confidence")), False)


def intent_ranking(parsed: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """[(intent, confidence)] as the classifier ranked them, best first."""
    ranking = []
    for item in parsed.get("intent_ranking") or []:
        if isinstance(item, dict) and item.get("name"):
            confidence = _float(item.get("confidence"))
            ranking.append((str(item["name"]), confidence if confidence is not None else 0.0))
    return ranking


def message_confidence(data: Mapping[str, Any]) -> Optional[float]:
    """How sure the NLU was of a visitor message, for the "low confidence" filter.

    The intent's confidence; for ``nlu_fallback`` (whose confidence is only the threshold)
    the best real intent's; for an FAQ, the lower of the intent's and the ResponseSelector's.
    None for a button payload, which the NLU did not judge.
    """
    if is_button_payload(data):
        return None
    parsed = parse_data(data)
    name, confidence = intent_of(parsed)
    if name == FALLBACK_INTENT:
        ranked = [score for intent, score in intent_ranking(parsed) if intent != FALLBACK_INTENT]
        confidence = ranked[0] if ranked else confidence
    elif name == FAQ_INTENT:
        answer = faq_answer(data)
        if answer is not None and answer.confidence is not None and confidence is not None:
            confidence = min(confidence, answer.confidence)
    return confidence


def intent_labels(data: Mapping[str, Any]) -> List[str]:
    """The labels a visitor message is filed under: its intent, and ``faq/<key>`` for an FAQ."""
    name, _ = intent_of(parse_data(data))
    if not name:
        return []
    labels = [name]
    answer = faq_answer(data)
    if answer is not None:
        labels.append(FAQ_LABEL_PREFIX + answer.key)
    return labels


def input_channel(data: Mapping[str, Any]) -> Optional[str]:
    channel = data.get("input_channel")
    return str(channel) if channel else None


def response_name(data: Mapping[str, Any]) -> Optional[str]:
    """The domain response a bot message came from (``utter_faq/downtime``), if any."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        name = metadata.get("utter_action") or metadata.get("template")
        return str(name) if name else None
    return None


def is_faq_response(data: Mapping[str, Any]) -> bool:
    return (response_name(data) or "").startswith(FAQ_RESPONSE_PREFIX)
