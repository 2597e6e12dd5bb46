"""full-text search over message bodies: FTS5 (trigram) on SQLite, a tsvector GIN index on PostgreSQL

Revision ID: 0006_search
Revises: 0001

Why two shapes: each backend has its own native full-text index; ``inbox.store.search`` hides the
difference behind one function.

SQLite: an external-content FTS5 table (the text lives once, in ``messages``) using the trigram
tokenizer, so any substring of three or more characters is found in any script (CJK has no spaces
for a word tokenizer to split on). Triggers keep it in step with ``messages``; masked messages
(verification codes) are never indexed, so the codes never reach the index file.

PostgreSQL: an expression GIN index on ``to_tsvector('simple', body)`` (no stemming, no stop words:
customers write in many languages).
"""

from __future__ import annotations

from alembic import op

revision = "0006_search"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id', tokenize='trigram')",
    # External content: FTS5 only knows what the triggers tell it. A row is in the index exactly
    # when masked = 0, and 'delete' must be given the values that were indexed.
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.masked = 0 BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.masked = 0 BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF body, masked ON messages WHEN old.masked = 0 BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF body, masked ON messages WHEN new.masked = 0 BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    # Backfill what was stored before this revision (not 'rebuild': that would index masked rows too).
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE masked = 0",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS messages_fts_update_new",
    "DROP TRIGGER IF EXISTS messages_fts_update_old",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
]

# Building the index reads every existing row: that is the backfill.
_POSTGRES_UP = ["CREATE INDEX ix_messages_body_fts ON messages USING gin (to_tsvector('simple', body))"]
_POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_messages_body_fts"]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_UP)
    elif dialect == "postgresql":
        _run(_POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(_POSTGRES_DOWN)
