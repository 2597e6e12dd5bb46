"""Presence use cases: a desktop's heartbeat, the roster, and who else is in a conversation.

Every function blocks on the database: desktops call them on their worker thread, every few
seconds. Heartbeats write only the `presence` table, never the change log or the audit trail: they
change nothing anyone must replay or answer for, and readers poll them (`snapshot`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.presence import (
    TYPING_SECONDS,
    AgentPresence,
    Here,
    PresenceSnapshot,
    PresenceState,
    best,
    here_by_conversation,
)
from inbox.store import agents, assignment
from inbox.store import presence as stored
from inbox.store.db import Database


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def heartbeat(
    db: Database,
    agent: str,
    session: str,
    state: PresenceState,
    viewing: int | None = None,
    typing: int | None = None,
    now: datetime | None = None,
) -> None:
    """Renew this desktop's row. `typing` is the conversation a keystroke was just made in: it
    reads as "typing…" for TYPING_SECONDS unless renewed. `state` OFFLINE signs the desktop off."""
    at = _now(now)
    until = at + timedelta(seconds=TYPING_SECONDS) if typing is not None else None
    with db.write(track=False) as s:  # the presence table is not in the change log
        stored.beat(s, session, agent, state, viewing, typing, until, at)


def sign_off(db: Database, agent: str, session: str, now: datetime | None = None) -> None:
    """The desktop is closing: show it offline at once rather than after the expiry window."""
    heartbeat(db, agent, session, PresenceState.OFFLINE, now=now)


def roster(db: Database, now: datetime | None = None) -> list[AgentPresence]:
    return list(snapshot(db, None, now).roster)


def who_is_here(db: Database, conversation_id: int, excluding_session: str | None, now: datetime | None = None) -> Here:
    return snapshot(db, excluding_session, now).at(conversation_id)


def snapshot(db: Database, excluding_session: str | None, now: datetime | None = None) -> PresenceSnapshot:
    """The roster (every active agent, and anyone else with a desktop on, with state and load) and
    who is viewing or typing where, leaving out the asking desktop: one read for a desktop's poll."""
    at = _now(now)
    with db.read() as s:
        rows = stored.sessions(s, at)
        team = [a.name for a in agents.all_agents(s) if a.active]
        seen = stored.last_seen(s)
        names = sorted(set(team) | {r.agent for r in rows})
        load = assignment.loads(s, names) if names else {}
    states: dict[str, list[PresenceState]] = {}
    for row in rows:
        states.setdefault(row.agent, []).append(row.state)
    line = tuple(AgentPresence(name, best(states.get(name, [])), load.get(name, 0), seen.get(name)) for name in names)
    return PresenceSnapshot(roster=line, here=here_by_conversation(rows, excluding_session))
