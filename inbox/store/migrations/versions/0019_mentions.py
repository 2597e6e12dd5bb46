"""note mentions: whom a private note mentions, and whether they have seen it

One new table, nothing else changed: `note_mentions` (one row per note and mentioned agent,
`seen_at` empty until the agent opens the conversation).

Revision ID: 0019_mentions
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0019_mentions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note_mentions",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=False),
        sa.Column("seen_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_note_mentions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "agent", name=op.f("pk_note_mentions")),
    )
    op.create_index("ix_note_mentions_agent_seen", "note_mentions", ["agent", "seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_note_mentions_agent_seen", table_name="note_mentions")
    op.drop_table("note_mentions")
