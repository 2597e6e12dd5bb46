"""indexes for the conversation list: "Waiting longest" per view, and "Mine" by activity

The single-column assignee index is replaced by the two that start with assignee.

Revision ID: 0009_list_indexes
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0009_list_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_conversations_waiting": ["waiting_since", "id"],
    "ix_conversations_status_waiting": ["status", "waiting_since", "id"],
    "ix_conversations_assignee_activity": ["assignee", "last_activity_at", "id"],
    "ix_conversations_assignee_waiting": ["assignee", "waiting_since", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "conversations", columns)
    op.drop_index("ix_conversations_assignee", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_assignee", "conversations", ["assignee"])
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="conversations")
