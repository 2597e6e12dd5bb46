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

How: with `own`, one restrictive row-security policy `team_visible` per table, for SELECT, to the
agent group (which supervisors and admins are members of: `SET ROLE` to the group must not escape
it, so the condition names `session_user`), ANDed with the table's other policies; its condition
starts with `team_sees_all()`, evaluated once per statement (true for supervisors, admins and the
owner). Reading a message checks its conversation through the conversations table, whose own policy
applies, so each rule is written once. A table without row security before gets it, with a
permissive policy that keeps every other command as the GRANTs and `store.row_rules` have it.
With `all` there is no `team_visible` policy at all, so every query plans as before: a non-trivial
row-security condition keeps PostgreSQL from using an index for a condition that is not leakproof
(the trigram and short-term search indexes): the price of `own` is that an agent's and a
supervisor's message search reads messages instead of the index (tests/team/test_agent_visibility.py).
Policies are DDL, which only the tables' owner may run: the admin's switch calls
`team_agents_see(mode, actor)`, a SECURITY DEFINER function the owner installed (admins only).

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
    """Record the setting and install or remove the policies (a team database's admin or owner)."""
    session.flush()
    session.execute(text("SELECT team_agents_see(:mode, :by)"), {"mode": value.value, "by": by})


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


def apply(conn: Connection, agent: str, supervisor: str, admin: str) -> None:
    """Install the functions for the groups in the current schema (the owner's connection; again:
    replaced), and the policies if the team's agents see only their own (a later migration's tables)."""
    schema = conn.scalar(text("SELECT current_schema()"))
    pinned = f"SET search_path = {_q(schema)}, pg_temp"
    install, remove = _policies(conn, agent)
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
        # An admin's switch: the policies are DDL, which only the tables' owner may run, so this runs
        # as the owner (SECURITY DEFINER), and only admins may call it.
        f"""CREATE OR REPLACE FUNCTION team_agents_see(mode text, actor text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER {pinned} AS $$
            DECLARE statement text;
            BEGIN
                IF mode NOT IN ('all', 'own') THEN
                    RAISE EXCEPTION 'agents see all or own, not %', mode USING ERRCODE = '22023';
                END IF;
                INSERT INTO settings (key, value, updated_at, updated_by)
                    VALUES ({_literal(SETTING)}, mode, now(), actor)
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(),
                    updated_by = EXCLUDED.updated_by;
                FOREACH statement IN ARRAY CASE WHEN mode = 'own' THEN {_array(install)}
                                                ELSE {_array(remove)} END LOOP
                    EXECUTE statement;
                END LOOP;
            END $$""",
        "REVOKE ALL ON FUNCTION team_agents_see(text, text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION team_agents_see(text, text) TO {_q(admin)}",
    ]
    if conn.scalar(text("SELECT value FROM settings WHERE key = :k"), {"k": SETTING}) == AgentsSee.OWN:
        statements += install
    for statement in statements:
        _run(conn, statement)


def _run(conn: Connection, statement: str) -> None:
    """One statement as written: no parameters, so psycopg leaves the function's % placeholders alone."""
    with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(statement)


def _array(statements: list[str]) -> str:
    return "ARRAY[" + ", ".join(_literal(st) for st in statements) + "]::text[]" if statements else "ARRAY[]::text[]"


def _policies(conn: Connection, agent: str) -> tuple[list[str], list[str]]:
    """What `own` installs, and what `all` removes: `all` leaves no policy condition on a table,
    so every query plans as before (a non-trivial row-security condition keeps PostgreSQL from
    using an index for a condition that is not leakproof, full-text search's among them)."""
    install, remove = [], []
    # Tables whose row security `store.privileges` or `store.row_rules` set keep their policies: the
    # restrictive one below narrows their SELECT only.
    secured = set(
        conn.scalars(
            text(
                "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() "
                "AND policyname <> :visible AND NOT (policyname = 'team_work' AND cmd = 'ALL')"
            ),
            {"visible": POLICY},
        )
    )
    for table, rule in sorted(rules(conn).items()):
        t = _q(table)
        if table not in secured:
            install += [
                f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
                f"DROP POLICY IF EXISTS team_work ON {t}",
                # every command as the GRANTs and `store.row_rules` have it; SELECT narrowed below
                f"CREATE POLICY team_work ON {t} TO {_q(agent)} USING (true) WITH CHECK (true)",
            ]
        install += [
            f"DROP POLICY IF EXISTS {POLICY} ON {t}",
            f"CREATE POLICY {POLICY} ON {t} AS RESTRICTIVE FOR SELECT TO {_q(agent)} "
            f"USING ((SELECT team_sees_all()) OR {rule})",
        ]
        remove.append(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
    return install, remove
