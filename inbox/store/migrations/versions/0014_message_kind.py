"""messages.kind: what an automatic message is (a code sent, a code's verdict), stored as a fact

Before, the thread's code badges were read off the first words of the verification step's replies,
so rewording a reply silently broke an agent's badge. The verification engine now stores the kind
when it writes the message; this fills it for the rows written before, from those same first words
(the wording every earlier version used).

Revision ID: 0014_message_kind
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_message_kind"
down_revision = "0001"
branch_labels = None
depends_on = None

AUTHOR = "verification"  # inbox.engine.verification.AUTHOR
# The first words of each verdict reply (inbox.engine.verification) and the kind it stands for.
VERDICTS = (
    ("Thank you, your identity is verified", "code_matched"),
    ("That code is not correct", "code_wrong"),
    ("Too many incorrect codes", "code_locked"),
    ("That code has expired", "code_expired"),
    ("That code has already been used", "code_reused"),
)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
    messages = sa.table(
        "messages",
        sa.column("kind", sa.String),
        sa.column("body", sa.Text),
        sa.column("direction", sa.String),
        sa.column("masked", sa.Boolean),
        sa.column("author_kind", sa.String),
        sa.column("author", sa.String),
    )
    body = messages.c.body
    kind = sa.case(
        (sa.and_(messages.c.masked == sa.true(), messages.c.direction == "outbound"), "code_sent"),
        *[(body.startswith(start, autoescape=True), verdict) for start, verdict in VERDICTS],
        else_="code_void",  # any other verification reply: the one for a code of a cancelled check
    )
    op.execute(
        messages.update().where(messages.c.author_kind == "automation", messages.c.author == AUTHOR).values(kind=kind)
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("kind")
