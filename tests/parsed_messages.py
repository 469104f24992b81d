"""Messages as the pipeline's rules receive them (nlu_components/message_rules.py and the safety
net): the classifiers' intent, their ranking, the entities, and any parse-data properties."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Tuple

from rasa.shared.nlu.training_data.message import Message


def parsed_message(
    text: str,
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    entities: Iterable[Tuple[str, str]] = (),
    confidence: Optional[float] = None,
    **properties: Any,
) -> Message:
    """The intent's confidence is the ranking's for it (0 when unranked) unless given."""
    msg = Message(data={"text": text})
    confidence = dict(ranking).get(intent, 0.0) if confidence is None else confidence
    msg.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    msg.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    msg.set("entities", [{"entity": e, "value": v} for e, v in entities], add_to_output=True)
    for key, value in properties.items():
        msg.set(key, value, add_to_output=True)
    return msg
