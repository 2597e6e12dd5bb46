"""recompute conversations.last_message_author_kind: automatic replies were marked as an agent's

0008 filled the new column from the direction alone, so a conversation whose last message was an
automatic reply (HELP answer, keyword rule, verification code) showed "You:" as if an agent wrote it.
This recomputes the outbound ones from the newest agent or automatic message of each conversation.

Revision ID: 0013_last_author_backfill
Revises: 0001
Depends on: 0008_last_author
"""

from __future__ import annotations

from alembic import op

revision = "0013_last_author_backfill"
down_revision = "0001"
branch_labels = None
depends_on = "0008_last_author"

# The preview line is set by the newest message an agent or an automation wrote (notes and the
# provider's own confirmations never touch it), so that message says who wrote it.
RECOMPUTE = """
UPDATE conversations SET last_message_author_kind = COALESCE((
    SELECT CASE WHEN m.author_kind = 'automation' THEN 'automation' ELSE 'agent' END
    FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'outbound'
      AND m.author_kind IN ('agent', 'automation')
    ORDER BY m.id DESC
    LIMIT 1
), 'agent')
WHERE last_message_direction = 'outbound'
"""


def upgrade() -> None:
    op.execute(RECOMPUTE)


def downgrade() -> None:
    """Nothing to undo: the column keeps its (now correct) values."""
