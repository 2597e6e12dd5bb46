"""change feed at scale: on PostgreSQL a new message is logged once per statement, not once per row

Revision ID: 0021_feed_scale
Revises: 0001

Why: ingest stores a poll's messages with one multi-row INSERT. The row-level trigger of 0015 ran
its plpgsql function once per row (about 20 µs a row, a fifth of the whole INSERT in
`EXPLAIN ANALYZE` of 10,000 rows); a statement-level trigger with a transition table writes the
same rows — one `message.new` per message, numbered in id order, in the same transaction — with one
INSERT … SELECT. The guarantee is unchanged: whatever inserts messages (engine, CLI, script, direct
SQL) fires it, and the transaction still sends one NOTIFY, whose payload is the first number it
wrote. SQLite has row-level triggers only: nothing changes there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_feed_scale"
down_revision = "0001"
branch_labels = None
depends_on = "0015_change_feed"

_NAME = "change_log_messages_insert"


def _schema_and_sequence() -> tuple[str, str]:
    bind = op.get_bind()
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence('change_log', 'seq')")).scalar_one()
    return schema, sequence


def _notify(first: str) -> str:
    return (
        "  IF written > 0 AND current_setting('inbox.feed_notified', true) IS DISTINCT FROM 'on' THEN\n"
        "    PERFORM set_config('inbox.feed_notified', 'on', true);\n"
        f"    PERFORM pg_notify('inbox_changes', {first}::text);\n"
        "  END IF;\n"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema, _sequence = _schema_and_sequence()
    op.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON messages")
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".{_NAME}()')
    op.execute(
        f'CREATE FUNCTION "{schema}".{_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        "DECLARE written bigint; first bigint;\n"
        "BEGIN\n"
        f'  WITH logged AS (INSERT INTO "{schema}".change_log (kind, conversation_id, message_id, at)\n'
        "    SELECT 'message.new', n.conversation_id, n.id, clock_timestamp() FROM inbox_new_messages n ORDER BY n.id\n"
        "    RETURNING seq)\n"
        "  SELECT count(*), min(seq) INTO written, first FROM logged;\n" + _notify("first") + "  RETURN NULL;\n"
        "END $$"
    )
    op.execute(
        f"CREATE TRIGGER {_NAME} AFTER INSERT ON messages REFERENCING NEW TABLE AS inbox_new_messages "
        f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".{_NAME}()'
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema, sequence = _schema_and_sequence()
    op.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON messages")
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".{_NAME}()')
    op.execute(
        f'CREATE FUNCTION "{schema}".{_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        "DECLARE written bigint;\n"
        "BEGIN\n"
        f'  INSERT INTO "{schema}".change_log (kind, conversation_id, message_id, at) '
        "SELECT 'message.new', new.conversation_id, new.id, clock_timestamp();\n"
        "  GET DIAGNOSTICS written = ROW_COUNT;\n" + _notify(f"currval('{sequence}')") + "  RETURN NULL;\n"
        "END $$"
    )
    op.execute(f'CREATE TRIGGER {_NAME} AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION "{schema}".{_NAME}()')
