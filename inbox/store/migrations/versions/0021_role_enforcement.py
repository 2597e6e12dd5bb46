"""role enforcement: the row rules of `store.row_rules` on a team database set up before them

No table or column changes. On a PostgreSQL team database (one with the `team_groups` setting)
the assignment and retention triggers, the presence and note-mention row-level security and the
erasure-only privileges are installed, as `inbox team init` now does for a new team. Run it with
the owner's URL (`inbox db upgrade`), like every migration of a team database.

Revision ID: 0021_role_enforcement
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_role_enforcement"
down_revision = "0001"
branch_labels = None
depends_on = "0019_mentions"  # note_mentions (Alembic takes one sibling here; see row_rules.apply for the rest)


def upgrade() -> None:
    from inbox.store import row_rules
    from inbox.store.agents import TEAM_SETTING
    from inbox.store.privileges import Groups

    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not sa.inspect(bind).has_table("settings"):
        return  # SQLite, or a new database (no team yet: `inbox team init` applies the rules)
    prefix = bind.scalar(sa.text("SELECT value FROM settings WHERE key = :k"), {"k": TEAM_SETTING})
    if prefix:
        row_rules.apply(bind, row_rules.Groups(*Groups(prefix).all()))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in (
        "DROP TRIGGER IF EXISTS team_assignee_guard ON conversations",
        "DROP FUNCTION IF EXISTS team_assignee_guard()",
        "DROP TRIGGER IF EXISTS team_body_guard ON messages",
        "DROP FUNCTION IF EXISTS team_body_guard()",
        "ALTER TABLE presence DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE note_mentions DISABLE ROW LEVEL SECURITY",
    ):
        bind.exec_driver_sql(statement)
