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
    # Outbound previews may be an automatic reply: ask the newest agent/automation message (as 0013
    # does for databases that ran the first version of this backfill, which said 'agent' for all).
    op.execute(
        "UPDATE conversations SET last_message_author_kind = CASE last_message_direction "
        "WHEN 'inbound' THEN 'customer' WHEN 'outbound' THEN COALESCE(("
        "SELECT CASE WHEN m.author_kind = 'automation' THEN 'automation' ELSE 'agent' END FROM messages m "
        "WHERE m.conversation_id = conversations.id AND m.direction = 'outbound' "
        "AND m.author_kind IN ('agent', 'automation') ORDER BY m.id DESC LIMIT 1), 'agent') ELSE NULL END"
    )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_message_author_kind")
