"""The role rules GRANTs cannot express, as row-level security and triggers on a team database.

`store.privileges` grants each group its tables; what an agent's login may do to a row depends on
the row and on who the login is (`session_user`, which `SET ROLE` cannot change), so these rules
live here, applied by `privileges.set_up` on a new team and by migration 0021 on a team set up
before it. They follow the app's own checks, and what a leading desktop does by itself (any
desktop may lead, an agent's too), so the app never meets them:

* assignment (a trigger on `conversations.assignee`): an agent takes a free conversation or lets
  go of their own; they cannot take a colleague's nor hand one to somebody. The automation a
  leading desktop runs may still place a free conversation with an active agent on a channel that
  auto-assigns, return conversations to the queue on a channel that does so when agents go
  offline, and assign to whom an admin's enabled keyword rule names. Supervisors and admins: any.
* status (a trigger on `conversations.status`): an agent resolves, snoozes or sets pending only a
  free conversation or their own; anyone's may be reopened (a customer's text, a snooze ending),
  and an admin's enabled keyword rule may set the status it names.
* presence rows (RLS): a login writes only its own desktop's rows (everyone reads them); the
  leader may forget anyone's row a day stale, as `engine.assignment.release_offline` does.
* note mentions (RLS): only the author of a note records whom it mentions, and only the mentioned
  agent marks a mention seen; only an admin deletes one (erasure).
* retention (a trigger on `messages.body`): only an admin blanks or rewrites message text; an
  agent's login may only mask a customer's code attempt (`verifications.mask_message`).
* erasure: only an admin deletes what `retention.erase_contact` deletes (the customer's records
  below, besides `privileges.CUSTOMER_DATA`) or rewrites a contact's number.

Reading is open to every group unless the team chose that agents see only their own
conversations (`store.visibility`); either way the audit trail, review notes and the server's
password verifiers are what an agent cannot read (`store.privileges`, PostgreSQL itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

INSUFFICIENT_PRIVILEGE = "42501"  # store.problems turns it into "your database login may not do this"
# Customer records the app deletes only when an admin erases a customer (or by cascade from that).
ERASED_ONLY = (
    "verification_challenges",
    "verification_sends",
    "list_memberships",
    "list_membership_events",
    "poll_votes",
    "contest_entries",
    "csat_requests",
    "csat_responses",
    "survey_sessions",
    "broadcast_recipients",
)
IDENTIFYING_COLUMNS = ("phone",)  # of contacts: rewritten only by erasure


@dataclass(frozen=True, slots=True)
class Groups:
    """The three group roles' names (`privileges.Groups` has them for a team's prefix)."""

    agent: str
    supervisor: str
    admin: str


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pinned(schema: str) -> str:
    """The functions read tables by name: in this schema, never in a login's temporary tables
    (which a login may create, and which would otherwise come first)."""
    return f"SET search_path = {_q(schema)}, pg_temp"


def _assignee_guard(groups: Groups, schema: str) -> str:
    agent, supervisor = _literal(groups.agent), _literal(groups.supervisor)
    return f"""
CREATE OR REPLACE FUNCTION team_assignee_guard() RETURNS trigger LANGUAGE plpgsql {_pinned(schema)} AS $$
DECLARE
    was text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.assignee END;
