"""Presence rows: one per desktop session, overwritten by its heartbeat, read as offline once stale.

Nothing here deletes a row for correctness: `effective_state` turns a stale row offline at read
time, so a desktop that crashed stops showing at once for everyone. `forget` only keeps the table
small (the leader runs it now and then).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from inbox.core.presence import EXPIRES_AFTER, PresenceState, SessionPresence, effective_state
from inbox.store.team_tables import PresenceRow


def beat(
    session: Session,
    session_id: str,
    agent: str,
    state: PresenceState,
    viewing: int | None,
    typing: int | None,
    typing_until: datetime | None,
    now: datetime,
) -> None:
    """Renew one desktop's row. `typing` None leaves a running typing window alone unless the desktop
    now shows another conversation (then it ends: nobody types in a thread they left)."""
    row = session.get(PresenceRow, session_id)
    if row is None:
        row = PresenceRow(session_id=session_id, agent=agent)
        session.add(row)
    row.agent = agent
    row.state = state.value
    row.viewing_conversation_id = viewing
    row.last_seen_at = now
    if typing is not None:
        row.typing_conversation_id = typing
        row.typing_until = typing_until
    elif row.typing_conversation_id is not None and row.typing_conversation_id != viewing:
        row.typing_conversation_id = None
        row.typing_until = None
    if state is PresenceState.OFFLINE:
        row.viewing_conversation_id = None
        row.typing_conversation_id = None
        row.typing_until = None
    session.flush()


def sessions(session: Session, now: datetime) -> list[SessionPresence]:
    """Every desktop seen within the expiry window, its state and typing as they stand at `now`."""
    rows = session.scalars(
        select(PresenceRow).where(PresenceRow.last_seen_at >= now - EXPIRES_AFTER).order_by(PresenceRow.agent)
    )
    return [_dto(r, now) for r in rows]


def last_seen(session: Session) -> dict[str, datetime]:
    """When each agent's newest heartbeat was (any desktop), for the roster's "seen 3 h ago"."""
    out: dict[str, datetime] = {}
    for agent, at in session.execute(select(PresenceRow.agent, PresenceRow.last_seen_at)):
        if agent not in out or at > out[agent]:
            out[agent] = at
    return out


def forget(session: Session, older_than: timedelta, now: datetime) -> int:
    """Delete rows not renewed for `older_than`; how many went."""
    result = session.execute(delete(PresenceRow).where(PresenceRow.last_seen_at < now - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _dto(row: PresenceRow, now: datetime) -> SessionPresence:
    state = effective_state(row.state, row.last_seen_at, now)
    typing = row.typing_conversation_id
    if typing is not None and (row.typing_until is None or row.typing_until <= now):
        typing = None
    return SessionPresence(
        session=row.session_id,
        agent=row.agent,
        state=state,
        viewing_conversation_id=row.viewing_conversation_id if state is not PresenceState.OFFLINE else None,
        typing_conversation_id=typing if state is not PresenceState.OFFLINE else None,
        last_seen_at=row.last_seen_at,
    )
