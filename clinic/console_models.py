"""The staff console's own tables in the clinic database.

Staff accounts, their server-side sessions, sign-in throttling, the append-only audit log,
and what staff add to conversations and tickets (review marks, tags, notes). Rasa's tracker
store is never written: everything the console knows about a conversation beyond Rasa's own
events lives here, keyed by the conversation's sender id.

Created and changed only by the Alembic migrations in ``migrations/`` (like ``clinic.models``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from clinic.models import Base, UTCDateTime, one_of, utcnow


class StaffRole:
    ADMIN = "admin"
    STAFF = "staff"
    ALL = (ADMIN, STAFF)


class StaffUser(Base):
    """A person who may sign in to the console. Never deleted (the audit log names them)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)  # stored lower-case
    display_name = Column(String(100), nullable=False)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id, encoded with its parameters
    active = Column(Boolean, nullable=False, default=True)
    # Set when an admin resets the password: the next sign-in must choose a new one.
    must_change_password = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    last_sign_in_at = Column(UTCDateTime)

    __table_args__ = (CheckConstraint(one_of("role", StaffRole.ALL), name="role"),)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


class StaffSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored,
    so a copy of the database cannot be used to sign in."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)  # the absolute limit
    address = Column(String(64), nullable=False, default="")
    user_agent = Column(String(255), nullable=False, default="")

    __table_args__ = (Index("ix_staff_sessions_user", "user_id"),)


class SignInThrottle(Base):
    """Consecutive failed sign-ins for one account or one address (``key``: ``account:<name>``
    or ``address:<ip>``), and until when that key is refused."""

    __tablename__ = "sign_in_throttle"

    key = Column(String(128), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failure_at = Column(UTCDateTime, nullable=False, default=utcnow)
    locked_until = Column(UTCDateTime)


class AuditEntry(Base):
    """Who did or saw what, when, from where. Append-only: the database refuses UPDATE and
    DELETE on this table (triggers created by the migration)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)  # username, or what was typed at a failed sign-in
    actor_id = Column(Integer)  # None when no account matched
    action = Column(String(40), nullable=False)  # e.g. sign_in, view_transcript, export_registrations
    target_type = Column(String(32), nullable=False, default="")
    target_id = Column(String(255), nullable=False, default="")
    address = Column(String(64), nullable=False, default="")
    detail = Column(JSON, nullable=False, default=dict)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
    )


class ConversationReview(Base):
    """A conversation marked reviewed (deleting the row is "undo")."""

    __tablename__ = "conversation_reviews"

    sender_id = Column(String(255), primary_key=True)
    reviewed_by = Column(String(64), nullable=False)
    reviewed_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    tag = Column(String(40), nullable=False)  # lower-case, see clinic.console_validation
    added_by = Column(String(64), nullable=False)
    added_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("sender_id", "tag", name="uq_conversation_tags_sender_tag"),
        Index("ix_conversation_tags_tag", "tag", "sender_id"),
    )


class ConversationNote(Base):
    __tablename__ = "conversation_notes"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    author = Column(String(64), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_conversation_notes_sender", "sender_id", "id"),)


class TicketNote(Base):
    """A note staff add to a hand-off ticket, and status or assignee changes, with author and time."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    author = Column(String(64), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_ticket_notes_ticket", "ticket_id", "id"),)
