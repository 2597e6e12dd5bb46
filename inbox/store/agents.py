"""Agents and roles: who may see, export, review and administer what.

The policy lives here, in the store layer, so the engine and the reports layer (which may not import
each other) check permissions against the same rules. A laptop install with no agents defined treats
its single local user as admin: an empty `agents` table means "no team set up yet", not "nobody may".

On a team database (PostgreSQL set up by `inbox team init`, see `store.privileges`) an agent's name
is their database login: whoever connects as `bob` is bob, and a claim to be anyone else is refused
here, below every use case, as the database's own policies refuse it below the app.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from inbox.core import typed_text
from inbox.core.identity import impersonation
from inbox.store.models import max_length
from inbox.store.report_tables import AgentRow


class Role(enum.StrEnum):
    AGENT = "agent"  # works the conversations assigned to them (and unassigned ones)
    SUPERVISOR = "supervisor"  # sees, reviews and exports every conversation
    ADMIN = "admin"  # everything a supervisor does, plus channels, rules, roles and retention


_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class PermissionDenied(Exception):
    """The actor's role does not allow this; raised below the UI so hiding a button is never the only guard."""


class UnknownAgent(Exception):
    """A name that is not in the agents table once a team is set up."""


class Impersonation(PermissionDenied):
    """A team connection logged in as one agent asked to act as another."""


# Written by `inbox team init` (value: the prefix of the team's group roles); its presence on a
# PostgreSQL database means "the agent is the login".
TEAM_SETTING = "team_groups"


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, with the role that decides what they may do."""

    name: str
    role: Role

    def at_least(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


def _dto(row: AgentRow) -> Agent:
    return Agent(row.id, row.name, Role(row.role), row.active, row.created_at)


def all_agents(session: Session) -> list[Agent]:
    return [_dto(r) for r in session.scalars(select(AgentRow).order_by(AgentRow.name))]


def get(session: Session, name: str) -> Agent | None:
    row = session.scalar(select(AgentRow).where(AgentRow.name == name))
    return _dto(row) if row else None


def team_defined(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(AgentRow)))


def session_login(session: Session) -> str | None:
    """The login of a team connection when it is an agent's (None on SQLite, on a PostgreSQL
    database without `inbox team init`, and for a login that is no agent, like the owner's)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    login, team = session.execute(
        text("SELECT session_user, EXISTS (SELECT 1 FROM settings WHERE key = :k)"), {"k": TEAM_SETTING}
    ).one()
    if not team or session.scalar(select(AgentRow.id).where(AgentRow.name == login)) is None:
        return None
    return str(login)


def actor(session: Session, name: str) -> Actor:
    """The actor for `name`: admin while no agents are defined; an unknown or inactive name is refused.

    On a team connection `name` must be the login (Impersonation otherwise)."""
    login = session_login(session)
    if login is not None and name != login:
        raise Impersonation(impersonation(login, name))
    if not team_defined(session):
        return Actor(name, Role.ADMIN)
    found = get(session, name)
    if found is None or not found.active:
        raise UnknownAgent(f"{name!r} is not an active agent of this inbox (ask an admin: `inbox agents add`)")
    return Actor(found.name, found.role)


def require(who: Actor, role: Role, what: str) -> None:
    if not who.at_least(role):
        raise PermissionDenied(f"{what} needs the {role.value} role; {who.name} is {who.role.value}")


def scope_agent(who: Actor, requested: str | None) -> str | None:
    """The assignee filter an actor may use: agents see only their own conversations.

    An agent who asks for no particular agent gets their own; asking for another agent is refused.
    """
    if who.at_least(Role.SUPERVISOR):
        return requested
    if requested is not None and requested != who.name:
        raise PermissionDenied(f"{who.name} may not see conversations assigned to {requested}")
    return who.name


def upsert(session: Session, name: str, role: Role, active: bool = True) -> tuple[Agent, Role | None]:
    """Add an agent or change their role; returns the agent and the previous role (None if new)."""
    if not name.strip():
        raise ValueError("an agent needs a name")
    cleaned = typed_text.printable_line(name, "The agent name", max_length(AgentRow.name))
    row = session.scalar(select(AgentRow).where(AgentRow.name == cleaned).with_for_update())
    previous = Role(row.role) if row else None
    if row is None:
        row = AgentRow(name=cleaned, role=role.value, active=active)
        session.add(row)
    else:
        row.role = role.value
        row.active = active
    session.flush()
    return _dto(row), previous
