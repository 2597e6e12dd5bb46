"""search on PostgreSQL finds any substring, like SQLite: a pg_trgm GIN index replaces the tsvector one

Revision ID: 0016_search_trigram
Revises: 0001
Depends on: 0006_search (the tsvector index it replaces)

Why: the word index of 0006 only finds terms that start a word ("roken" missed "broken"), while
SQLite's trigram index finds any substring of three characters or more. A trigram GIN index
(``gin_trgm_ops``) lets ``ILIKE '%term%'`` use an index for every term of three characters or more,
so both backends mean the same thing by a search. SQLite is untouched.

``pg_trgm`` ships with PostgreSQL and is a trusted extension (PostgreSQL 13+): the owner of the
database may create it. It is created once per database, in the schema first on the search path,
unless already present; the operator class is named with the schema the extension lives in, so the
index works whatever schema the app's tables are in.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0016_search_trigram"
down_revision = "0001"
branch_labels = None
depends_on = "0006_search"

INDEX = "ix_messages_body_trgm"
# 0006's index, exactly as it created it (restored by the downgrade).
WORD_INDEX_UP = "CREATE INDEX ix_messages_body_fts ON messages USING gin (to_tsvector('simple', body))"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = bind.scalar(text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"))
    # Building the index reads every existing row: that is the backfill.
    op.execute(f"CREATE INDEX {INDEX} ON messages USING gin (body {schema}.gin_trgm_ops)")
    op.execute("DROP INDEX IF EXISTS ix_messages_body_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute(WORD_INDEX_UP)
    # The extension stays: other schemas of the database may use it.
