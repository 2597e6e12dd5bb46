"""identity verification: challenges and the messages that carry their codes

Revision ID: 0002_verification
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0002_verification"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = inbox.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "verification_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code_length", sa.Integer(), nullable=False),
        sa.Column("code_salt", sa.String(length=64), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("code_sealed", sa.String(length=64), nullable=True),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("max_sends", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("end_reason", sa.String(length=60), nullable=True),
        sa.Column("verified_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_verification_challenges_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_verification_challenges_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_challenges")),
    )
    op.create_index(
        "ix_verification_challenges_phone_status", "verification_challenges", ["phone", "status", "id"], unique=False
    )
    op.create_table(
        "verification_sends",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["verification_challenges.id"],
            name=op.f("fk_verification_sends_challenge_id_verification_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_verification_sends_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_verification_sends")),
    )
    op.create_index(op.f("ix_verification_sends_challenge_id"), "verification_sends", ["challenge_id"], unique=False)
    op.create_index("ix_verification_sends_phone_at", "verification_sends", ["phone", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_verification_sends_phone_at", table_name="verification_sends")
    op.drop_index(op.f("ix_verification_sends_challenge_id"), table_name="verification_sends")
    op.drop_table("verification_sends")
    op.drop_index("ix_verification_challenges_phone_status", table_name="verification_challenges")
    op.drop_table("verification_challenges")
