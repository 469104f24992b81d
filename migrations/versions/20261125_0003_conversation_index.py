"""The staff console's index of Rasa's conversations: per-conversation summaries, intents
seen, the full-text index (SQLite FTS5 / PostgreSQL tsvector + GIN), the index's position in
Rasa's events table and the ids it passed over while uncommitted, and an index on tickets by
sender for the hand-off filter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("last_event_at", TIMESTAMP, nullable=False),
        sa.Column("visitor_messages", sa.Integer(), nullable=False),
        sa.Column("assistant_messages", sa.Integer(), nullable=False),
        sa.Column("first_visitor_message", sa.String(200), nullable=True),
        sa.Column("first_visitor_event_id", sa.Integer(), nullable=True),
        sa.Column("lowest_confidence", sa.Float(), nullable=True),
        sa.Column("had_fallback", sa.Boolean(), nullable=False),
        sa.Column("had_medical", sa.Boolean(), nullable=False),
        sa.Column("had_urgent", sa.Boolean(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_action", sa.String(255), nullable=True),
        sa.Column("active_loop", sa.String(255), nullable=True),
        sa.Column("indexed_text_chars", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_summaries")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_conversation_summaries_sender_id")),
    )
    op.create_index("ix_conversation_summaries_recent", "conversation_summaries", ["last_event_at", "id"])
    op.create_index("ix_conversation_summaries_channel", "conversation_summaries", ["channel", "last_event_at"])

    op.create_table(
        "conversation_intents",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation_summaries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "intent", name=op.f("pk_conversation_intents")),
    )
    op.create_index("ix_conversation_intents_intent", "conversation_intents", ["intent", "conversation_id"])

    op.create_table(
        "conversation_index_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_conversation_index_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_index_state")),
    )
    op.create_table(
        "conversation_index_gaps",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_conversation_index_gaps")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE conversation_search ("
            " conversation_id INTEGER PRIMARY KEY REFERENCES conversation_summaries (id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_conversation_search_document ON conversation_search USING GIN (document)")
    else:
        # rowid = conversation_summaries.id; case- and accent-insensitive words.
        op.execute(
            "CREATE VIRTUAL TABLE conversation_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
        )

    op.create_index("ix_tickets_sender_kind", "tickets", ["sender_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_tickets_sender_kind", table_name="tickets")
    op.execute("DROP TABLE IF EXISTS conversation_search")
    op.drop_table("conversation_index_gaps")
    op.drop_table("conversation_index_state")
    op.drop_index("ix_conversation_intents_intent", table_name="conversation_intents")
    op.drop_table("conversation_intents")
    op.drop_index("ix_conversation_summaries_channel", table_name="conversation_summaries")
    op.drop_index("ix_conversation_summaries_recent", table_name="conversation_summaries")
    op.drop_table("conversation_summaries")
