"""conversations.last_message_author_kind: who wrote the preview line (customer, agent, automation)

Revision ID: 0008_last_author
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_last_author"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("last_message_author_kind", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE conversations SET last_message_author_kind = CASE last_message_direction "
        "WHEN 'inbound' THEN 'customer' WHEN 'outbound' THEN 'agent' ELSE NULL END"
    )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_message_author_kind")
