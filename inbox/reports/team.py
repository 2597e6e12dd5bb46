"""The team: resolving who is asking, and the admin's management of agents and roles (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from inbox.store import agents, audit, privileges, visibility
from inbox.store.agents import Actor, Agent, PermissionDenied, Role
from inbox.store.db import Database
from inbox.store.privileges import Groups

__all__ = [
    "Actor",
    "Agent",
    "PermissionDenied",
    "Role",
    "actor",
    "add_agent",
    "agents_see",
    "init_team",
    "list_agents",
    "remove_agent",
    "set_visibility",
    "whoami",
]


def actor(db: Database, name: str) -> Actor:
    """Who `name` is; raises PermissionDenied for a name that is not an active agent of this inbox."""
    with db.read() as s:
        try:
            return agents.actor(s, name)
        except agents.UnknownAgent as exc:
            raise PermissionDenied(str(exc)) from None


def _admin(s, by: str, what: str) -> Actor:
    """`by`, if an active admin (PermissionDenied otherwise, saying `what` needs the role)."""
    try:
        who = agents.actor(s, by)
    except agents.UnknownAgent as exc:
        raise PermissionDenied(str(exc)) from None
    agents.require(who, Role.ADMIN, what)
    return who


def list_agents(db: Database, by: str) -> list[Agent]:
    """Everyone on the team; any active member may see who is who."""
    actor(db, by)
    with db.read() as s:
        return agents.all_agents(s)


def add_agent(db: Database, by: str, name: str, role: Role, active: bool = True, password: str | None = None) -> Agent:
    """Add an agent or change a role (admins only).

    On a team database the agent's login is created (with `password`) or moved to the role's group
    in the same transaction as the row, so the app's role and the database's never disagree.

    Setting up a team on a laptop install: while the table is empty the local user is admin, and
    the first `add` records that user as admin too, so defining a team never locks its author out.
    A change that would leave no active admin is refused.
    """
    with db.write() as s:
        _admin(s, by, "managing agents and roles")
        groups = privileges.team_groups(s)
        if groups is not None:
            _team_login(s, groups, name, role, password, active)
        elif password:
            raise ValueError("agents here have no database login (only a team database does): drop --password-stdin")
        if not agents.team_defined(s) and name.strip() != by:
            agents.upsert(s, by, Role.ADMIN)
            audit.record(s, by, "role_change", f"agent:{by}", role=Role.ADMIN.value, previous=None, bootstrap=True)
        agent, previous = agents.upsert(s, name, role, active)
        if not any(a.role is Role.ADMIN and a.active for a in agents.all_agents(s)):
            raise PermissionDenied("this change would leave the inbox without an active admin")
        audit.record(
            s,
            by,
            "role_change",
            f"agent:{agent.name}",
            role=role.value,
            previous=previous.value if previous else None,
            active=active,
        )
    return agent


# -- team databases (PostgreSQL: the agent is the login) ---------------------------------------------
@dataclass(frozen=True, slots=True)
class TeamDatabase:
    """A team database just set up: its groups, its first admin, and the URL pattern agents use."""

    groups: Groups
    admin: str
    url: str  # the owner's URL as given, without its password

    def url_for(self, login: str) -> str:
        """The URL `login` connects with: no password in it (it is in their keyring)."""
        return make_url(self.url).set(username=login, password=None).render_as_string(hide_password=False)


def init_team(
    url: str, admin: str, password: str, prefix: str = "inbox", agents_see: str = visibility.AgentsSee.ALL
) -> TeamDatabase:
    """Set up a new team database with the owner's URL: schema, group roles, matrix, first admin."""
    privileges.check_prefix(prefix)
    privileges.check_login(admin)
    sees = visibility.parse(agents_see)
    if not password:
        raise ValueError("the admin's password is empty: give it on stdin")
    db = Database(url)
    try:
        if db.is_sqlite:
            raise ValueError("a team database is PostgreSQL: give --db postgresql+psycopg://OWNER@HOST/DATABASE")
        db.upgrade()
        groups = Groups(prefix)
        with db.write() as s:
            if privileges.team_groups(s) is not None:
                raise ValueError("this database already has a team: add agents with `inbox agents add`")
            for name in (*groups.all(), admin):
                if privileges.role_exists(s, name):
                    raise ValueError(
                        f"the role {name} already exists on this server (roles are server-wide: another team?); "
                        "choose another --group-prefix or --admin"
                    )
            privileges.set_up(s, groups)
            privileges.create_login(s, groups, admin, Role.ADMIN, password)
            agents.upsert(s, admin, Role.ADMIN)
            visibility.set_setting(s, sees, admin)
            audit.record(s, admin, "team_init", f"agent:{admin}", groups=prefix, agents_see=sees.value)
    finally:
        db.dispose()
    return TeamDatabase(groups, admin, make_url(url).set(password=None).render_as_string(hide_password=False))


def set_visibility(db: Database, by: str, agents_see: str) -> visibility.AgentsSee:
    """Which conversations agents' logins read from now on (admins only; a team database only).

    The database's policies read the setting at every statement, so each agent's next query obeys it."""
    sees = visibility.parse(agents_see)
    with db.write() as s:
        _admin(s, by, "choosing what agents see")
        if privileges.team_groups(s) is None:
            raise ValueError("only a team database narrows what agents see: this inbox is not one (`inbox team init`)")
        previous = visibility.current(s)
        visibility.set_setting(s, sees, by)
        audit.record(s, by, "team_visibility", "team", agents_see=sees.value, previous=previous.value)
    return sees


def agents_see(db: Database) -> visibility.AgentsSee:
    with db.read() as s:
        return visibility.current(s)


def _team_login(s, groups: Groups, name: str, role: Role, password: str | None, active: bool) -> None:
    """Create, re-role or re-password the login of agent `name` (same transaction as its row)."""
    privileges.check_login(name)
    if not privileges.role_exists(s, name):
        if not password:
            raise ValueError(f"{name} has no login yet: give a password on stdin (--password-stdin)")
        privileges.create_login(s, groups, name, role, password)
    else:
        if agents.get(s, name) is None:
            raise ValueError(f"a login named {name} already exists on this server and is not an agent of this team")
        privileges.set_role(s, groups, name, role)
        if password:
            privileges.set_password(s, name, password)
    privileges.allow_login(s, name, active)


def remove_agent(db: Database, by: str, name: str) -> Agent:
    """Take an agent off the team (admins only): the row stays (their name is on past messages),
    marked inactive; on a team database their login is dropped, so they can no longer connect."""
    with db.write() as s:
        who = _admin(s, by, "managing agents and roles")
        found = agents.get(s, name)
        if found is None:
            raise LookupError(f"no agent named {name!r} (see `inbox agents list`)")
        if name == who.name:
            raise PermissionDenied("an admin cannot remove themselves: ask another admin")
        agent, _ = agents.upsert(s, name, found.role, active=False)
        if privileges.team_groups(s) is not None:
            privileges.drop_login(s, name)
        audit.record(s, by, "agent_removed", f"agent:{name}", role=found.role.value)
    return agent


def whoami(db: Database) -> Agent | None:
    """The agent this team connection is logged in as (None: not an agent of a team database)."""
    with db.read() as s:
        login = agents.session_login(s)
        return agents.get(s, login) if login else None
