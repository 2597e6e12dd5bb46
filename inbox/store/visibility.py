"""Which conversations an agent's login may read on a team database: all of them, or their own.

A team chooses at `inbox team init --agents-see all|own` and an admin changes it later with
`inbox team visibility own|all` (the `team_agents_see` setting; absent means `all`, how every team
worked before the setting existed). With `own`, PostgreSQL itself narrows what a login of the agent
group reads, whatever the client (the app, psql, `COPY`): a conversation assigned to them or to
nobody (an agent must be able to pick up work), and only the customer data of those — messages,
notes, labels, mentions, opt-outs, verifications, engagement records, and each table holding a
`conversation_id`, `message_id` or `contact_id` — and contacts of those conversations (or of none:
a number nobody has written to yet, which an agent may start a conversation with). The tables of
the inbox's background work (quarantined payloads, the provider journal, number lookups) are not
readable at all. Supervisors and admins read everything either way.

How: one restrictive row-security policy `team_visible` per table, for SELECT, to the agent group
(which supervisors and admins are members of), ANDed with the table's other policies; its condition
starts with `team_sees_all()`, evaluated once per statement, which reads the setting, so changing the
setting is an admin's row update — no DDL, effective at every login's next statement. Reading a
message checks its conversation through the conversations table, whose own policy applies, so each
rule is written once. A table without row security before gets it, with a permissive policy that
keeps every other command as the GRANTs and `store.row_rules` have it.

The change log (`change_log`) stays readable: its rows carry a kind and ids, never customer text, and
an agent's desktop must read that a conversation it showed was reassigned away to drop it live.

Background work needs the whole inbox, so in `own` mode an agent's login does not lead
(`engine.leadership`): the team's `inbox daemon`, run by an admin's or a service login, does.
"""

from __future__ import annotations

import enum

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from inbox.store.report_tables import SettingRow

SETTING = "team_agents_see"
POLICY = "team_visible"
WHOLE_INBOX = ("quarantine", "provider_journal", "lookup_jobs")  # background work's, never an agent's in own mode
UNNARROWED = ("change_log",)  # ids only: see the module's docstring
_OWN_RULES = {  # tables with a rule of their own; the others follow their conversation, message or contact
    "conversations": "assignee IS NULL OR assignee = session_user",
    "contacts": "id IN (SELECT contact_id FROM conversations) OR NOT team_contact_has_conversation(id)",
}
_BY_COLUMN = (
    ("conversation_id", "conversation_id IN (SELECT id FROM conversations)"),
    ("message_id", "message_id IN (SELECT id FROM messages)"),
    ("contact_id", "contact_id IN (SELECT id FROM contacts)"),
)


class AgentsSee(enum.StrEnum):
    ALL = "all"
    OWN = "own"


class BadVisibility(ValueError):
    """Not a visibility (the message says which are)."""


def parse(value: str) -> AgentsSee:
    try:
        return AgentsSee(value.strip().lower())
    except ValueError:
        raise BadVisibility(f"{value!r} is not a visibility: use all (agents see every conversation) or own") from None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def current(session: Session) -> AgentsSee:
    """The team's setting (`all` when unset, as every team before it)."""
    value = session.scalar(text("SELECT value FROM settings WHERE key = :k"), {"k": SETTING})
    return AgentsSee(value) if value in {v.value for v in AgentsSee} else AgentsSee.ALL


def set_setting(session: Session, value: AgentsSee, by: str) -> None:
    row = session.get(SettingRow, SETTING)
    if row is None:
        session.add(SettingRow(key=SETTING, value=value.value, updated_by=by))
    else:
        row.value, row.updated_by = value.value, by


def narrowed_for_me(session: Session) -> bool:
    """Whether this login reads only its own and free conversations (a plain agent, `own` mode)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    has = session.scalar(text("SELECT to_regproc('team_sees_all') IS NOT NULL"))
    return bool(has) and not session.scalar(text("SELECT team_sees_all()"))


def _rule(table: str, columns: set[str]) -> str | None:
    if table in UNNARROWED:
        return None
    if table in WHOLE_INBOX:
        return "false"
    if table in _OWN_RULES:
        return _OWN_RULES[table]
    for column, rule in _BY_COLUMN:
        if column in columns:
            return rule
    return None


def rules(conn: Connection) -> dict[str, str]:
    """Each table of the current schema that holds customer data, and who may read its rows."""
    found: dict[str, set[str]] = {}
    for table, column in conn.execute(
        text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN pg_tables t ON t.tablename = c.table_name AND t.schemaname = c.table_schema "
            "WHERE c.table_schema = current_schema()"
        )
    ):
        found.setdefault(table, set()).add(column)
    return {t: r for t, cols in found.items() if (r := _rule(t, cols)) is not None}


def apply(conn: Connection, agent: str, supervisor: str) -> None:
    """Install the policies for the groups in the current schema (the owner's connection; again: replaced)."""
    schema = conn.scalar(text("SELECT current_schema()"))
    pinned = f"SET search_path = {_q(schema)}, pg_temp"
    statements = [
        # Evaluated as the reader: a supervisor (and an admin, a member) or a login outside the team's
        # groups (the owner) sees all; an agent as the setting says.
        f"""CREATE OR REPLACE FUNCTION team_sees_all() RETURNS boolean LANGUAGE sql STABLE {pinned} AS $$
            SELECT pg_has_role(session_user, {_literal(supervisor)}, 'MEMBER')
                OR NOT pg_has_role(session_user, {_literal(agent)}, 'MEMBER')
                OR coalesce((SELECT value FROM settings WHERE key = {_literal(SETTING)}), 'all') <> 'own' $$""",
        # Whether anyone has written to a contact (as the owner: past the reader's own narrowing), so
        # a number nobody has a conversation with stays usable.
        f"""CREATE OR REPLACE FUNCTION team_contact_has_conversation(contact integer) RETURNS boolean
            LANGUAGE sql STABLE SECURITY DEFINER {pinned} AS $$
            SELECT EXISTS (SELECT 1 FROM conversations WHERE contact_id = contact) $$""",
    ]
    secured = set(
        conn.scalars(
            text("SELECT relname FROM pg_class WHERE relrowsecurity AND relnamespace = current_schema()::regnamespace")
        )
    )
    for table, rule in sorted(rules(conn).items()):
        t = _q(table)
        if table not in secured:
            statements += [
                f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
                f"DROP POLICY IF EXISTS team_work ON {t}",
                f"CREATE POLICY team_work ON {t} TO {_q(agent)} USING (true) WITH CHECK (true)",
            ]
        statements += [
            f"DROP POLICY IF EXISTS {POLICY} ON {t}",
            f"CREATE POLICY {POLICY} ON {t} AS RESTRICTIVE FOR SELECT TO {_q(agent)} "
            f"USING ((SELECT team_sees_all()) OR {rule})",
        ]
    for statement in statements:
        conn.exec_driver_sql(statement)
