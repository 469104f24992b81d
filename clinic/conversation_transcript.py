"""One conversation as staff read it: a transcript built from its tracker events.

Plain dataclasses, no HTML: the console renders them (visitors' text stays text; masking of
e-mail addresses and phone numbers is the console's, per role). Every item carries the
tracker event id and an aware UTC time; ``kind`` names the item's type for templates, and
``quiet`` marks what the UI shows in a quieter style (actions, form steps, slots).

Items: ``SessionStart``; ``VisitorMessage`` (text, channel, intent and confidence, the FAQ
key and the ResponseSelector's own confidence for FAQ answers, runner-up intents, entities);
``AssistantMessage`` (text, buttons, other content); ``ActionStep``; ``FormStep`` (a form
starting or ending, or the slot it asks for next); ``SlotChange``; ``OtherEvent`` (restarts,
reminders, ...). Rasa's bookkeeping events (``action_listen``, ``action_session_start``,
``user_featurization``) are left out. The conversation's tickets and event registrations
come from the clinic database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Union

from sqlalchemy import select

from clinic import tracker_messages as messages
from clinic.db import Database
from clinic.models import EventRegistration, Ticket
from clinic.tracker_store import StoredEvent, TrackerStoreReader

DEFAULT_MAX_EVENTS = 3000  # the latest events of a very long conversation; ``truncated`` says so
RUNNER_UPS = 4
REQUESTED_SLOT = "requested_slot"
HIDDEN_ACTIONS = frozenset({"action_listen", "action_session_start"})
HIDDEN_TYPES = frozenset({"user_featurization"})


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: Optional[int] = None
    end: Optional[int] = None
    extractor: Optional[str] = None


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class SessionStart:
    kind: ClassVar[str] = "session_start"
    quiet: ClassVar[bool] = False
    event_id: int
    at: Optional[dt.datetime]


@dataclass(frozen=True)
class VisitorMessage:
    """What the visitor sent and how the NLU read it. ``is_button_payload``: the visitor
    pressed a button (``text`` is its payload, ``/intent{...}``), so there is no NLU judgement."""

    kind: ClassVar[str] = "visitor"
    quiet: ClassVar[bool] = False
    event_id: int
    at: Optional[dt.datetime]
    text: str
    channel: Optional[str]
    intent: Optional[str]
    confidence: Optional[float]
    faq_key: Optional[str] = None
    faq_confidence: Optional[float] = None  # the ResponseSelector's; None when a button named the FAQ
    runner_ups: Tuple[IntentScore, ...] = ()
    entities: Tuple[Entity, ...] = ()
    is_button_payload: bool = False


@dataclass(frozen=True)
class AssistantMessage:
    """A reply. ``response``: the domain response it came from (``utter_faq/downtime``), if any;
    ``extra``: other content Rasa stored (image, attachment, custom payload, quick replies, elements)."""

    kind: ClassVar[str] = "assistant"
    quiet: ClassVar[bool] = False
    event_id: int
    at: Optional[dt.datetime]
    text: str
    buttons: Tuple[Button, ...] = ()
    response: Optional[str] = None
    extra: Tuple[Tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ActionStep:
    """An action the assistant ran (``rejected``: it refused to run, e.g. a form's validation)."""

    kind: ClassVar[str] = "action"
    quiet: ClassVar[bool] = True
    event_id: int
    at: Optional[dt.datetime]
    name: str
    policy: Optional[str] = None
    confidence: Optional[float] = None
    rejected: bool = False


@dataclass(frozen=True)
class FormStep:
    """A form started (``form`` set, ``requested_slot`` None), ended (both None) or asked
    for its next slot (``requested_slot`` set; ``form`` the active form, if known)."""

    kind: ClassVar[str] = "form"
    quiet: ClassVar[bool] = True
    event_id: int
    at: Optional[dt.datetime]
    form: Optional[str]
    requested_slot: Optional[str] = None


@dataclass(frozen=True)
class SlotChange:
    kind: ClassVar[str] = "slot"
    quiet: ClassVar[bool] = True
    event_id: int
    at: Optional[dt.datetime]
    name: str
    value: Any


@dataclass(frozen=True)
class OtherEvent:
    """Any other tracker event (restart, reminder, rewind, ...), by its type and name."""

    kind: ClassVar[str] = "other"
    quiet: ClassVar[bool] = True
    event_id: int
    at: Optional[dt.datetime]
    type_name: str
    name: Optional[str] = None


TranscriptItem = Union[SessionStart, VisitorMessage, AssistantMessage, ActionStep, FormStep, SlotChange, OtherEvent]


@dataclass(frozen=True)
class TicketLink:
    id: int
    reference: str
    kind: str
    status: str
    priority: int
    created_at: dt.datetime
    assignee: Optional[str]


@dataclass(frozen=True)
class RegistrationLink:
    id: int
    reference: str
    event_id: str
    status: str
    guests: int
    created_at: dt.datetime


@dataclass(frozen=True)
class Transcript:
    """A conversation's items in order (every session), and its tickets and registrations.
    ``truncated``: only the latest ``max_events`` tracker events were read."""

    sender_id: str
    items: Tuple[TranscriptItem, ...]
    tickets: Tuple[TicketLink, ...]
    registrations: Tuple[RegistrationLink, ...]
    truncated: bool = False

    @property
    def channel(self) -> Optional[str]:
        return next((item.channel for item in self.items if isinstance(item, VisitorMessage) and item.channel), None)

    @property
    def started_at(self) -> Optional[dt.datetime]:
        return next((item.at for item in self.items if item.at is not None), None)

    @property
    def last_event_at(self) -> Optional[dt.datetime]:
        return next((item.at for item in reversed(self.items) if item.at is not None), None)


def _time(timestamp: Optional[float]) -> Optional[dt.datetime]:
    if timestamp is None:
        return None
    try:
        return dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _buttons(values: Any) -> Tuple[Button, ...]:
    return tuple(
        Button(_text(button.get("title")), _text(button.get("payload")))
        for button in values or []
        if isinstance(button, dict)
    )


def _entities(parsed: Mapping[str, Any]) -> Tuple[Entity, ...]:
    found = []
    for entity in parsed.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity"):
            start, end = entity.get("start"), entity.get("end")
            found.append(
                Entity(
                    str(entity["entity"]),
                    str(entity.get("value", "")),
                    start if isinstance(start, int) else None,
                    end if isinstance(end, int) else None,
                    entity.get("extractor"),
                )
            )
    return tuple(found)


def _visitor_message(event: StoredEvent, at: Optional[dt.datetime]) -> VisitorMessage:
    data = event.data or {}
    parsed = messages.parse_data(data)
    intent, confidence = messages.intent_of(parsed)
    answer = messages.faq_answer(data)
    runner_ups = tuple(IntentScore(name, score) for name, score in messages.intent_ranking(parsed) if name != intent)[
        :RUNNER_UPS
    ]
    return VisitorMessage(
        event_id=event.id,
        at=at,
        text=_text(data.get("text")),
        channel=messages.input_channel(data),
        intent=intent,
        confidence=confidence,
        faq_key=answer.key if answer else None,
        faq_confidence=answer.confidence if answer else None,
        runner_ups=runner_ups,
        entities=_entities(parsed),
        is_button_payload=messages.is_button_payload(data),
    )


def _assistant_message(event: StoredEvent, at: Optional[dt.datetime]) -> AssistantMessage:
    data = event.data or {}
    content: Dict[str, Any] = data.get("data") if isinstance(data.get("data"), dict) else {}
    extra = tuple(
        (name, content[name])
        for name in ("image", "attachment", "custom", "quick_replies", "elements")
        if content.get(name) not in (None, [], {}, "")
    )
    return AssistantMessage(
        event_id=event.id,
        at=at,
        text=_text(data.get("text")),
        buttons=_buttons(content.get("buttons")),
        response=messages.response_name(data),
        extra=extra,
    )


def transcript_items(events: List[StoredEvent]) -> List[TranscriptItem]:
    """The transcript items of a conversation's events (oldest first, each with ``data``)."""
    items: List[TranscriptItem] = []
    active_form: Optional[str] = None
    for event in events:
        at = _time(event.timestamp)
        data = event.data or {}
        kind = event.type_name
        if kind in HIDDEN_TYPES:
            continue
        if kind == "session_started":
            items.append(SessionStart(event.id, at))
        elif kind == "user":
            items.append(_visitor_message(event, at))
        elif kind == "bot":
            items.append(_assistant_message(event, at))
        elif kind == "action":
            name = event.action_name or _text(data.get("name"))
            if name not in HIDDEN_ACTIONS:
                confidence = data.get("confidence")
                items.append(
                    ActionStep(
                        event.id,
                        at,
                        name,
                        data.get("policy"),
                        float(confidence) if isinstance(confidence, (int, float)) else None,
                    )
                )
        elif kind == "action_execution_rejected":
            items.append(ActionStep(event.id, at, _text(data.get("name")) or event.action_name or "", rejected=True))
        elif kind == "active_loop":
            active_form = event.action_name or data.get("name") or None
            items.append(FormStep(event.id, at, active_form))
        elif kind == "slot":
            name = event.action_name or _text(data.get("name"))
            if name == REQUESTED_SLOT:
                if data.get("value") is not None:
                    items.append(FormStep(event.id, at, active_form, str(data["value"])))
            else:
                items.append(SlotChange(event.id, at, name, data.get("value")))
        else:
            items.append(OtherEvent(event.id, at, kind, event.action_name or data.get("name")))
    return items


def _links(db: Database, sender_id: str) -> Tuple[Tuple[TicketLink, ...], Tuple[RegistrationLink, ...]]:
    with db.transaction(read_only=True) as session:
        tickets = session.execute(
            select(
                Ticket.id,
                Ticket.reference,
                Ticket.kind,
                Ticket.status,
                Ticket.priority,
                Ticket.created_at,
                Ticket.assignee,
            )
            .where(Ticket.sender_id == sender_id)
            .order_by(Ticket.created_at, Ticket.id)
        ).all()
        registrations = session.execute(
            select(
                EventRegistration.id,
                EventRegistration.reference,
                EventRegistration.event_id,
                EventRegistration.status,
                EventRegistration.guests,
                EventRegistration.created_at,
            )
            .where(EventRegistration.sender_id == sender_id)
            .order_by(EventRegistration.created_at, EventRegistration.id)
        ).all()
    return (
        tuple(TicketLink(**row._asdict()) for row in tickets),
        tuple(RegistrationLink(**row._asdict()) for row in registrations),
    )


def load_transcript(
    tracker: TrackerStoreReader, clinic_db: Database, sender_id: str, max_events: int = DEFAULT_MAX_EVENTS
) -> Optional[Transcript]:
    """The transcript of ``sender_id``'s conversation, or None when the tracker store has no
    event of it. Reads the tracker store (read-only) and the clinic database."""
    events = tracker.conversation_events(sender_id, limit=max_events + 1)
    if not events:
        return None
    truncated = len(events) > max_events
    if truncated:
        events = events[1:]
    tickets, registrations = _links(clinic_db, sender_id)
    return Transcript(sender_id, tuple(transcript_items(events)), tickets, registrations, truncated)
