"""The append-only audit log: who viewed, exported or changed what, when, and from where.

Staff see health information, so every view of personal data (a transcript, a ticket, a list
of conversations or registrations), every export, every sign-in (and failed attempt) and every
account change is written here. The database refuses to update or delete these rows (triggers
from migration 0002). ``detail`` holds small JSON facts (filters used, fields changed), never
a visitor's message or contact details.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic.console_models import AuditEntry
from clinic.db import Database
from clinic.models import utcnow


class AuditAction:
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action name
    VIEW_CONVERSATIONS = "view_conversations"
    VIEW_TRANSCRIPT = "view_transcript"
    VIEW_QUEUE = "view_queue"
    VIEW_TICKET = "view_ticket"
    VIEW_REGISTRATIONS = "view_registrations"
    EXPORT_REGISTRATIONS = "export_registrations"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_ENABLED = "account_enabled"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_PASSWORD_RESET = "account_password_reset"  # noqa: S105 - an action name
    ACCOUNT_ROLE_CHANGED = "account_role_changed"
    TICKET_CHANGED = "ticket_changed"
    CONVERSATION_CHANGED = "conversation_changed"


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where."""

    username: str
    user_id: Optional[int]
    address: str


def add_entry(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    detail: Optional[Mapping[str, Any]] = None,
    at: Optional[dt.datetime] = None,
) -> AuditEntry:
    """Add an entry inside the caller's transaction (it is kept only if the change is)."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor.username[:64],
        actor_id=actor.user_id,
        action=action,
        target_type=target_type[:32],
        target_id=str(target_id)[:255],
        address=actor.address[:64],
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


def record(
    db: Database,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    detail: Optional[Mapping[str, Any]] = None,
) -> AuditEntry:
    """Write one entry in its own transaction (views and sign-ins)."""
    with db.transaction() as session:
        return add_entry(session, actor, action, target_type, target_id, detail)


def recent_entries(
    db: Database, limit: int = 100, action: Optional[str] = None, target_id: Optional[str] = None
) -> List[AuditEntry]:
    """The newest entries first (the audit viewer comes in the console's part 2)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    with db.transaction(read_only=True) as session:
        return list(session.execute(query).scalars())
