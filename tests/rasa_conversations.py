"""Conversations written into a tracker store by Rasa's own SQLTrackerStore, from real
``rasa.shared.core.events`` objects: the rows are exactly what a running Rasa writes.

``ConversationBuilder`` lays out a conversation's events the way Rasa 3.6 records a turn
(user message, featurization, action, bot messages, action_listen; forms as active_loop and
requested_slot events); the NLU's parse data has the shape Rasa's pipeline produces here
(intent, ranking, entities, and the ResponseSelector's answer for ``faq``), as the REST test
(tests/test_conversation_index_rest.py) checks against the real assistant.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
MODEL_METADATA = {"model_id": "test-model", "assistant_id": "clinic-skincare-assistant"}
CLARIFY = "Sorry, I'm not sure I understood. Could you rephrase, or did you mean one of these?"
FAQ_ANSWERS = {
    "downtime": "There's little downtime. Skin usually looks pink or red for one to three days.",
    "aftercare": "General aftercare: keep the skin clean and wear a broad-spectrum SPF 30+.",
    "acne_scars": "Micro-needling can soften acne scars over several sessions.",
}


def rasa_store(url: str) -> SQLTrackerStore:
    """Rasa's SQLTrackerStore on a ``sqlite:///`` or ``postgresql://`` URL (as endpoints.yml would give it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLTrackerStore(dialect="sqlite", db=parsed.database)
    return SQLTrackerStore(
        dialect="postgresql",
        host=parsed.host,
        port=parsed.port,
        db=parsed.database,
        username=parsed.username,
        password=parsed.password,
    )


class RasaWriter:
    """Saves conversations through Rasa's SQLTrackerStore, turn by turn, as Rasa does."""

    def __init__(self, url: str) -> None:
        self.store = rasa_store(url)
        self._session_events: Dict[str, List[Event]] = {}

    def add(self, sender_id: str, events: Sequence[Event]) -> None:
        """Append events to a conversation (Rasa keeps the latest session in the tracker and
        stores the events it does not have yet)."""
        current = self._session_events.get(sender_id, []) + list(events)
        tracker = DialogueStateTracker.from_events(sender_id, current, slots=DOMAIN.slots)
        asyncio.run(self.store.save(tracker))
        starts = [e.timestamp for e in current if isinstance(e, SessionStarted)]
        self._session_events[sender_id] = [e for e in current if not starts or e.timestamp >= starts[-1]]

    def add_conversation(self, builder: "ConversationBuilder") -> None:
        self.add(builder.sender_id, builder.take())

    def close(self) -> None:
        self.store.engine.dispose()


