"""What each role may do, enforced by PostgreSQL itself on a team database.

The app checks roles before every use case (`store.agents`); a client that skips the app (psql, a
script with the team URL) meets the same rules here, as GRANTs and row-level security on three
group roles that `inbox team init` creates: `<prefix>_agent`, `<prefix>_supervisor` (a member of
the agent group) and `<prefix>_admin` (a member of the supervisor group). Each agent's login is a
member of exactly one of them. Roles are global to a PostgreSQL server, so the prefix (default
`inbox`) must be unique per team database on a shared server.

The matrix, read off the app's own checks:

* every group reads and writes the shared inbox, and does the inbox's background work (a desktop
  may lead: poll, send, answer automatically), on every table, including tables added by later
  migrations (`ALTER DEFAULT PRIVILEGES`: a change log that triggers fill works for every login);
* agents may not: delete customer data (erasure is an admin's), write agents, settings (retention),
  channels or keyword rules (an admin's), read or write review notes (a supervisor's), read the
  audit trail (a supervisor's; they append to it, and see only the ids their inserts return);
* nobody rewrites who wrote a message or deletes or changes an audit event;
* row-level security: a message, an audit event and a review note may name no agent but the
  session's login (`session_user`, which `SET ROLE` cannot change): bob cannot record a reply,
  a note or an action as alice;
* rules that depend on the row (assignment, presence, mentions, retention, erasure of customer
  records): `store.row_rules`;
* which conversations an agent reads (all, or their own and free ones): `store.visibility`.

Objects are created by the owner's connection (`team init`, and later `inbox db upgrade` with the
owner's URL), so the default privileges the owner set cover what later migrations add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from inbox.store import row_rules, visibility
from inbox.store.agents import TEAM_SETTING, Role
from inbox.store.report_tables import SettingRow

LOGIN_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}")
PREFIX_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,40}")

ADMIN_WRITES = ("agents", "settings", "channels", "keyword_rules", "keyword_rule_versions", "rule_set_settings")
SUPERVISOR_TABLES = ("reviews",)
CUSTOMER_DATA = ("messages", "conversations", "contacts", "opt_outs", "opt_out_events")  # DELETE: erasure
AUDIT = "audit_events"
SCHEMA_BOOKKEEPING = ("alembic_version",)  # read to know the schema is current; written by the owner only
AUTHORSHIP_COLUMNS = ("author", "author_kind")  # of messages: fixed once written

# A row may name no agent but the session's login (`column` holds an agent's name or a system name
# such as "customer" or "automation").
_ONLY_MYSELF = "({col} = session_user OR NOT EXISTS (SELECT 1 FROM agents a WHERE a.name = {table}.{col}))"
_MESSAGE_AUTHOR = (
    f"(author_kind NOT IN ('agent', 'note') OR author = session_user) AND "
    f"(author IS NULL OR {_ONLY_MYSELF.format(col='author', table='messages')})"
)


class BadLogin(ValueError):
    """A name that cannot be a login here (the message says what can)."""


@dataclass(frozen=True, slots=True)
class Groups:
    """The team's three group roles."""

    prefix: str

    def of(self, role: Role) -> str:
        return f"{self.prefix}_{role.value}"

    @property
    def agent(self) -> str:
        return self.of(Role.AGENT)

    @property
    def supervisor(self) -> str:
        return self.of(Role.SUPERVISOR)

    @property
    def admin(self) -> str:
        return self.of(Role.ADMIN)

    def all(self) -> tuple[str, str, str]:
        return self.agent, self.supervisor, self.admin


def check_login(name: str) -> str:
    if not LOGIN_PATTERN.fullmatch(name):
        raise BadLogin(
            f"{name!r} cannot be a team login: use lowercase letters, digits and _, starting with a letter "
            "(at most 63), e.g. alice or bob_smith"
        )
    return name


