"""What staff add to a conversation: a "reviewed" mark, tags and notes.

Kept in the clinic database by the conversation's sender id (Rasa's tracker store is never
written). Every change is audited in the same transaction, so a change and its audit entry
are kept or lost together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import delete, select

from clinic.audit import Actor, AuditAction, add_entry
from clinic.console_models import ConversationNote, ConversationReview, ConversationTag
from clinic.db import Database, dialect_insert
from clinic.errors import InvalidInput
from clinic.models import utcnow
from clinic.validation import clean_text

TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,38}[a-z0-9]$|^[a-z0-9]$")
NOTE_MAX_LENGTH = 2000
SENDER_ID_MAX_LENGTH = 255


@dataclass(frozen=True)
class Annotations:
    review: Optional[ConversationReview]
    tags: List[ConversationTag]
    notes: List[ConversationNote]

    @property
    def reviewed(self) -> bool:
        return self.review is not None


def validate_sender_id(value: Optional[str]) -> str:
    sender_id = (value or "").strip()
    if not sender_id or len(sender_id) > SENDER_ID_MAX_LENGTH:
        raise InvalidInput("sender_id", "invalid", "That is not a conversation id.")
    return sender_id


def validate_tag(value: Optional[str]) -> str:
    tag = " ".join((value or "").strip().lower().split())
    if not TAG_PATTERN.match(tag):
        raise InvalidInput(
            "tag",
            "invalid",
            "A tag has 1 to 40 characters: letters, digits, spaces, hyphens or underscores.",
        )
    return tag


def validate_note(value: Optional[str]) -> str:
    body = clean_text(value, limit=NOTE_MAX_LENGTH)
    if not body:
        raise InvalidInput("note", "empty", "The note is empty.")
    return body


def _audit(session, actor: Actor, sender_id: str, change: str, **detail) -> None:
    add_entry(session, actor, AuditAction.CONVERSATION_CHANGED, "conversation", sender_id, {"change": change, **detail})


def set_reviewed(db: Database, sender_id: str, reviewed: bool, actor: Actor) -> None:
    """Mark the conversation reviewed, or undo the mark."""
    sender_id = validate_sender_id(sender_id)
    with db.transaction() as session:
        if reviewed:
            session.execute(
                dialect_insert(session, ConversationReview)
                .values(sender_id=sender_id, reviewed_by=actor.username, reviewed_at=utcnow())
                .on_conflict_do_nothing(index_elements=[ConversationReview.sender_id])
            )
        else:
            session.execute(delete(ConversationReview).where(ConversationReview.sender_id == sender_id))
        _audit(session, actor, sender_id, "reviewed" if reviewed else "review_undone")


def add_tag(db: Database, sender_id: str, tag: str, actor: Actor) -> str:
    sender_id, tag = validate_sender_id(sender_id), validate_tag(tag)
    with db.transaction() as session:
        session.execute(
            dialect_insert(session, ConversationTag)
            .values(sender_id=sender_id, tag=tag, added_by=actor.username, added_at=utcnow())
            .on_conflict_do_nothing(index_elements=[ConversationTag.sender_id, ConversationTag.tag])
        )
        _audit(session, actor, sender_id, "tag_added", tag=tag)
    return tag


def remove_tag(db: Database, sender_id: str, tag: str, actor: Actor) -> None:
    sender_id, tag = validate_sender_id(sender_id), validate_tag(tag)
    with db.transaction() as session:
        session.execute(
            delete(ConversationTag).where(ConversationTag.sender_id == sender_id, ConversationTag.tag == tag)
        )
        _audit(session, actor, sender_id, "tag_removed", tag=tag)


def add_note(db: Database, sender_id: str, body: str, actor: Actor) -> ConversationNote:
    sender_id, body = validate_sender_id(sender_id), validate_note(body)
    with db.transaction() as session:
        note = ConversationNote(sender_id=sender_id, author=actor.username, body=body, created_at=utcnow())
        session.add(note)
        _audit(session, actor, sender_id, "note_added")
        return note


def annotations_for(db: Database, sender_id: str) -> Annotations:
    with db.transaction(read_only=True) as session:
        review = session.get(ConversationReview, sender_id)
        tags = session.execute(
            select(ConversationTag).where(ConversationTag.sender_id == sender_id).order_by(ConversationTag.tag)
        ).scalars()
        notes = session.execute(
            select(ConversationNote).where(ConversationNote.sender_id == sender_id).order_by(ConversationNote.id)
        ).scalars()
        return Annotations(review, list(tags), list(notes))


def known_tags(db: Database, limit: int = 200) -> List[str]:
    """Tags in use, for the list's filter."""
    with db.transaction(read_only=True) as session:
        query = select(ConversationTag.tag).distinct().order_by(ConversationTag.tag).limit(limit)
        return list(session.execute(query).scalars())
