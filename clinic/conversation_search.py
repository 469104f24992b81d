"""The console's conversation list: a validated query, and one page of matching conversations.

Reads only the clinic database: the index ``clinic.conversation_index.catch_up`` keeps
(summaries, intents seen, full-text documents), the clinic's ``tickets`` (hand-off kinds) and
staff's review marks and tags. Every filter combines with the others (AND); rows come newest
first (by their last tracker event id: ids grow with time, so this is last activity); a page
is fetched with one row more than it shows, which says whether there is a next page without
counting everything (``count_conversations`` gives a capped count when the UI wants one).

Build the query from request arguments with ``ConversationQuery.from_params(args, tz)``:
bad input raises ``InvalidInput`` (``field`` names the argument, ``message`` can be shown).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import and_, exists, func, select, text, true
from sqlalchemy.sql import Select

from clinic.console_models import ConversationReview, ConversationTag
from clinic.conversation_annotations import validate_tag
from clinic.conversation_fulltext import postgres_match, search_terms, sqlite_documents, sqlite_match
from clinic.conversation_index_models import ConversationIntent, ConversationSummary
from clinic.db import Database
from clinic.errors import InvalidInput
from clinic.models import Ticket, TicketKind
from clinic.tracker_messages import FAQ_INTENT, FAQ_LABEL_PREFIX

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000
TEXT_MAX_LENGTH = 200
HANDOFF_ANY = "any"
HANDOFF_CHOICES = (*TicketKind.ALL, HANDOFF_ANY)
DEFAULT_COUNT_CAP = 1000
_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
_INTENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}(/[A-Za-z0-9_-]{1,80})?$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_summaries = ConversationSummary.__table__


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(field_name, "invalid", message)


def _optional_text(value: Any) -> Optional[str]:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _parse_bool(name: str, value: Any) -> Optional[bool]:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if not text or text == "any":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _invalid(name, f"{name.replace('_', ' ').capitalize()} must be yes or no.")


def _parse_date(name: str, value: Any) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _invalid(name, "Dates are written YYYY-MM-DD, for example 2026-11-25.") from None


def _parse_int(name: str, value: Any, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise _invalid(name, f"{name.replace('_', ' ').capitalize()} must be a whole number.") from None


@dataclass(frozen=True)
class ConversationQuery:
    """What the list shows: every given filter must hold. Validated on construction.

    ``date_from``/``date_to``: days (inclusive) in ``tz``, the clinic's time zone; a
    conversation matches when it was active on one of those days. ``channel``: an input
    channel (``rest``, ``socketio``, ``messenger``...). ``intent``: an intent, ``faq/<key>``,
    or ``faq`` for any FAQ. ``handoff``: a ticket kind (medical, urgent, human, booking) or
    ``any``. ``fallback``: the assistant did (True) or did not (False) fall back.
    ``confidence_below``: the lowest NLU confidence is below this value (0 to 1).
    ``reviewed``: marked reviewed or not. ``tag``: a staff tag. ``text``: words that must all
    appear in what the visitor or the assistant said (prefixes match). ``page`` from 1;
    ``page_size`` up to ``MAX_PAGE_SIZE``.
    """

    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    tz: dt.tzinfo = dt.timezone.utc
    channel: Optional[str] = None
    intent: Optional[str] = None
    handoff: Optional[str] = None
    fallback: Optional[bool] = None
    confidence_below: Optional[float] = None
    reviewed: Optional[bool] = None
    tag: Optional[str] = None
    text: Optional[str] = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    terms: Tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 - frozen dataclass
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise _invalid("date_to", "The end date is before the start date.")
        channel = _optional_text(self.channel)
        if channel is not None:
            channel = channel.lower()
            if not _CHANNEL.match(channel):
                raise _invalid("channel", "That is not a channel name.")
        set_("channel", channel)
        intent = _optional_text(self.intent)
        if intent is not None and not _INTENT.match(intent):
            raise _invalid("intent", "That is not an intent name.")
        set_("intent", intent)
        handoff = _optional_text(self.handoff)
        if handoff is not None:
            handoff = handoff.lower()
            if handoff not in HANDOFF_CHOICES:
                raise _invalid("handoff", f"Hand-off must be one of: {', '.join(HANDOFF_CHOICES)}.")
        set_("handoff", handoff)
        if self.confidence_below is not None:
            value = self.confidence_below
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _invalid("confidence_below", "Confidence must be a number from 0 to 1.")
            if not 0.0 <= float(value) <= 1.0:
                raise _invalid("confidence_below", "Confidence must be a number from 0 to 1.")
            set_("confidence_below", float(value))
        tag = _optional_text(self.tag)
        set_("tag", validate_tag(tag) if tag is not None else None)
        text = _optional_text(self.text)
        if text is not None:
            if len(text) > TEXT_MAX_LENGTH:
                raise _invalid("q", f"Search for at most {TEXT_MAX_LENGTH} characters.")
            terms = tuple(search_terms(text))
            if not terms:
                raise _invalid("q", "Type at least one word (letters or digits) to search for.")
            set_("terms", terms)
        set_("text", text)
        if isinstance(self.page, bool) or not isinstance(self.page, int) or not 1 <= self.page <= MAX_PAGE:
            raise _invalid("page", f"Page must be a whole number from 1 to {MAX_PAGE}.")
        if (
            isinstance(self.page_size, bool)
            or not isinstance(self.page_size, int)
            or not 1 <= self.page_size <= MAX_PAGE_SIZE
        ):
            raise _invalid("page_size", f"Page size must be a whole number from 1 to {MAX_PAGE_SIZE}.")

    @classmethod
    def from_params(cls, params: Mapping[str, Any], tz: dt.tzinfo = dt.timezone.utc) -> "ConversationQuery":
        """A query from request arguments (strings, or lists of strings as Sanic gives them):
        ``date_from``, ``date_to`` (YYYY-MM-DD), ``channel``, ``intent``, ``handoff``,
        ``fallback`` and ``reviewed`` (yes/no; empty or ``any`` for either), ``confidence_below``,
        ``tag``, ``q``, ``page``, ``page_size``. Unknown arguments are ignored."""

        def arg(name: str) -> Optional[str]:
            value = params.get(name)
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            return None if value is None else str(value)

        confidence = _optional_text(arg("confidence_below"))
        if confidence is not None:
            try:
                confidence_value: Optional[float] = float(confidence)
            except ValueError:
                raise _invalid("confidence_below", "Confidence must be a number from 0 to 1.") from None
        else:
            confidence_value = None
        return cls(
            date_from=_parse_date("date_from", arg("date_from")),
            date_to=_parse_date("date_to", arg("date_to")),
            tz=tz,
            channel=arg("channel"),
            intent=arg("intent"),
            handoff=arg("handoff"),
            fallback=_parse_bool("fallback", arg("fallback")),
            confidence_below=confidence_value,
            reviewed=_parse_bool("reviewed", arg("reviewed")),
            tag=arg("tag"),
            text=arg("q"),
            page=_parse_int("page", arg("page"), 1),
            page_size=_parse_int("page_size", arg("page_size"), DEFAULT_PAGE_SIZE),
        )

    @property
    def start_utc(self) -> Optional[dt.datetime]:
        """The start of ``date_from`` in the clinic's time zone, in UTC."""
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time(0), tzinfo=self.tz).astimezone(dt.timezone.utc)

    @property
    def end_utc(self) -> Optional[dt.datetime]:
        """The end of ``date_to`` (the next day's start) in the clinic's time zone, in UTC."""
        if self.date_to is None:
            return None
        next_day = self.date_to + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(0), tzinfo=self.tz).astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class ConversationRow:
    """One conversation in the list. Times are aware UTC datetimes."""

    sender_id: str
    channel: Optional[str]
    started_at: dt.datetime
    last_event_at: dt.datetime
    visitor_messages: int
    assistant_messages: int
    first_visitor_message: Optional[str]
    lowest_confidence: Optional[float]
    had_fallback: bool
    had_medical: bool
    had_urgent: bool
    reviewed: bool
    tags: Tuple[str, ...]
    ticket_kinds: Tuple[str, ...]  # kinds of the conversation's hand-off tickets, any status

    @property
    def message_count(self) -> int:
        return self.visitor_messages + self.assistant_messages

    @property
    def badges(self) -> Tuple[str, ...]:
        """``urgent``, ``medical``, ``fallback``, ``reviewed``: those that apply, in that order."""
        flags = (
            ("urgent", self.had_urgent or TicketKind.URGENT in self.ticket_kinds),
            ("medical", self.had_medical or TicketKind.MEDICAL in self.ticket_kinds),
            ("fallback", self.had_fallback),
            ("reviewed", self.reviewed),
        )
        return tuple(name for name, on in flags if on)


