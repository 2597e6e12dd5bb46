"""The team: resolving who is asking, and the admin's management of agents and roles (audited)."""

from __future__ import annotations

from inbox.store import agents, audit
from inbox.store.agents import Actor, Agent, PermissionDenied, Role
from inbox.store.db import Database

__all__ = ["Actor", "Agent", "PermissionDenied", "Role", "actor", "add_agent", "list_agents"]


def actor(db: Database, name: str) -> Actor:
    """Who `name` is; raises PermissionDenied for a name that is not an active agent of this inbox."""
    with db.read() as s:
        try:
            return agents.actor(s, name)
        except agents.UnknownAgent as exc:
            raise PermissionDenied(str(exc)) from None


def list_agents(db: Database, by: str) -> list[Agent]:
    """Everyone on the team; any active member may see who is who."""
    actor(db, by)
    with db.read() as s:
        return agents.all_agents(s)


def add_agent(db: Database, by: str, name: str, role: Role, active: bool = True) -> Agent:
    """Add an agent or change a role (admins only).

    Setting up a team on a laptop install: while the table is empty the local user is admin, and
    the first `add` records that user as admin too, so defining a team never locks its author out.
    A change that would leave no active admin is refused.
    """
    with db.write() as s:
        try:
            who = agents.actor(s, by)
        except agents.UnknownAgent as exc:
            raise PermissionDenied(str(exc)) from None
        agents.require(who, Role.ADMIN, "managing agents and roles")
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
