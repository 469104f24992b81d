"""Run a custom action in-process the way the action server does (rasa-sdk's own types)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def parse(
    intent: str,
    confidence: float = 0.95,
    ranking: Optional[List[Tuple[str, float]]] = None,
    faq: Optional[List[Tuple[str, float]]] = None,
    entities: Optional[List[Dict]] = None,
    text: str = "a message",
) -> Dict[str, Any]:
    """Parse data shaped like Rasa's (intent, ranking, response selector, entities)."""
    ranking = ranking or [(intent, confidence)]
    data: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities or [],
    }
    if faq:
        best_key, best_conf = faq[0]
        data["response_selector"] = {
            "faq": {
                "response": {"intent_response_key": f"faq/{best_key}", "confidence": best_conf},
                "ranking": [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in faq],
            }
        }
    return data


def tracker(
    latest: Dict[str, Any], slots: Optional[Dict[str, Any]] = None, previous: Optional[List[Dict[str, Any]]] = None
) -> Tracker:
    events = [{"event": "user", "text": p.get("text"), "parse_data": p} for p in (previous or [])]
    events.append({"event": "user", "text": latest.get("text"), "parse_data": latest})
    return Tracker("visitor-1", slots or {}, latest, events, False, None, {}, "action_listen")


def run(action: Action, latest: Dict[str, Any], **kwargs) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(latest, **kwargs), {})
    return dispatcher.messages, events


def joined(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


async def run_async(
    action: Action, latest: Dict[str, Any], **kwargs
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The same for actions whose run() is a coroutine (those that use the clinic database)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(latest, **kwargs), {})
    return dispatcher.messages, events
