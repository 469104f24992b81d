"""Keep the console's conversation index up to date from Rasa's tracker store.

``catch_up(clinic_db, tracker)`` reads the tracker events added since the last run, by id,
in batches, and folds them into the per-conversation summaries, the intents seen and the
full-text documents (``clinic.conversation_index_models``). The console runs it every few
seconds; it is cheap when nothing is new.

Correctness under failure and concurrency:

- Each batch is written in ONE clinic-database transaction together with the index position
  (``conversation_index_state``): a crash leaves either the whole batch or none of it, so an
  event is never counted twice or lost.
- The position row is locked for the write (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite
  ``BEGIN IMMEDIATE``, which ``Database.transaction`` issues). Tracker events are read
  before the lock (the slow part) and the batch is written only if the position is still
  the one it was read from; otherwise another console process got there first and the batch
  is read again from the new position. Two processes never index the same events.
- Several Rasa replicas writing to PostgreSQL take ids from one sequence but commit in any
  order, so an event with an id below the position can appear after the index passed it.
  Ids missing when the index passed them are kept (``conversation_index_gaps``) while within
  ``lookback_ids`` of the position and looked for again on every run; an event found there is
  indexed once and its gap forgotten.

What a summary says about a conversation (``tracker_messages`` reads the events):
visitor and assistant message counts; the channel and first typed visitor message; the lowest
NLU confidence; medical and urgent intents; and whether the assistant fell back: it ran a
clarify action (``action_clarify``), answered an FAQ question with no FAQ answer (a weak
ResponseSelector match, see actions/faq.py), or got ``nlu_fallback`` outside a form (inside
one the form takes the text as the answer to its question, so such a message counts neither
as a fallback nor towards the lowest confidence).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from clinic import tracker_messages as messages
from clinic.conversation_fulltext import (
    DOCUMENT_TEXT_LIMIT,
    MESSAGE_TEXT_LIMIT,
    DocumentUpdate,
    clear_documents,
    document_text,
    write_documents,
)
from clinic.conversation_index_models import (
    FIRST_MESSAGE_MAX_LENGTH,
    ConversationIndexGap,
    ConversationIndexState,
    ConversationIntent,
    ConversationSummary,
)
from clinic.db import Database, dialect_insert
from clinic.models import utcnow
from clinic.tracker_store import StoredEvent, TrackerStoreReader
from clinic.validation import clean_text

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000  # tracker events per transaction: short write locks on a shared SQLite file
DEFAULT_LOOKBACK_IDS = 10_000  # how far below the position a late (out-of-order) commit is still found
# PostgreSQL plans the list's queries from table statistics; after a large run (a first index
# of an existing store) they are refreshed at once instead of when autovacuum gets to them.
ANALYZE_AFTER_EVENTS = 100_000
ANALYZED_TABLES = "conversation_summaries, conversation_intents, conversation_search"
STATE_ID = 1
_CHUNK = 500
_summaries = ConversationSummary.__table__


@dataclass
class CatchUpResult:
    """What one ``catch_up`` call did."""

    events: int = 0  # tracker events indexed, late ones included
    late_events: int = 0  # events that committed after the index had passed their id
    conversations_created: int = 0
    conversations_updated: int = 0
    batches: int = 0
    retries: int = 0  # batches read again because another process had indexed them first
    last_event_id: int = 0  # the index position afterwards
    # The tracker store's newest id is below the index position: the console points at another
    # (or a recreated) tracker store. Nothing is indexed until ``reset_index`` is called.
    tracker_behind: bool = False


@dataclass
class _Summary:
    """A conversation's summary while a batch is folded into it (the table's columns)."""

    sender_id: str
    started_at: dt.datetime
    last_event_at: dt.datetime
    last_event_id: int
    id: Optional[int] = None
    channel: Optional[str] = None
    visitor_messages: int = 0
    assistant_messages: int = 0
    first_visitor_message: Optional[str] = None
    first_visitor_event_id: Optional[int] = None
    lowest_confidence: Optional[float] = None
    had_fallback: bool = False
    had_medical: bool = False
    had_urgent: bool = False
    last_action: Optional[str] = None
    active_loop: Optional[str] = None
    indexed_text_chars: int = 0
    # Not columns: the last event id before this batch, and what this batch adds.
    previous_last_event_id: Optional[int] = None
    new_intents: Set[str] = field(default_factory=set)
    new_text: List[str] = field(default_factory=list)

    def apply(self, event: StoredEvent) -> None:
        at = _time(event.timestamp)
        if at is not None:
            self.started_at = min(self.started_at, at)
            self.last_event_at = max(self.last_event_at, at)
        self.last_event_id = max(self.last_event_id, event.id)
        if event.type_name == "user":
            self._visitor_message(event)
        elif event.type_name == "bot":
            self._assistant_message(event)
        elif event.type_name == "action":
            self.last_action = event.action_name
            if event.action_name in messages.CLARIFY_ACTIONS:
                self.had_fallback = True
        elif event.type_name == "active_loop":
            self.active_loop = event.action_name or None

    def _visitor_message(self, event: StoredEvent) -> None:
        data = event.data or {}
        self.visitor_messages += 1
        channel = messages.input_channel(data)
        if channel and not self.channel:
            self.channel = channel[:32]
        payload = messages.is_button_payload(data)
        if not payload and (self.first_visitor_event_id is None or event.id < self.first_visitor_event_id):
            typed = clean_text(data.get("text"), limit=FIRST_MESSAGE_MAX_LENGTH, multiline=False)
            if typed:
                self.first_visitor_message, self.first_visitor_event_id = typed, event.id
        labels = messages.intent_labels(data)
        taken_by_form = bool(labels) and labels[0] == messages.FALLBACK_INTENT and bool(self.active_loop)
        confidence = None if taken_by_form else messages.message_confidence(data)
        if confidence is not None:
            self.lowest_confidence = (
                confidence if self.lowest_confidence is None else min(self.lowest_confidence, confidence)
            )
        self.new_intents.update(labels)
        if labels:
            self.had_medical |= labels[0] == messages.MEDICAL_INTENT
            self.had_urgent |= labels[0] == messages.URGENT_INTENT
            self.had_fallback |= labels[0] == messages.FALLBACK_INTENT and not taken_by_form
            if labels[0] == messages.FAQ_INTENT:
                self.new_intents.add(messages.FAQ_INTENT)
        if not payload:
            self._add_text(data.get("text"))

    def _assistant_message(self, event: StoredEvent) -> None:
        data = event.data or {}
        self.assistant_messages += 1
        if self.last_action == messages.FAQ_ANSWER_ACTION and not messages.is_faq_response(data):
            self.had_fallback = True
        self._add_text(data.get("text"))

    def _add_text(self, value) -> None:
        if not isinstance(value, str) or self.indexed_text_chars >= DOCUMENT_TEXT_LIMIT:
            return
        words = document_text(value[:MESSAGE_TEXT_LIMIT])
        if words:
            words = words[: DOCUMENT_TEXT_LIMIT - self.indexed_text_chars]
            self.new_text.append(words)
            self.indexed_text_chars += len(words) + 1

    def columns(self) -> Dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in _COLUMNS and f.name != "id"}


_NOT_COLUMNS = ("previous_last_event_id", "new_intents", "new_text")
_COLUMNS = [f.name for f in fields(_Summary) if f.name not in _NOT_COLUMNS]


def _time(timestamp: Optional[float]) -> Optional[dt.datetime]:
    if timestamp is None:
        return None
    try:
        return dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


# -- the index position ------------------------------------------------------------------


def _lock_position(session: Session) -> int:
    """The position, with its row locked until the transaction ends (created when missing)."""
    session.execute(
        dialect_insert(session, ConversationIndexState)
        .values(id=STATE_ID, last_event_id=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[ConversationIndexState.id])
    )
    query = select(ConversationIndexState.last_event_id).where(ConversationIndexState.id == STATE_ID)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return int(session.execute(query).scalar_one())


def _read_position(clinic_db: Database, lookback_ids: int) -> Tuple[int, List[int]]:
    """(position, gap ids still inside the look-back window) without locking anything."""
    with clinic_db.transaction(read_only=True) as session:
        position = session.execute(
            select(ConversationIndexState.last_event_id).where(ConversationIndexState.id == STATE_ID)
        ).scalar()
        position = int(position or 0)
        gaps = session.execute(
            select(ConversationIndexGap.event_id)
            .where(ConversationIndexGap.event_id > position - lookback_ids)
            .order_by(ConversationIndexGap.event_id)
        ).scalars()
        return position, list(gaps)


def index_position(clinic_db: Database) -> int:
    """The id of the last tracker event the index has passed (0 before the first run)."""
    return _read_position(clinic_db, 0)[0]


def reset_index(clinic_db: Database) -> None:
    """Forget everything indexed (for pointing the console at another tracker store); the
    next ``catch_up`` rebuilds the index from the first event. Staff's tags, notes and
    review marks are kept: they belong to conversations, not to the index."""
    with clinic_db.transaction() as session:
        _lock_position(session)
        session.execute(delete(ConversationIndexGap))
        session.execute(delete(ConversationIntent))
        clear_documents(session)
        session.execute(delete(ConversationSummary))
        session.execute(
            update(ConversationIndexState)
            .where(ConversationIndexState.id == STATE_ID)
            .values(last_event_id=0, updated_at=utcnow())
        )


# -- one batch ---------------------------------------------------------------------------


def _load_summaries(session: Session, sender_ids: Sequence[str]) -> Dict[str, _Summary]:
    loaded: Dict[str, _Summary] = {}
    columns = [_summaries.c[name] for name in _COLUMNS]
    for start in range(0, len(sender_ids), _CHUNK):
        chunk = sender_ids[start : start + _CHUNK]
        for row in session.execute(select(*columns).where(_summaries.c.sender_id.in_(chunk))):
            summary = _Summary(**dict(zip(_COLUMNS, row, strict=True)))
            summary.previous_last_event_id = summary.last_event_id
            loaded[summary.sender_id] = summary
    return loaded


def _summary_ids(session: Session, sender_ids: Sequence[str]) -> Dict[str, int]:
    ids: Dict[str, int] = {}
    for start in range(0, len(sender_ids), _CHUNK):
        chunk = sender_ids[start : start + _CHUNK]
        ids.update(
            session.execute(
                select(_summaries.c.sender_id, _summaries.c.id).where(_summaries.c.sender_id.in_(chunk))
            ).all()
        )
    return ids


def _write_summaries(session: Session, summaries: Iterable[_Summary]) -> Tuple[int, int]:
    created = [s for s in summaries if s.id is None]
    updated = [s for s in summaries if s.id is not None]
    if created:
        session.execute(insert(_summaries), [s.columns() for s in created])
        ids = _summary_ids(session, [s.sender_id for s in created])
        for summary in created:
            summary.id = ids[summary.sender_id]
    if updated:
        names = [name for name in _COLUMNS if name not in ("id", "sender_id")]
        statement = (
            update(_summaries)
            .where(_summaries.c.id == bindparam("summary_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        session.execute(
            statement,
            [{"summary_id": s.id, **{f"new_{name}": getattr(s, name) for name in names}} for s in updated],
        )
    return len(created), len(updated)


def _write_intents(session: Session, summaries: Iterable[_Summary]) -> None:
    rows = [{"conversation_id": s.id, "intent": intent[:255]} for s in summaries for intent in sorted(s.new_intents)]
    if rows:
        session.execute(
            dialect_insert(session, ConversationIntent).on_conflict_do_nothing(
                index_elements=[ConversationIntent.conversation_id, ConversationIntent.intent]
            ),
            rows,
        )


def _update_gaps(
    session: Session, position: int, new_position: int, new_ids: Set[int], found: Set[int], lookback_ids: int
) -> None:
    """Remember ids passed over in ``(position, new_position]``; forget found and expired ones."""
    floor = new_position - lookback_ids
    missing = [i for i in range(max(position, floor) + 1, new_position + 1) if i not in new_ids]
    if found:
        session.execute(delete(ConversationIndexGap).where(ConversationIndexGap.event_id.in_(sorted(found))))
    session.execute(delete(ConversationIndexGap).where(ConversationIndexGap.event_id <= floor))
    if missing:
        session.execute(
            dialect_insert(session, ConversationIndexGap).on_conflict_do_nothing(
                index_elements=[ConversationIndexGap.event_id]
            ),
            [{"event_id": i} for i in missing],
        )


@dataclass
class _BatchOutcome:
    events: int
    late_events: int
    created: int
    updated: int
    position: int


def _write_batch(
    clinic_db: Database,
    expected_position: int,
    late: List[StoredEvent],
    new: List[StoredEvent],
    lookback_ids: int,
) -> Optional[_BatchOutcome]:
    """Fold one batch in, in one transaction; None if the position moved meanwhile."""
    with clinic_db.transaction() as session:
        position = _lock_position(session)
        if position != expected_position:
            return None
        if late:
            still_gaps = set(
                session.execute(
                    select(ConversationIndexGap.event_id).where(ConversationIndexGap.event_id.in_([e.id for e in late]))
                ).scalars()
            )
            late = [event for event in late if event.id in still_gaps]
        events = sorted(late + new, key=lambda event: event.id)
        new_position = max([position] + [event.id for event in new])
        by_sender: Dict[str, List[StoredEvent]] = defaultdict(list)
        for event in events:
            by_sender[event.sender_id].append(event)
        summaries = _load_summaries(session, sorted(by_sender))
        for sender_id, conversation in by_sender.items():
            summary = summaries.get(sender_id)
            if summary is None:
                first = _time(conversation[0].timestamp) or utcnow()
                summary = summaries[sender_id] = _Summary(sender_id, first, first, conversation[0].id)
            for event in conversation:
                summary.apply(event)
        touched = [summaries[sender_id] for sender_id in by_sender]
        created, updated = _write_summaries(session, touched)
        _write_intents(session, touched)
        write_documents(
            session,
            [DocumentUpdate(s.id, s.previous_last_event_id, s.last_event_id, " ".join(s.new_text)) for s in touched],
        )
        _update_gaps(session, position, new_position, {e.id for e in new}, {e.id for e in late}, lookback_ids)
        session.execute(
            update(ConversationIndexState)
            .where(ConversationIndexState.id == STATE_ID)
            .values(last_event_id=new_position, updated_at=utcnow())
        )
        return _BatchOutcome(len(events), len(late), created, updated, new_position)


# -- the public entry point --------------------------------------------------------------


def catch_up(
    clinic_db: Database,
    tracker: TrackerStoreReader,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: Optional[int] = None,
    lookback_ids: int = DEFAULT_LOOKBACK_IDS,
) -> CatchUpResult:
    """Index the tracker events added since the last run; return what was done.

    ``batch_size``: tracker events per transaction. ``max_batches``: stop after that many
    (None: until caught up), so a first run over a large store can be spread out.
    ``lookback_ids``: how far below the position an out-of-order commit is still picked up.
    After a large run on PostgreSQL the index tables' statistics are refreshed (ANALYZE).
    Raises ``TrackerStoreError`` when the tracker store cannot be read and
    ``ClinicDatabaseError`` when the clinic database fails (nothing of that batch is kept).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = CatchUpResult()
    look_back = True
    while max_batches is None or result.batches < max_batches:
        position, gaps = _read_position(clinic_db, lookback_ids)
        result.last_event_id = position
        late = tracker.events_by_id(gaps) if look_back and gaps else []
        look_back = False
        new = tracker.events_after(position, limit=batch_size)
        if not new and not late:
            if position and tracker.last_event_id() < position:
                result.tracker_behind = True
                logger.warning(
                    "The tracker store %s ends before the conversation index (event %s): a different or recreated "
                    "store? Nothing is indexed until the index is reset.",
                    tracker.safe_url,
                    position,
                )
            break
        outcome = _write_batch(clinic_db, position, late, new, lookback_ids)
        if outcome is None:
            result.retries += 1
            look_back = bool(late)
            continue
        result.batches += 1
        result.events += outcome.events
        result.late_events += outcome.late_events
        result.conversations_created += outcome.created
        result.conversations_updated += outcome.updated
        result.last_event_id = outcome.position
        if len(new) < batch_size:
            break
    if result.events >= ANALYZE_AFTER_EVENTS and clinic_db.backend == "postgresql":
        with clinic_db.transaction() as session:
            session.execute(text(f"ANALYZE {ANALYZED_TABLES}"))
    return result
