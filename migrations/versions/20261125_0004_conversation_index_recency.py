"""The conversation index orders by last tracker event id: a unique index on it, the channel
and date filters' indexes with it, and on SQLite the full-text documents keyed by it (so a search
reads matches newest first and stops at a page). The index is emptied; the console's next
catch-up rebuilds it from Rasa's events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

"""

from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX_TABLES = ("conversation_search", "conversation_intents", "conversation_summaries", "conversation_index_gaps")


def _empty_the_index() -> None:
    for table in INDEX_TABLES:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 - constant table names
    op.execute("DELETE FROM conversation_index_state")


def upgrade() -> None:
    _empty_the_index()
    op.create_index("ix_conversation_summaries_last_event", "conversation_summaries", ["last_event_id"], unique=True)
    op.drop_index("ix_conversation_summaries_channel", table_name="conversation_summaries")
    op.create_index("ix_conversation_summaries_channel", "conversation_summaries", ["channel", "last_event_id"])
    op.drop_index("ix_conversation_summaries_recent", table_name="conversation_summaries")
    op.create_index("ix_conversation_summaries_recent", "conversation_summaries", ["last_event_at", "last_event_id"])


def downgrade() -> None:
    _empty_the_index()
    op.drop_index("ix_conversation_summaries_recent", table_name="conversation_summaries")
    op.create_index("ix_conversation_summaries_recent", "conversation_summaries", ["last_event_at", "id"])
    op.drop_index("ix_conversation_summaries_channel", table_name="conversation_summaries")
    op.create_index("ix_conversation_summaries_channel", "conversation_summaries", ["channel", "last_event_at"])
    op.drop_index("ix_conversation_summaries_last_event", table_name="conversation_summaries")
