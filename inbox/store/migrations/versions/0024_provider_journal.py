"""provider journal: raw answers of consume-once providers, committed before they are parsed

One new table, nothing else changed: `provider_journal` (see inbox/store/journal_tables.py).
No change-feed trigger: no row of it is shown to a person.

Revision ID: 0024_provider_journal
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0024_provider_journal"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_provider_journal_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_journal")),
    )
    op.create_index("ix_provider_journal_pending", "provider_journal", ["channel_id", "kind", "done_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_provider_journal_pending", table_name="provider_journal")
    op.drop_table("provider_journal")