@dataclass(frozen=True)
class ConversationPage:
    rows: List[ConversationRow]
    page: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


_ROW_COLUMNS = (
    _summaries.c.sender_id,
    _summaries.c.channel,
    _summaries.c.started_at,
    _summaries.c.last_event_at,
    _summaries.c.visitor_messages,
    _summaries.c.assistant_messages,
    _summaries.c.first_visitor_message,
    _summaries.c.lowest_confidence,
    _summaries.c.had_fallback,
    _summaries.c.had_medical,
    _summaries.c.had_urgent,
)


def _conditions(query: ConversationQuery, backend: str) -> List[Any]:
    """The filters, as conditions on the summary row. Conditions on other tables are mostly
    correlated EXISTS: the list walks the summaries newest first and stops when a page is
    full, so a common filter costs a few lookups and a rare one at most one pass; a tag
    (rare by nature) is looked up first instead."""
    s = _summaries.c
    conditions: List[Any] = []
    if query.start_utc is not None:
        conditions.append(s.last_event_at >= query.start_utc)
        # The same bound in the list's order, so the walk stops where the range starts:
        # the lowest last event id among conversations active since then (``+ 0`` makes the
        # database find it through the date index, not by walking the id index).
        first_id = select(func.min(s.last_event_id + 0)).where(s.last_event_at >= query.start_utc).scalar_subquery()
        conditions.append(s.last_event_id >= first_id)
    if query.end_utc is not None:
        conditions.append(s.started_at < query.end_utc)
    if query.channel is not None:
        conditions.append(s.channel == query.channel)
    if query.intent is not None:
        conditions.append(
            exists().where(ConversationIntent.conversation_id == s.id, ConversationIntent.intent == query.intent)
        )
    if query.handoff is not None:
        tickets = exists().where(Ticket.sender_id == s.sender_id)
        if query.handoff != HANDOFF_ANY:
            tickets = tickets.where(Ticket.kind == query.handoff)
        conditions.append(tickets)
    if query.fallback is not None:
        conditions.append(s.had_fallback == query.fallback)
    if query.confidence_below is not None:
        conditions.append(s.lowest_confidence < query.confidence_below)
    if query.reviewed is not None:
        reviewed = exists().where(ConversationReview.sender_id == s.sender_id)
        conditions.append(reviewed if query.reviewed else ~reviewed)
    if query.tag is not None:  # few conversations carry a given tag: start from them
        conditions.append(s.sender_id.in_(select(ConversationTag.sender_id).where(ConversationTag.tag == query.tag)))
    if query.terms and backend == "postgresql":
        conditions.append(postgres_match(s.id, query.terms))
    return conditions


