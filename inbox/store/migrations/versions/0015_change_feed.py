"""change_log: every committed change to what a desktop shows, recorded by triggers

Revision ID: 0015_change_feed
Revises: 0001

Why triggers: a row written in the same transaction as the change, by the database itself, is the
only way no path (the engine, the CLI, a script, direct SQL) can commit a change that other
processes never hear of. `inbox.store.feed` reads the log; `inbox.core.changes` names the kinds.

Which changes: what the conversation list, the thread and the contact panel show — messages
(new; a changed status, body, error or delivery time; deleted), conversations (any change),
labels, a contact's name or notes (one row per conversation of the contact), opt-outs and
verification challenges. Bookkeeping columns alone (`updated_at`, `attempts`, `next_attempt_at`)
record nothing: the outbox rewrites them on every attempt.

PostgreSQL: each transaction that writes to the log also sends one `NOTIFY inbox_changes` whose
payload is the first sequence number it wrote (never content); a transaction-local setting
(`inbox.feed_notified`) keeps it to one per transaction. The functions name the log by its schema,
fixed here, so a session with another search_path still writes to the right one.

On SQLite, a batch migration that rebuilds a watched table ("move and copy") drops its triggers:
such a migration must create them again (tests/store/test_feed.py checks they all exist at heads).
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0015_change_feed"
down_revision = "0001"
branch_labels = None
depends_on = "0002_verification"  # verification_challenges (Alembic takes one sibling here)

_MESSAGE_COLUMNS = (
    "status",
    "body",
    "masked",
    "error_code",
    "error_message",
    "sent_at",
    "delivered_at",
    "conversation_id",
)
_CONTACT_COLUMNS = ("display_name", "notes", "phone")
# The conversation of an opt-out, if there is one yet (unique: one per contact and channel).
_OPT_OUT_CONVERSATION = (
    "(SELECT c.id FROM {conversations} c WHERE c.contact_id = {row}.contact_id AND c.channel_id = {row}.channel_id)"
)


class _Trigger(NamedTuple):  # a NamedTuple: Alembic loads this file outside sys.modules
    table: str
    op: str  # INSERT / UPDATE / DELETE
    kind: str
    conversation: str  # an expression over {row} (new or old) and {conversations} (the table)
    message: str = "NULL"
    changed: tuple[str, ...] = ()  # UPDATE: only when one of these columns changed (empty: any change)
    source: str = ""  # FROM ... WHERE ...: one row per match instead of one row

    @property
    def name(self) -> str:
        return f"change_log_{self.table}_{self.op.lower()}"

    @property
    def row(self) -> str:
        return "old" if self.op == "DELETE" else "new"

    def select(self, at: str, conversations: str = "conversations") -> str:
        fill = {"row": self.row, "conversations": conversations}
        return f"SELECT '{self.kind}', {self.conversation.format(**fill)}, {self.message.format(**fill)}, {at}" + (
            f" {self.source.format(**fill)}" if self.source else ""
        )


TRIGGERS = (
    _Trigger("messages", "INSERT", "message.new", "{row}.conversation_id", "{row}.id"),
    _Trigger("messages", "UPDATE", "message.updated", "{row}.conversation_id", "{row}.id", _MESSAGE_COLUMNS),
    _Trigger("messages", "DELETE", "message.deleted", "{row}.conversation_id", "{row}.id"),
    _Trigger("conversations", "INSERT", "conversation.updated", "{row}.id"),
    _Trigger("conversations", "UPDATE", "conversation.updated", "{row}.id"),
    _Trigger("conversations", "DELETE", "conversation.deleted", "{row}.id"),
    _Trigger("conversation_labels", "INSERT", "conversation.updated", "{row}.conversation_id"),
    _Trigger("conversation_labels", "UPDATE", "conversation.updated", "{row}.conversation_id"),
    _Trigger("conversation_labels", "DELETE", "conversation.updated", "{row}.conversation_id"),
    _Trigger(
        "contacts",
        "UPDATE",
        "contact.updated",
        "c.id",
        changed=_CONTACT_COLUMNS,
        source="FROM {conversations} c WHERE c.contact_id = {row}.id",
    ),
    _Trigger("opt_outs", "INSERT", "optout", _OPT_OUT_CONVERSATION),
    _Trigger("opt_outs", "UPDATE", "optout", _OPT_OUT_CONVERSATION),
    _Trigger("opt_outs", "DELETE", "optout", _OPT_OUT_CONVERSATION),
    _Trigger("opt_out_events", "INSERT", "optout", _OPT_OUT_CONVERSATION),
    _Trigger("verification_challenges", "INSERT", "verification", "{row}.conversation_id"),
    _Trigger("verification_challenges", "UPDATE", "verification", "{row}.conversation_id"),
)

_COLUMNS = "change_log (kind, conversation_id, message_id, at)"
# Six digits of fraction, as SQLAlchemy writes the other timestamps on SQLite (naive UTC).
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"


def _sqlite_create(t: _Trigger) -> str:
    when = " OR ".join(f"old.{c} IS NOT new.{c}" for c in t.changed)
    return (
        f"CREATE TRIGGER {t.name} AFTER {t.op} ON {t.table}"
        + (f" WHEN {when}" if when else "")
        + f" BEGIN INSERT INTO {_COLUMNS} {t.select(_SQLITE_NOW)}; END"
    )


def _postgres_create(t: _Trigger, schema: str, sequence: str) -> list[str]:
    log = f'"{schema}".change_log (kind, conversation_id, message_id, at)'
    select = t.select("clock_timestamp()", f'"{schema}".conversations')
    function = (
        f'CREATE FUNCTION "{schema}".{t.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        "DECLARE written bigint;\n"
        "BEGIN\n"
        f"  INSERT INTO {log} {select};\n"
        "  GET DIAGNOSTICS written = ROW_COUNT;\n"
        "  IF written > 0 AND current_setting('inbox.feed_notified', true) IS DISTINCT FROM 'on' THEN\n"
        "    PERFORM set_config('inbox.feed_notified', 'on', true);\n"
        f"    PERFORM pg_notify('inbox_changes', currval('{sequence}')::text);\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    if t.changed:
        when = " WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in t.changed) + ")"
    elif t.op == "UPDATE":
        when = " WHEN (OLD.* IS DISTINCT FROM NEW.*)"
    else:
        when = ""
    trigger = (
        f'CREATE TRIGGER {t.name} AFTER {t.op} ON {t.table} FOR EACH ROW{when} EXECUTE FUNCTION "{schema}".{t.name}()'
    )
    return [function, trigger]


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for t in TRIGGERS:
            op.execute(_sqlite_create(t))
    elif bind.dialect.name == "postgresql":
        schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
        sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence('change_log', 'seq')")).scalar_one()
        for t in TRIGGERS:
            for sql in _postgres_create(t, schema, sequence):
                op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for t in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {t.name}" + ("" if bind.dialect.name == "sqlite" else f" ON {t.table}"))
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS {t.name}()")
    op.drop_table("change_log")
