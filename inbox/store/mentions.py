"""Note mentions: record them with the note, list and mark those of one agent.

Whose names a note can mention (`known_names`): the agents table once a team is defined; on an
inbox without agents, the agents who have worked in it (a desktop's presence, an assignment);
none of those yet: None, and the handle itself is recorded (`inbox.core.mentions`). Agent names
are compared as `inbox.core.mentions.key` folds them, so "Alice" finds a mention of "@alice"
recorded as a literal handle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from inbox.core.mentions import key
from inbox.store import agents
from inbox.store.mention_tables import NoteMentionRow
from inbox.store.models import ConversationRow, MessageRow
from inbox.store.team_tables import PresenceRow


@dataclass(frozen=True, slots=True)
class Mention:
    """One unseen mention of an agent: which note, in which conversation, by whom, when."""

    message_id: int
    conversation_id: int
    author: str | None
    body: str
    created_at: datetime


def known_names(session: Session) -> list[str] | None:
    """The names a note can mention (see the module docstring); None when the inbox knows none."""
    if agents.team_defined(session):
        return [a.name for a in agents.all_agents(session) if a.active]
    names = set(session.scalars(select(PresenceRow.agent).distinct()))
    names.update(
        session.scalars(select(ConversationRow.assignee).where(ConversationRow.assignee.is_not(None)).distinct())
    )
    return sorted(n for n in names if n) or None


def record(session: Session, message_id: int, names: Iterable[str]) -> None:
    """Record whom note `message_id` mentions, in the caller's (the note's) transaction."""
    session.add_all(NoteMentionRow(message_id=message_id, agent=name) for name in names)
    session.flush()


def _is(agent: str) -> ColumnElement[bool]:
    return NoteMentionRow.agent.in_(sorted({agent, key(agent)}))


def _unseen_of(agent: str) -> ColumnElement[bool]:
    return _is(agent) & NoteMentionRow.seen_at.is_(None) & (MessageRow.author != agent)


def unseen_in_conversation(agent: str) -> ColumnElement[bool]:
    """Condition on `ConversationRow`: it holds a note mentioning `agent` that they have not seen.

    An IN over the agent's unseen rows (few, found by `ix_note_mentions_agent_seen`), not a
    correlated EXISTS: walking the list's activity index with a subquery per conversation would
    visit every conversation of the inbox to fill one page."""
    return ConversationRow.id.in_(
        select(MessageRow.conversation_id)
        .join(NoteMentionRow, NoteMentionRow.message_id == MessageRow.id)
        .where(_unseen_of(agent))
    )


def unseen_by_conversation(session: Session, conversation_ids: list[int]) -> dict[int, list[str]]:
    """conversation id → the agents with an unseen mention there (one query for a page)."""
    if not conversation_ids:
        return {}
    stmt = (
        select(MessageRow.conversation_id, NoteMentionRow.agent)
        .join(MessageRow, MessageRow.id == NoteMentionRow.message_id)
        .where(MessageRow.conversation_id.in_(conversation_ids), NoteMentionRow.seen_at.is_(None))
        .distinct()
        .order_by(MessageRow.conversation_id, NoteMentionRow.agent)
    )
    found: dict[int, list[str]] = {}
    for conv_id, agent in session.execute(stmt):
        found.setdefault(conv_id, []).append(agent)
    return found


def mentioning(session: Session, message_ids: Iterable[int], agent: str) -> set[int]:
    """Which of these notes mention `agent`, leaving out their own notes."""
    ids = sorted(set(message_ids))
    if not ids:
        return set()
    stmt = (
        select(NoteMentionRow.message_id)
        .join(MessageRow, MessageRow.id == NoteMentionRow.message_id)
        .where(NoteMentionRow.message_id.in_(ids), _is(agent), MessageRow.author != agent)
    )
    return set(session.scalars(stmt))


def unseen(session: Session, agent: str, limit: int = 200) -> list[Mention]:
    """`agent`'s unseen mentions, newest first."""
    stmt = (
        select(MessageRow.id, MessageRow.conversation_id, MessageRow.author, MessageRow.body, MessageRow.created_at)
        .join(NoteMentionRow, NoteMentionRow.message_id == MessageRow.id)
        .where(_unseen_of(agent))
        .order_by(MessageRow.created_at.desc(), MessageRow.id.desc())
        .limit(limit)
    )
    return [Mention(*row) for row in session.execute(stmt)]


def mark_seen(session: Session, conversation_id: int, agent: str, at: datetime) -> int:
    """Mark `agent`'s mentions in a conversation seen; how many were unseen."""
    notes = select(MessageRow.id).where(MessageRow.conversation_id == conversation_id)
    result = session.execute(
        update(NoteMentionRow)
        .where(NoteMentionRow.message_id.in_(notes), _is(agent), NoteMentionRow.seen_at.is_(None))
        .values(seen_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
