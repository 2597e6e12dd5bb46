"""search on PostgreSQL: an index of the one- and two-character pieces of every message

Revision ID: 0020_search_speed
Revises: 0001
Depends on: 0016_search_trigram (the trigram index this one completes)

Why: the trigram index of 0016 has nothing to look up for a term shorter than three characters
("ok", "14", "€") nor for one without three letters or digits in a row ("😂😂😂", "?!?"): such a
term was checked by reading messages, so "ok 14" read all of them (about 1 s at 1,000,000
messages) and "ok thanks" every message with "thanks". This GIN index holds, for each message,
every one- and two-character piece of its lower-cased body; a short term must have all its pieces
there (``message_term_grams``), so the index narrows it as the trigram index narrows longer ones,
and a query of several terms intersects both indexes without reading a row. The exact check
stays ``lower(body)`` containing ``lower(term)``, the meaning ILIKE has in a UTF-8 database.

Both GIN indexes keep a pending list of at most 256 kB (``gin_pending_list_limit``; the default is
4 MB): new messages wait there until the list is merged into the index, and every search reads the
whole list. Measured at 1,000,000 messages: a pending list of 268 pages (about 5,000 new messages)
doubled a short-term lookup, 2 ms to 4 ms; at 256 kB it stays under 32 pages.

Both functions are IMMUTABLE (``lower`` is, and the index needs it) and live in the schema of the
app's tables. SQLite is untouched: its FTS5 trigram index already finds one- and two-character
terms by walking the newest messages.
"""

from __future__ import annotations

from alembic import op

revision = "0020_search_speed"
down_revision = "0001"
branch_labels = None
depends_on = "0016_search_trigram"

INDEX = "ix_messages_body_grams"
TRIGRAM_INDEX = "ix_messages_body_trgm"  # migration 0016's
PENDING_LIST_KB = 256

BODY_GRAMS = """
CREATE FUNCTION message_body_grams(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array(SELECT DISTINCT substr(l, i, n)
               FROM (SELECT lower(body) AS l) s, generate_series(1, length(l)) i, (VALUES (1), (2)) v(n))
$$
"""
# A term's pieces: itself when one character long, else its two-character pieces (fewer keys to
# look up than every piece, and as selective).
TERM_GRAMS = """
CREATE FUNCTION message_term_grams(term text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(l) < 2 THEN ARRAY[l]
              ELSE array(SELECT DISTINCT substr(l, i, 2) FROM generate_series(1, length(l) - 1) i) END
  FROM (SELECT lower(term) AS l) s
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(BODY_GRAMS)
    op.execute(TERM_GRAMS)
    # Building the index reads every existing row: that is the backfill.
    op.execute(
        f"CREATE INDEX {INDEX} ON messages USING gin (message_body_grams(body)) "
        f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})"
    )
    op.execute(f"ALTER INDEX {TRIGRAM_INDEX} SET (gin_pending_list_limit = {PENDING_LIST_KB})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {TRIGRAM_INDEX} RESET (gin_pending_list_limit)")
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute("DROP FUNCTION IF EXISTS message_term_grams(text)")
    op.execute("DROP FUNCTION IF EXISTS message_body_grams(text)")