def _ranking(winner: str, confidence: float, runner_ups: Iterable[Tuple[str, float]]) -> List[Dict[str, Any]]:
    return [{"name": winner, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in runner_ups]


class ConversationBuilder:
    """Events of one conversation, with a clock that moves a little with every event."""

    def __init__(self, sender_id: str, start: float, channel: Optional[str] = "rest") -> None:
        self.sender_id = sender_id
        self.clock = float(start)
        self.channel = channel
        self.events: List[Event] = []

    def _tick(self, seconds: float = 0.01) -> float:
        self.clock += seconds
        return self.clock

    def take(self) -> List[Event]:
        """The events built since the last take (to save them turn by turn)."""
        events, self.events = self.events, []
        return events

    def wait(self, seconds: float) -> "ConversationBuilder":
        self.clock += seconds
        return self

    def session(self) -> "ConversationBuilder":
        self.events += [
            ActionExecuted("action_session_start", confidence=1.0, timestamp=self._tick(), metadata=MODEL_METADATA),
            SessionStarted(timestamp=self._tick(), metadata=MODEL_METADATA),
            ActionExecuted("action_listen", timestamp=self._tick(), metadata=MODEL_METADATA),
        ]
        return self

    def visitor(
        self,
        text: str,
        intent: str,
        confidence: float = 0.95,
        *,
        runner_ups: Sequence[Tuple[str, float]] = (("greet", 0.02), ("thank", 0.01)),
        faq: Optional[Tuple[str, float]] = None,
        entities: Sequence[Dict[str, Any]] = (),
        channel: Optional[str] = "",
    ) -> "ConversationBuilder":
        """A typed message as the NLU pipeline parses it. ``faq``: (key, ResponseSelector
        confidence) for the ``faq`` intent."""
        message_id = uuid.uuid4().hex
        intent_data: Dict[str, Any] = {"name": intent, "confidence": confidence}
        parse_data: Dict[str, Any] = {
            "intent": intent_data,
            "entities": [dict(entity) for entity in entities],
            "text": text,
            "message_id": message_id,
            "metadata": {},
            "text_tokens": [[0, len(text)]],
            "intent_ranking": _ranking(intent, confidence, runner_ups),
        }
        key, selector_confidence = faq or ("microneedling_how", 0.08)
        if faq:
            intent_data["full_retrieval_intent_name"] = f"faq/{key}"
        parse_data["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "responses": [{"text": FAQ_ANSWERS.get(key, "An answer.")}],
                    "confidence": selector_confidence,
                    "intent_response_key": f"faq/{key}",
                    "utter_action": f"utter_faq/{key}",
                },
                "ranking": [
                    {"confidence": selector_confidence, "intent_response_key": f"faq/{key}"},
                    {"confidence": round(1 - selector_confidence, 6) / 2, "intent_response_key": "faq/aftercare"},
                ],
            },
        }
        return self._user(text, parse_data, message_id, channel)

    def button(self, intent: str, **entities: str) -> "ConversationBuilder":
        """A button press: its payload, parsed by Rasa's RegexMessageHandler."""
        payload = "/" + intent + (json.dumps(entities) if entities else "")
        message_id = uuid.uuid4().hex
        parse_data = {
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [
                {
                    "entity": name,
                    "value": value,
                    "start": len(intent) + 1,
                    "end": len(payload),
                    "extractor": "RegexMessageHandler",
                }
                for name, value in entities.items()
            ],
            "text": payload,
            "message_id": message_id,
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": 1.0}],
        }
        return self._user(payload, parse_data, message_id, "")

    def _user(self, text: str, parse_data: Dict[str, Any], message_id: str, channel: Optional[str]):
        at = self._tick(1.0)
        self.events += [
            UserUttered(
                text,
                parse_data["intent"],
                parse_data["entities"],
                parse_data,
                timestamp=at,
                input_channel=self.channel if channel == "" else channel,
                message_id=message_id,
                metadata=MODEL_METADATA,
            ),
            DefinePrevUserUtteredFeaturization(False, timestamp=self._tick(), metadata=MODEL_METADATA),
        ]
        return self

    def action(self, name: str) -> "ConversationBuilder":
        self.events.append(
            ActionExecuted(
                name, "RulePolicy", 1.0, timestamp=self._tick(), metadata=MODEL_METADATA, hide_rule_turn=True
            )
        )
        return self

    def rejected(self, name: str) -> "ConversationBuilder":
        self.events.append(ActionExecutionRejected(name, "RulePolicy", 1.0, timestamp=self._tick()))
        return self

    def says(
        self, text: str, buttons: Sequence[Tuple[str, str]] = (), response: Optional[str] = None
    ) -> "ConversationBuilder":
        """A bot message (``response``: the domain response it came from, as Rasa records it)."""
        data = {
            "elements": None,
            "quick_replies": None,
            "buttons": [{"title": title, "payload": payload} for title, payload in buttons] or None,
            "attachment": None,
            "image": None,
            "custom": None,
        }
        metadata = {**({"utter_action": response} if response else {}), **MODEL_METADATA}
        self.events.append(BotUttered(text, data, metadata, timestamp=self._tick()))
        return self

    def reply(
        self, action: str, text: str, buttons: Sequence[Tuple[str, str]] = (), response: Optional[str] = None
    ) -> "ConversationBuilder":
        """An action, its bot message, then action_listen."""
        return self.action(action).says(text, buttons, response).listen()

    def faq_answer(self, key: str) -> "ConversationBuilder":
        return self.reply(
            "action_answer_faq",
            FAQ_ANSWERS.get(key, "An answer."),
            [("Book a consultation", "/book_consultation")],
            f"utter_faq/{key}",
        )

    def listen(self) -> "ConversationBuilder":
        self.events.append(
            ActionExecuted(
                "action_listen", "RulePolicy", 1.0, timestamp=self._tick(), metadata=MODEL_METADATA, hide_rule_turn=True
            )
        )
        return self

    def slot(self, name: str, value: Any) -> "ConversationBuilder":
        self.events.append(SlotSet(name, value, timestamp=self._tick(), metadata=MODEL_METADATA))
        return self

    def form(self, name: Optional[str]) -> "ConversationBuilder":
        self.events.append(ActiveLoop(name, timestamp=self._tick(), metadata=MODEL_METADATA))
        return self

    def asks(self, slot: Optional[str], question: Optional[str] = None) -> "ConversationBuilder":
        self.slot("requested_slot", slot)
        if question:
            self.says(question, response=f"utter_ask_{slot}")
        return self


class RasaTracker:
    """A tracker store of a test's own: Rasa writes to it, the console's reader reads it."""

    def __init__(self, url: str) -> None:
        from clinic.tracker_store import TrackerStoreReader

        self.url = url
        self.writer = RasaWriter(url)
        self.reader = TrackerStoreReader(url)

    def add(self, builder: ConversationBuilder) -> None:
        self.writer.add_conversation(builder)

    def close(self) -> None:
        self.writer.close()
        self.reader.dispose()


def new_tracker_url(backend: str, tmp_path: Path, postgres_factory) -> str:
    """A fresh, empty tracker store URL on ``backend`` (``postgres_factory``: db_fixtures' server)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'tracker-{uuid.uuid4().hex[:6]}.db'}"
    return postgres_factory().create()