def _matching(query: ConversationQuery, backend: str, *columns: Any) -> Select:
    """SELECT ``columns`` of the matching summaries, newest first (by last tracker event id).

    On SQLite a text search starts from the full-text documents, newest first (their rowid
    is the summary's last event id), and looks each summary up by that id."""
    statement = select(*columns).where(and_(true(), *_conditions(query, backend)))
    if query.terms and backend != "postgresql":
        documents = sqlite_documents
        return (
            statement.select_from(documents.join(_summaries, _summaries.c.last_event_id == documents.c.rowid))
            .where(sqlite_match(query.terms))
            .order_by(documents.c.rowid.desc())
        )
    return statement.order_by(_summaries.c.last_event_id.desc())


def _rows(session, records: Sequence[Any]) -> List[ConversationRow]:
    sender_ids = [record.sender_id for record in records]
    if not sender_ids:
        return []
    reviewed = set(
        session.execute(
            select(ConversationReview.sender_id).where(ConversationReview.sender_id.in_(sender_ids))
        ).scalars()
    )
    tags: Dict[str, List[str]] = {}
    for sender_id, tag in session.execute(
        select(ConversationTag.sender_id, ConversationTag.tag)
        .where(ConversationTag.sender_id.in_(sender_ids))
        .order_by(ConversationTag.tag)
    ):
        tags.setdefault(sender_id, []).append(tag)
    kinds: Dict[str, List[str]] = {}
    for sender_id, kind in session.execute(
        select(Ticket.sender_id, Ticket.kind).where(Ticket.sender_id.in_(sender_ids)).distinct()
    ):
        kinds.setdefault(sender_id, []).append(kind)
    return [
        ConversationRow(
            **record._asdict(),
            reviewed=record.sender_id in reviewed,
            tags=tuple(tags.get(record.sender_id, ())),
            ticket_kinds=tuple(kind for kind in TicketKind.ALL if kind in kinds.get(record.sender_id, ())),
        )
        for record in records
    ]


