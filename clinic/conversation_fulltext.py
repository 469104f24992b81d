"""The full-text index of conversations: one document per conversation, per backend.

SQLite keeps it in an FTS5 virtual table (rowid = the conversation's summary id); PostgreSQL
in a ``tsvector`` column with a GIN index (``simple`` configuration: no stemming and no stop
words, so both backends find the same things). Both are created by migration 0003.

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
from typing import Dict, Iterable, List, Mapping

from sqlalchemy import bindparam, column, func, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

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


def matching_conversation_ids(backend: str, terms: List[str]) -> Select:
    """A SELECT of the summary ids of conversations containing every term (``terms`` from
    ``search_terms``; at least one)."""
    if not terms:
        raise ValueError("a full-text search needs at least one word")
    if backend == "postgresql":
        query = func.to_tsquery("simple", bindparam("fulltext_query", _tsquery(terms)))
        return select(_postgres_search.c.conversation_id).where(_postgres_search.c.document.op("@@")(query))
    return select(_sqlite_search.c.rowid).where(
        text("conversation_search MATCH :fulltext_query").bindparams(fulltext_query=_fts5_query(terms))
    )


def append_documents(session: Session, documents: Mapping[int, str]) -> None:
    """Add text (already ``document_text``) to conversations' documents, creating them as needed."""
    documents = {conversation_id: body for conversation_id, body in documents.items() if body}
    if not documents:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO conversation_search (conversation_id, document) "
                "VALUES (:id, to_tsvector('simple', :body)) ON CONFLICT (conversation_id) "
                "DO UPDATE SET document = conversation_search.document || EXCLUDED.document"
            ),
            [{"id": conversation_id, "body": body} for conversation_id, body in documents.items()],
        )
        return
    ids = sorted(documents)
    existing: Dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            text("SELECT rowid, body FROM conversation_search WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids[start : start + _CHUNK]},
        )
        existing.update({int(row[0]): row[1] or "" for row in rows})
    if existing:
        session.execute(
            text("DELETE FROM conversation_search WHERE rowid = :id"),
            [{"id": conversation_id} for conversation_id in existing],
        )
    session.execute(
        text("INSERT INTO conversation_search (rowid, body) VALUES (:id, :body)"),
        [
            {
                "id": conversation_id,
                "body": (existing[conversation_id] + " " + body) if conversation_id in existing else body,
            }
            for conversation_id, body in documents.items()
        ],
    )


def clear_documents(session: Session) -> None:
    """Remove every document (the index is being rebuilt)."""
    session.execute(text("DELETE FROM conversation_search"))