BEGIN
    IF NEW.assignee IS NOT DISTINCT FROM was
       OR NOT pg_has_role(session_user, {agent}, 'MEMBER')
       OR pg_has_role(session_user, {supervisor}, 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF (was IS NULL AND NEW.assignee = session_user) OR (was = session_user AND NEW.assignee IS NULL) THEN
        RETURN NEW;  -- taking a free conversation, letting go of one's own
    END IF;
    IF was IS NULL
       AND EXISTS (SELECT 1 FROM assignment_policies p WHERE p.channel_id = NEW.channel_id AND p.auto_assign)
       AND EXISTS (SELECT 1 FROM agents a WHERE a.name = NEW.assignee AND a.active) THEN
        RETURN NEW;  -- auto-assignment, run by whichever desktop leads
    END IF;
    IF NEW.assignee IS NULL
       AND EXISTS (SELECT 1 FROM assignment_policies p
                   WHERE p.channel_id = NEW.channel_id AND p.when_offline = 'unassign') THEN
        RETURN NEW;  -- the channel returns an offline agent's conversations to the queue
    END IF;
    IF NEW.assignee IS NOT NULL AND EXISTS (
        SELECT 1 FROM keyword_rules r
        WHERE r.enabled AND (r.channel_id IS NULL OR r.channel_id = NEW.channel_id)
          AND r.spec::jsonb -> 'action' ->> 'kind' = 'assign'
          AND r.spec::jsonb -> 'action' ->> 'assignee' = NEW.assignee) THEN
        RETURN NEW;  -- an admin's keyword rule assigns
    END IF;
    RAISE EXCEPTION 'only a supervisor can reassign: % is an agent (conversation %)', session_user, NEW.id
        USING ERRCODE = '{INSUFFICIENT_PRIVILEGE}';
END $$"""


def _status_guard(groups: Groups, schema: str) -> str:
    agent, supervisor = _literal(groups.agent), _literal(groups.supervisor)
    return f"""
CREATE OR REPLACE FUNCTION team_status_guard() RETURNS trigger LANGUAGE plpgsql {_pinned(schema)} AS $$
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status
       OR NOT pg_has_role(session_user, {agent}, 'MEMBER')
       OR pg_has_role(session_user, {supervisor}, 'MEMBER')
       OR OLD.assignee IS NULL OR OLD.assignee = session_user
       OR NEW.status = 'open' THEN
        RETURN NEW;  -- one's own or a free conversation; reopening (a customer's text, a snooze's end)
    END IF;
    IF EXISTS (
        SELECT 1 FROM keyword_rules r
        WHERE r.enabled AND (r.channel_id IS NULL OR r.channel_id = NEW.channel_id)
          AND r.spec::jsonb -> 'action' ->> 'kind' = 'status'
          AND r.spec::jsonb -> 'action' ->> 'status' = NEW.status) THEN
        RETURN NEW;  -- an admin's keyword rule sets it
    END IF;
    RAISE EXCEPTION 'conversation % is assigned to %: only they or a supervisor change its status',
        OLD.id, OLD.assignee USING ERRCODE = '{INSUFFICIENT_PRIVILEGE}';
END $$"""


def _body_guard(groups: Groups, schema: str) -> str:
    agent, admin = _literal(groups.agent), _literal(groups.admin)
    return f"""
CREATE OR REPLACE FUNCTION team_body_guard() RETURNS trigger LANGUAGE plpgsql {_pinned(schema)} AS $$
BEGIN
    IF NEW.body IS NOT DISTINCT FROM OLD.body
       OR NOT pg_has_role(session_user, {agent}, 'MEMBER')
       OR pg_has_role(session_user, {admin}, 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF OLD.direction = 'inbound' AND NOT OLD.masked AND NEW.masked AND NEW.body <> '' THEN
        RETURN NEW;  -- a customer's code attempt masked
    END IF;
    RAISE EXCEPTION 'only an admin blanks or rewrites message text (retention); % may not (message %)',
        session_user, OLD.id USING ERRCODE = '{INSUFFICIENT_PRIVILEGE}';
END $$"""


def _table_of(statement: str) -> str | None:
    """The presence or mentions table a row-security statement is about (None: any other)."""
    words = statement.split()
    for table in ("presence", "note_mentions"):
        if table in words:
            return table
    return None


def apply(conn: Connection, groups: Groups) -> None:
    """Install the rules for `groups` in the current schema (the owner's connection)."""
    agent, admin = _q(groups.agent), _q(groups.admin)
    schema = conn.scalar(text("SELECT current_schema()"))
    statements = [
        _assignee_guard(groups, schema),
        "DROP TRIGGER IF EXISTS team_assignee_guard ON conversations",
        "CREATE TRIGGER team_assignee_guard BEFORE INSERT OR UPDATE OF assignee ON conversations "
        "FOR EACH ROW EXECUTE FUNCTION team_assignee_guard()",
        _status_guard(groups, schema),
        "DROP TRIGGER IF EXISTS team_status_guard ON conversations",
        "CREATE TRIGGER team_status_guard BEFORE UPDATE OF status ON conversations "
        "FOR EACH ROW EXECUTE FUNCTION team_status_guard()",
        _body_guard(groups, schema),
        "DROP TRIGGER IF EXISTS team_body_guard ON messages",
        "CREATE TRIGGER team_body_guard BEFORE UPDATE OF body ON messages "
        "FOR EACH ROW EXECUTE FUNCTION team_body_guard()",
        # presence: one's own desktop's rows
        "ALTER TABLE presence ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY team_read ON presence FOR SELECT TO {agent} USING (true)",
        f"CREATE POLICY team_own ON presence FOR INSERT TO {agent} WITH CHECK (agent = session_user)",
        f"CREATE POLICY team_own_beat ON presence FOR UPDATE TO {agent} "
        "USING (agent = session_user) WITH CHECK (agent = session_user)",
        f"CREATE POLICY team_forget ON presence FOR DELETE TO {agent} "
        "USING (agent = session_user OR last_seen_at < now() - interval '1 day')",
        # note mentions: recorded by the note's author, marked seen by the mentioned
        "ALTER TABLE note_mentions ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY team_read ON note_mentions FOR SELECT TO {agent} USING (true)",
        f"CREATE POLICY team_author ON note_mentions FOR INSERT TO {agent} WITH CHECK (EXISTS ("
        "SELECT 1 FROM messages m WHERE m.id = note_mentions.message_id "
        "AND m.author_kind = 'note' AND m.author = session_user))",
        f"CREATE POLICY team_seen ON note_mentions FOR UPDATE TO {agent} "
        "USING (agent = session_user) WITH CHECK (agent = session_user)",
        f"CREATE POLICY team_erase ON note_mentions FOR DELETE TO {admin} USING (true)",
        f"REVOKE DELETE ON note_mentions FROM {agent}",
    ]
    present = set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
    statements += [f"REVOKE DELETE ON {_q(t)} FROM {agent}" for t in ERASED_ONLY if t in present]
    columns = conn.scalars(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'contacts' ORDER BY ordinal_position"
        )
    )
    changeable = ", ".join(_q(c) for c in columns if c not in IDENTIFYING_COLUMNS)
    statements += [f"REVOKE UPDATE ON contacts FROM {agent}", f"GRANT UPDATE ({changeable}) ON contacts TO {agent}"]
    for statement in statements:
        if _table_of(statement) not in present | {None}:
            continue  # a team database older than that table (its migration runs after this one)
        if statement.startswith("CREATE POLICY"):  # again on a database that has them: replaced
            name, table = statement.split()[2], statement.split()[4]
            _run(conn, f"DROP POLICY IF EXISTS {name} ON {table}")
        _run(conn, statement)


def _run(conn: Connection, statement: str) -> None:
    """One statement as written: no parameters, so psycopg leaves the functions' % placeholders alone."""
    with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(statement)
