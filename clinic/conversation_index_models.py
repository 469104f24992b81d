"""The staff console's index of Rasa's conversations, kept in the clinic database.

Rasa's tracker store holds every event; reading it on each console page would scan millions
of rows. ``clinic.conversation_index.catch_up`` reads new tracker events by id and keeps:

- ``conversation_summaries``: one row per conversation (what the list shows and filters on);
- ``conversation_intents``: the intents seen in each conversation (``faq`` and ``faq/<key>``
  for FAQ answers), for the intent filter;
- ``conversation_search``: the full-text index of what visitors and the assistant said. Its
  shape differs per backend (SQLite: an FTS5 virtual table whose rowid is the conversation's
  last event id, see ``clinic.conversation_fulltext``;
  PostgreSQL: a ``tsvector`` column with a GIN index), so it is created by the migration
  alone and left out of the model comparison (``clinic.schema.include_object``);
- ``conversation_index_state``: the last tracker event id indexed (one row, locked by each
  index run), and ``conversation_index_gaps``: ids below it that were missing when the index
  passed them, so that events committed out of id order (several Rasa replicas writing to
  PostgreSQL) are picked up later, once.

Created and changed only by the Alembic migrations (revisions 0003 and 0004).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)

from clinic.models import Base, Ticket, UTCDateTime, utcnow

SEARCH_TABLE = "conversation_search"  # created per backend by migration 0003; see the module docstring
FIRST_MESSAGE_MAX_LENGTH = 200


class ConversationSummary(Base):
    """One conversation as the console's list shows it, updated from new tracker events."""

    __tablename__ = "conversation_summaries"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    channel = Column(String(32))  # input_channel of its first visitor message that had one
    started_at = Column(UTCDateTime, nullable=False)
    last_event_at = Column(UTCDateTime, nullable=False)
    visitor_messages = Column(Integer, nullable=False, default=0)
    assistant_messages = Column(Integer, nullable=False, default=0)
    first_visitor_message = Column(String(FIRST_MESSAGE_MAX_LENGTH))  # typed text, not a button payload
    first_visitor_event_id = Column(Integer)
    lowest_confidence = Column(Float)  # lowest NLU confidence among visitor messages
    had_fallback = Column(Boolean, nullable=False, default=False)
    had_medical = Column(Boolean, nullable=False, default=False)
    had_urgent = Column(Boolean, nullable=False, default=False)
    last_event_id = Column(Integer, nullable=False)
    # The indexer's own state, carried between runs: the last action and the active form
    # (a fallback is judged from what the assistant did next) and the text indexed so far.
    last_action = Column(String(255))
    active_loop = Column(String(255))
    indexed_text_chars = Column(Integer, nullable=False, default=0)

    __table_args__ = (
        # Newest first is by last tracker event id (ids grow with time); on SQLite it is also
        # the key of the conversation's full-text document.
        Index("ix_conversation_summaries_last_event", "last_event_id", unique=True),
        Index("ix_conversation_summaries_recent", "last_event_at", "last_event_id"),
        Index("ix_conversation_summaries_channel", "channel", "last_event_id"),
    )

    @property
    def message_count(self) -> int:
        return self.visitor_messages + self.assistant_messages


class ConversationIntent(Base):
    """An intent seen in a conversation (``faq/<key>`` and ``faq`` for FAQ answers)."""

    __tablename__ = "conversation_intents"

    conversation_id = Column(
        Integer, ForeignKey("conversation_summaries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    intent = Column(String(255), primary_key=True)

    __table_args__ = (Index("ix_conversation_intents_intent", "intent", "conversation_id"),)


class ConversationIndexState(Base):
    """Where the index stands in Rasa's events table (a single row, ``id`` 1)."""

    __tablename__ = "conversation_index_state"

    id = Column(Integer, primary_key=True, autoincrement=False)
    last_event_id = Column(Integer, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class ConversationIndexGap(Base):
    """A tracker event id the index passed over because it was not in Rasa's events table yet
    (an insert not committed at that moment, or rolled back). Looked for again on each run
    while it is inside the look-back window, then forgotten."""

    __tablename__ = "conversation_index_gaps"

    event_id = Column(Integer, primary_key=True, autoincrement=False)


# The hand-off filter finds conversations by their tickets' kind (any status); the tickets
# table's own indexes serve the queue and open tickets only.
Index("ix_tickets_sender_kind", Ticket.sender_id, Ticket.kind)
