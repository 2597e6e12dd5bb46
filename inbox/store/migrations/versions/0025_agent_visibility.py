"""agent visibility: the row-level security of `store.visibility` on a team database

No schema change. On a PostgreSQL team database (one with the `team_groups` setting) the functions
of `store.visibility` are installed; agents keep seeing every conversation (no policy yet) until an
admin runs `inbox team visibility own`. Run it with
the owner's URL (`inbox db upgrade`), like every migration of a team database. Tables a later
migration adds are covered when it calls `visibility.apply` again.

Revision ID: 0025_agent_visibility
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_agent_visibility"
down_revision = "0001"
branch_labels = None
depends_on = "0021_role_enforcement"


def upgrade() -> None:
    from inbox.store import visibility
    from inbox.store.agents import TEAM_SETTING
    from inbox.store.privileges import Groups

    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not sa.inspect(bind).has_table("settings"):
        return  # SQLite, or a new database (no team yet: `inbox team init` applies the policies)
    prefix = bind.scalar(sa.text("SELECT value FROM settings WHERE key = :k"), {"k": TEAM_SETTING})
    if prefix:
        groups = Groups(prefix)
        visibility.apply(bind, *groups.all())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    tables = bind.scalars(
        sa.text("SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'team_visible'")
    )
    for table in list(tables):
        bind.exec_driver_sql(f'DROP POLICY team_visible ON "{table}"')
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS team_agents_see(text, text)")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS team_sees_all()")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS team_contact_has_conversation(integer)")
