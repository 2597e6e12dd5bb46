"""presence and assignment policies: who is on, where they look, how new work is shared out

Two new tables and nothing else changed: `presence` (one heartbeat row per desktop session, read
as offline once stale) and `assignment_policies` (a channel's auto-assignment setting; absent means
off, so existing channels behave as before).

Revision ID: 0018_presence
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0018_presence"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("viewing_conversation_id", sa.Integer(), nullable=True),
        sa.Column("typing_conversation_id", sa.Integer(), nullable=True),
        sa.Column("typing_until", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_presence")),
    )
    op.create_index(op.f("ix_presence_agent"), "presence", ["agent"], unique=False)
    op.create_index(op.f("ix_presence_last_seen_at"), "presence", ["last_seen_at"], unique=False)
    op.create_table(
        "assignment_policies",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("when_offline", sa.String(length=20), nullable=False),
        sa.Column("last_assignee", sa.String(length=120), nullable=True),
        sa.Column("updated_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_assignment_policies_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_assignment_policies")),
    )


def downgrade() -> None:
    op.drop_table("assignment_policies")
    op.drop_index(op.f("ix_presence_last_seen_at"), table_name="presence")
    op.drop_index(op.f("ix_presence_agent"), table_name="presence")
    op.drop_table("presence")