def check_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise BadLogin(f"{prefix!r} cannot prefix group roles: lowercase letters, digits and _ (at most 41)")
    return prefix


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def team_groups(session: Session) -> Groups | None:
    """The team's groups on a team database; None on SQLite and on a database without a team."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    prefix = session.scalar(text("SELECT value FROM settings WHERE key = :k"), {"k": TEAM_SETTING})
    return Groups(prefix) if prefix else None


def role_exists(session: Session, name: str) -> bool:
    return bool(session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}))


def _tables(session: Session) -> set[str]:
    return set(
        session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"),
        )
    )


def set_up(session: Session, groups: Groups) -> None:
    """Create the groups and apply the matrix to the current database and schema (the owner's call)."""
    run = session.execute
    agent, supervisor, admin = (_q(g) for g in groups.all())
    run(text(f"CREATE ROLE {agent} NOLOGIN"))
    run(text(f"CREATE ROLE {supervisor} NOLOGIN IN ROLE {agent}"))
    run(text(f"CREATE ROLE {admin} NOLOGIN IN ROLE {supervisor}"))
    database = _q(session.scalar(text("SELECT current_database()")))
    schema = _q(session.scalar(text("SELECT current_schema()")))
    # Only the team connects (roles are server-wide: another team's logins stay out).
    run(text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
    run(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {agent}"))
    run(text(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"))
    run(text(f"GRANT USAGE ON SCHEMA {schema} TO {agent}"))
    for who, tables, sequences in (
        (agent, "SELECT, INSERT, UPDATE, DELETE", "USAGE, SELECT, UPDATE"),
        (admin, "ALL", "ALL"),
    ):
        run(text(f"GRANT {tables} ON ALL TABLES IN SCHEMA {schema} TO {who}"))
        run(text(f"GRANT {sequences} ON ALL SEQUENCES IN SCHEMA {schema} TO {who}"))
        run(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {tables} ON TABLES TO {who}"))
        run(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {sequences} ON SEQUENCES TO {who}"))
    present = _tables(session)
    for table in (t for t in ADMIN_WRITES if t in present):
        run(text(f"REVOKE INSERT, UPDATE, DELETE ON {_q(table)} FROM {agent}"))
    for table in (t for t in SUPERVISOR_TABLES if t in present):
        run(text(f"REVOKE ALL ON {_q(table)} FROM {agent}"))
        run(text(f"GRANT SELECT, INSERT ON {_q(table)} TO {supervisor}"))
    for table in (t for t in CUSTOMER_DATA if t in present):
        run(text(f"REVOKE DELETE ON {_q(table)} FROM {agent}"))
    for table in (t for t in SCHEMA_BOOKKEEPING if t in present):
        run(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_q(table)} FROM {agent}, {admin}"))
    run(text(f"REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON {AUDIT} FROM {agent}, {admin}"))
    run(text(f"GRANT SELECT ON {AUDIT} TO {supervisor}"))
    # INSERT … RETURNING id (how the ORM learns a new row's key) needs SELECT on the id alone.
    run(text(f"GRANT SELECT (id) ON {AUDIT} TO {agent}"))
    run(text(f"REVOKE UPDATE, TRUNCATE ON messages FROM {agent}, {admin}"))
    columns = session.scalars(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'messages' ORDER BY ordinal_position"
        )
    )
    changeable = ", ".join(_q(c) for c in columns if c not in AUTHORSHIP_COLUMNS)
    run(text(f"GRANT UPDATE ({changeable}) ON messages TO {agent}"))
    for table in (t for t in CUSTOMER_DATA if t in present):
        run(text(f"REVOKE TRUNCATE ON {_q(table)} FROM {admin}"))
    _row_security(session, groups)
    row_rules.apply(session.connection(), row_rules.Groups(*groups.all()))
    visibility.apply(session.connection(), *groups.all())
    session.add(SettingRow(key=TEAM_SETTING, value=groups.prefix, updated_by="team init"))


def _row_security(session: Session, groups: Groups) -> None:
    run = session.execute
    agent, supervisor = _q(groups.agent), _q(groups.supervisor)
    run(text("ALTER TABLE messages ENABLE ROW LEVEL SECURITY"))
    run(text(f"CREATE POLICY team_read ON messages FOR SELECT TO {agent} USING (true)"))
    run(text(f"CREATE POLICY team_work ON messages FOR UPDATE TO {agent} USING (true) WITH CHECK (true)"))
    run(text(f"CREATE POLICY team_erase ON messages FOR DELETE TO {agent} USING (true)"))  # admins' privilege
    run(text(f"CREATE POLICY team_author ON messages FOR INSERT TO {agent} WITH CHECK ({_MESSAGE_AUTHOR})"))
    run(text(f"ALTER TABLE {AUDIT} ENABLE ROW LEVEL SECURITY"))
    run(text(f"CREATE POLICY team_read ON {AUDIT} FOR SELECT TO {agent} USING (true)"))  # columns: see above
    actor = _ONLY_MYSELF.format(col="actor", table=AUDIT)
    run(text(f"CREATE POLICY team_actor ON {AUDIT} FOR INSERT TO {agent} WITH CHECK {actor}"))
    run(text("ALTER TABLE reviews ENABLE ROW LEVEL SECURITY"))
    run(text(f"CREATE POLICY team_read ON reviews FOR SELECT TO {supervisor} USING (true)"))
    run(text(f"CREATE POLICY team_reviewer ON reviews FOR INSERT TO {supervisor} WITH CHECK (reviewer = session_user)"))


def create_login(session: Session, groups: Groups, name: str, role: Role, password: str) -> None:
    """A new login for agent `name`, a member of its role's group.

    The password reaches the server as a SCRAM verifier computed here (libpq's PQencryptPasswordConn),
    so it never appears in the statement text or the server's logs."""
    verifier = _verifier(session, name, password)  # has colons: no bind-parameter parsing (text())
    session.connection().exec_driver_sql(f"CREATE ROLE {_q(check_login(name))} LOGIN PASSWORD '{verifier}'")
    set_role(session, groups, name, role)


def _verifier(session: Session, name: str, password: str) -> str:
    raw = session.connection().connection.dbapi_connection
    verifier = raw.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
    if "'" in verifier:  # a SCRAM verifier is base64 and punctuation, never a quote
        raise ValueError("unexpected password verifier")
    return verifier


def set_role(session: Session, groups: Groups, name: str, role: Role) -> None:
    """Make login `name` a member of `role`'s group only; an admin may add and remove logins."""
    login = _q(name)
    current = session.scalars(
        text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n AND g.rolname = ANY(:groups)"
        ),
        {"n": name, "groups": list(groups.all())},
    )
    for group in list(current):
        session.execute(text(f"REVOKE {_q(group)} FROM {login}"))
    if role is Role.ADMIN:
        session.execute(text(f"ALTER ROLE {login} CREATEROLE"))
        session.execute(text(f"GRANT {', '.join(_q(g) for g in groups.all())} TO {login} WITH ADMIN OPTION"))
    else:
        session.execute(text(f"ALTER ROLE {login} NOCREATEROLE"))
        session.execute(text(f"GRANT {_q(groups.of(role))} TO {login}"))


def set_password(session: Session, name: str, password: str) -> None:
    verifier = _verifier(session, name, password)
    session.connection().exec_driver_sql(f"ALTER ROLE {_q(check_login(name))} PASSWORD '{verifier}'")


def allow_login(session: Session, name: str, active: bool) -> None:
    """An inactive agent keeps their login but may not connect with it."""
    session.execute(text(f"ALTER ROLE {_q(check_login(name))} {'LOGIN' if active else 'NOLOGIN'}"))


def drop_login(session: Session, name: str) -> None:
    session.execute(text(f"DROP ROLE IF EXISTS {_q(check_login(name))}"))
