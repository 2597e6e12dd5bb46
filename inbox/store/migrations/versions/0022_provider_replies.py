"""messages.retry_of_id: a Retry names the failed message it sends again, once

Issue 15 ("a new user's first hour"): after Retry the original still offered Retry, and a second
click sent another copy. The copy now names its original (`retry_of_id`), unique, so the original
shows as retried on every desktop (the copy's insert is in the change feed) and a second Retry of
the same message is refused by the database itself. The provider's own replies recorded in the same
issue need no schema change (author kind `provider` already existed).

A plain column and an index: SQLite adds it in place (no table rebuild), so the change-feed
triggers on `messages` stay.

Revision ID: 0022_provider_replies
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_provider_replies"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("retry_of_id", sa.Integer(), nullable=True))
    op.create_index("uq_messages_retry_of", "messages", ["retry_of_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_messages_retry_of", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("retry_of_id")