def search_conversations(db: Database, query: ConversationQuery) -> ConversationPage:
    """One page of the conversations matching ``query``, newest activity first."""
    statement = (
        _matching(query, db.backend, *_ROW_COLUMNS)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size + 1)
    )
    with db.transaction(read_only=True) as session:
        records = session.execute(statement).all()
        rows = _rows(session, records[: query.page_size])
    return ConversationPage(rows, query.page, query.page_size, has_next=len(records) > query.page_size)


def count_conversations(db: Database, query: ConversationQuery, cap: int = DEFAULT_COUNT_CAP) -> Tuple[int, bool]:
    """(how many conversations match, up to ``cap``; whether there are more than ``cap``)."""
    limited = _matching(query, db.backend, _summaries.c.id).limit(cap + 1).subquery()
    with db.transaction(read_only=True) as session:
        count = int(session.execute(select(func.count()).select_from(limited)).scalar_one())
    return min(count, cap), count > cap


def conversation_row(db: Database, sender_id: str) -> Optional[ConversationRow]:
    """One conversation's row (for a transcript's header), or None if it is not indexed yet."""
    with db.transaction(read_only=True) as session:
        records = session.execute(select(*_ROW_COLUMNS).where(_summaries.c.sender_id == sender_id)).all()
        rows = _rows(session, records)
    return rows[0] if rows else None


# The distinct values of an indexed column, one index seek per value (neither SQLite nor
# PostgreSQL skips through an index for DISTINCT; a plain DISTINCT reads every entry).
_DISTINCT_CHANNELS = text(
    "WITH RECURSIVE seen(value) AS ("
    " SELECT MIN(channel) FROM conversation_summaries"
    " UNION ALL"
    " SELECT (SELECT MIN(channel) FROM conversation_summaries WHERE channel > seen.value)"
    " FROM seen WHERE seen.value IS NOT NULL"
    ") SELECT value FROM seen WHERE value IS NOT NULL"
)
_DISTINCT_INTENTS = text(
    "WITH RECURSIVE seen(value) AS ("
    " SELECT MIN(intent) FROM conversation_intents"
    " UNION ALL"
    " SELECT (SELECT MIN(intent) FROM conversation_intents WHERE intent > seen.value)"
    " FROM seen WHERE seen.value IS NOT NULL"
    ") SELECT value FROM seen WHERE value IS NOT NULL"
)


def channels_seen(db: Database) -> List[str]:
    """The input channels conversations came from, for the channel filter."""
    with db.transaction(read_only=True) as session:
        return sorted(session.execute(_DISTINCT_CHANNELS).scalars())


def intents_seen(db: Database) -> List[str]:
    """The intents seen in conversations (``faq`` and ``faq/<key>`` included), for the intent
    filter: plain intents first, then FAQ answers, each alphabetical."""
    with db.transaction(read_only=True) as session:
        intents = list(session.execute(_DISTINCT_INTENTS).scalars())
    return sorted(intents, key=lambda name: (name.startswith(FAQ_LABEL_PREFIX) or name == FAQ_INTENT, name))
