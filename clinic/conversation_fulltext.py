"""The full-text index of conversations: one document per conversation, per backend.

SQLite keeps it in an FTS5 virtual table whose rowid is the conversation's last tracker event
id (``conversation_summaries.last_event_id``, unique, and the list's "newest first" order):
a search walks the matching documents newest first and stops as soon as a page is full,
however common the word. PostgreSQL keeps a ``tsvector`` per conversation
(``conversation_search.conversation_id``) with a GIN index and lets its planner choose.
Both use the same words (``simple`` configuration on PostgreSQL: no stemming and no stop
words), so both backends find the same things. Created by migration 0003, re-keyed by 0004.

Text is reduced to words the same way on both sides before it is stored or searched:
Unicode-normalised, accents removed, case-folded, split at anything that is not a letter or
digit. A search is a list of such words, each matched as a word prefix ("downt" finds
"downtime"; a single letter must be a whole word), all of them required. Visitors' text never
reaches the query syntax: the words are quoted (FTS5) or alphanumeric (tsquery), so ``"``,
``*``, ``:``, ``NEAR``, ``OR``, parentheses and the like are only ever words or separators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

from sqlalchemy import bindparam, column, exists, func, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from clinic.conversation_index_models import SEARCH_TABLE

MAX_TERMS = 8
TERM_MAX_LENGTH = 40
MESSAGE_TEXT_LIMIT = 2000  # characters of one message that are indexed
DOCUMENT_TEXT_LIMIT = 100_000  # characters of one conversation that are indexed (tsvector has a 1 MB cap)
_WORD = re.compile(r"[^\W_]+")
_CHUNK = 500

_sqlite_search = table(SEARCH_TABLE, column("rowid"), column("body"))
_postgres_search = table(SEARCH_TABLE, column("conversation_id"), column("document"))


def fold(value: str) -> str:
    """Accents removed and case folded ("Rosacée" -> "rosacee")."""
    if value.isascii():
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(value: str) -> List[str]:
    return _WORD.findall(fold(value or ""))


def document_text(value: str) -> str:
    """What is stored for a piece of text: its words, space-separated."""
    return " ".join(words(value))


def search_terms(query: str) -> List[str]:
    """The distinct words of a search, in order, at most ``MAX_TERMS`` of ``TERM_MAX_LENGTH``."""
    terms: List[str] = []
    for word in words(query):
        word = word[:TERM_MAX_LENGTH]
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _fts5_query(terms: Iterable[str]) -> str:
    return " AND ".join(f'"{term}"' + ("*" if len(term) > 1 else "") for term in terms)


def _tsquery(terms: Iterable[str]) -> str:
    return " & ".join(term + (":*" if len(term) > 1 else "") for term in terms)


# SQLite: the FTS5 table, joined to ``conversation_summaries`` on ``last_event_id = rowid``.
sqlite_documents = _sqlite_search


def sqlite_match(terms: Sequence[str]) -> ColumnElement:
    """The FTS5 condition for ``terms`` (from ``search_terms``; at least one)."""
    if not terms:
        raise ValueError("a full-text search needs at least one word")
    return text("conversation_search MATCH :fulltext_query").bindparams(fulltext_query=_fts5_query(terms))


def postgres_match(conversation_id: ColumnElement, terms: Sequence[str]) -> ColumnElement:
    """PostgreSQL: the conversation's document holds every term (a semi-join the planner can
    drive from the GIN index or from the list's order)."""
    if not terms:
        raise ValueError("a full-text search needs at least one word")
    query = func.to_tsquery("simple", bindparam("fulltext_query", _tsquery(terms)))
    return exists().where(
        _postgres_search.c.conversation_id == conversation_id, _postgres_search.c.document.op("@@")(query)
    )


@dataclass(frozen=True)
class DocumentUpdate:
    """What a batch changes in one conversation's document.

    ``old_key``: the conversation's last event id before the batch (None if it is new);
    ``new_key``: after it; ``text``: words to add (``document_text``), possibly empty.
    """

    conversation_id: int
    old_key: Optional[int]
    new_key: int
    text: str


def write_documents(session: Session, updates: Iterable[DocumentUpdate]) -> None:
    """Add the batch's words to conversations' documents (and, on SQLite, move each document
    to its conversation's new last event id)."""
    updates = list(updates)
    if session.get_bind().dialect.name == "postgresql":
        rows = [{"id": u.conversation_id, "body": u.text} for u in updates if u.text]
        if rows:
            session.execute(
                text(
                    "INSERT INTO conversation_search (conversation_id, document) "
                    "VALUES (:id, to_tsvector('simple', :body)) ON CONFLICT (conversation_id) "
                    "DO UPDATE SET document = conversation_search.document || EXCLUDED.document"
                ),
                rows,
            )
        return
    moving = [u for u in updates if u.text or (u.old_key is not None and u.old_key != u.new_key)]
    old_keys = sorted({u.old_key for u in moving if u.old_key is not None})
    existing: Dict[int, str] = {}
    for start in range(0, len(old_keys), _CHUNK):
        rows = session.execute(
            text("SELECT rowid, body FROM conversation_search WHERE rowid IN :keys").bindparams(
                bindparam("keys", expanding=True)
            ),
            {"keys": old_keys[start : start + _CHUNK]},
        )
        existing.update({int(row[0]): row[1] or "" for row in rows})
    if existing:
        session.execute(text("DELETE FROM conversation_search WHERE rowid = :key"), [{"key": key} for key in existing])
    documents = []
    for update in moving:
        old = existing.get(update.old_key) if update.old_key is not None else None
        body = " ".join(part for part in (old, update.text) if part)
        if body:
            documents.append({"key": update.new_key, "body": body})
    if documents:
        session.execute(text("INSERT INTO conversation_search (rowid, body) VALUES (:key, :body)"), documents)


def clear_documents(session: Session) -> None:
    """Remove every document (the index is being rebuilt)."""
    session.execute(text("DELETE FROM conversation_search"))
