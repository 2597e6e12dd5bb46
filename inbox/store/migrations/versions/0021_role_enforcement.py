"""role enforcement and assign on reply: the row rules of `store.row_rules`; a channel setting

One new column, `assignment_policies.assign_on_reply` (false: replying leaves a conversation
unassigned, as before). On a PostgreSQL team database (one with the `team_groups` setting)
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
# assignment_policies and presence (Alembic takes one sibling here). note_mentions is 0019's: on a
# team database older than it, which upgrades both at once, its rules follow at the next `team init`
# only, so `row_rules.apply` skips a table not there yet.
depends_on = "0018_presence"


def upgrade() -> None:
    from inbox.store import row_rules
    from inbox.store.agents import TEAM_SETTING
    from inbox.store.privileges import Groups

    with op.batch_alter_table("assignment_policies") as batch:
        batch.add_column(sa.Column("assign_on_reply", sa.Boolean(), nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not sa.inspect(bind).has_table("settings"):
        return  # SQLite, or a new database (no team yet: `inbox team init` applies the rules)
    prefix = bind.scalar(sa.text("SELECT value FROM settings WHERE key = :k"), {"k": TEAM_SETTING})
    if prefix:
        row_rules.apply(bind, row_rules.Groups(*Groups(prefix).all()))


def downgrade() -> None:
    with op.batch_alter_table("assignment_policies") as batch:
        batch.drop_column("assign_on_reply")
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in (
        "DROP TRIGGER IF EXISTS team_assignee_guard ON conversations",
        "DROP FUNCTION IF EXISTS team_assignee_guard()",
        "DROP TRIGGER IF EXISTS team_status_guard ON conversations",
        "DROP FUNCTION IF EXISTS team_status_guard()",
        "DROP TRIGGER IF EXISTS team_body_guard ON messages",
        "DROP FUNCTION IF EXISTS team_body_guard()",
        "ALTER TABLE presence DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE note_mentions DISABLE ROW LEVEL SECURITY",
    ):
        bind.exec_driver_sql(statement)
