"""Run a custom action in-process the way the action server does (rasa-sdk's own types), and
turn the responses it names into the text Rasa sends (Rasa's own response templating, with
domain.yml), so tests read what the visitor reads."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
_UNFILLED = re.compile(r"\{[a-z_]+\}")


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


# Events as the action server receives them (Rasa's Event.as_dict()), to build a history.
def user_event(parse_data: Dict[str, Any]) -> Dict[str, Any]:
    return {"event": "user", "text": parse_data.get("text"), "parse_data": parse_data}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def slot_event(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def slot(events: List[Dict[str, Any]], name: str) -> List[Any]:
    """The values an action's events set ``name`` to, in order."""
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]


def tracker(
    latest: Dict[str, Any],
    slots: Optional[Dict[str, Any]] = None,
    previous: Optional[List[Dict[str, Any]]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    latest_action: str = "action_listen",
) -> Tracker:
    """A tracker whose latest event is the user message ``latest``; before it either the user
    messages ``previous`` or the ``events`` given (then ``slots`` follow from their slot events)."""
    if events is not None:
        history = list(events)
        slots = {**{e["name"]: e["value"] for e in history if e.get("event") == "slot"}, **(slots or {})}
    else:
        history = [user_event(p) for p in (previous or [])]
    history += [action_event("action_listen"), user_event(latest)]
    return Tracker("visitor-1", slots or {}, latest, history, False, None, {}, latest_action)


@lru_cache(maxsize=1)
def _generator():
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    return TemplatedNaturalLanguageGenerator(Domain.load(str(DOMAIN)).responses)


def rendered(messages: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """The messages as Rasa sends them: a named response filled in from domain.yml, the action's
    buttons after the response's own (as rasa.core.actions.action.RemoteAction does)."""
    result = []
    for message in messages:
        message = dict(message)
        name = message.get("response")
        if name:
            variables = {key: value for key, value in message.items() if key != "response"}
            draft = _generator().generate_from_slots(name, dict(slots or {}), "collector", **variables)
            assert draft is not None, f"{name} is not a response in domain.yml"
            assert not _UNFILLED.search(draft.get("text") or ""), f"{name} left a variable unfilled: {draft['text']}"
            message["text"] = draft.get("text")
            message["buttons"] = (draft.get("buttons") or []) + (message.get("buttons") or [])
        result.append(message)
    return result


def say_text(response: str, **variables: Any) -> str:
    """The text of one domain.yml response with its variables."""
    return rendered([{"response": response, **variables}])[0]["text"]


def run(action: Action, latest: Dict[str, Any], **kwargs) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    current = tracker(latest, **kwargs)
    events = action.run(dispatcher, current, {})
    return rendered(dispatcher.messages, current.slots), events


def joined(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


async def run_async(
    action: Action, latest: Dict[str, Any], **kwargs
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The same for actions whose run() is a coroutine (those that use the clinic database)."""
    dispatcher = CollectingDispatcher()
    current = tracker(latest, **kwargs)
    events = await action.run(dispatcher, current, {})
    return rendered(dispatcher.messages, current.slots), events


def visitor_words(error: Exception, config: Any = None) -> str:
    """What the visitor is told for an error of the clinic package (domain.yml, as the actions choose it)."""
    from actions.wording import invalid_input_reply, registration_error_reply
    from clinic.errors import InvalidInput

    if isinstance(error, InvalidInput):
        response, variables = invalid_input_reply(error)
    else:
        response, variables = registration_error_reply(error, config)
    return say_text(response, **variables)
