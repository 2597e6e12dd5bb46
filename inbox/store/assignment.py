"""Assignment policies per channel and the reads round-robin assignment needs: loads, who waits.

The engine (`engine.assignment`) decides; these read and write rows inside the caller's
transaction, so an automatic assignment commits with the message that caused it or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from inbox.core.models import ConversationStatus
from inbox.core.presence import AssignmentPolicy, OfflinePolicy
from inbox.store.models import ConversationRow
from inbox.store.team_tables import AssignmentPolicyRow

_HELD = (ConversationStatus.OPEN.value, ConversationStatus.PENDING.value, ConversationStatus.SNOOZED.value)


def _dto(row: AssignmentPolicyRow) -> AssignmentPolicy:
    return AssignmentPolicy(
        channel_id=row.channel_id,
        auto_assign=row.auto_assign,
        capacity=row.capacity,
        when_offline=OfflinePolicy(row.when_offline),
        last_assignee=row.last_assignee,
        assign_on_reply=row.assign_on_reply,
    )


def policy(session: Session, channel_id: int, *, for_update: bool = False) -> AssignmentPolicy:
    """The channel's policy; off (the defaults) when none was ever set. `for_update` locks the row
    on PostgreSQL so two writers assigning at once take turns instead of both picking the same agent."""
    stmt = select(AssignmentPolicyRow).where(AssignmentPolicyRow.channel_id == channel_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    return _dto(row) if row else AssignmentPolicy(channel_id)


def all_policies(session: Session) -> list[AssignmentPolicy]:
    return [_dto(r) for r in session.scalars(select(AssignmentPolicyRow).order_by(AssignmentPolicyRow.channel_id))]


def save(
    session: Session,
    channel_id: int,
    *,
    auto_assign: bool | None = None,
    capacity: int | None = None,
    when_offline: OfflinePolicy | None = None,
    assign_on_reply: bool | None = None,
) -> AssignmentPolicy:
    """Change the given fields of a channel's policy (the others keep their value)."""
    row = session.get(AssignmentPolicyRow, channel_id)
    if row is None:
        defaults = AssignmentPolicy(channel_id)
        row = AssignmentPolicyRow(
            channel_id=channel_id,
            auto_assign=defaults.auto_assign,
            capacity=defaults.capacity,
            when_offline=defaults.when_offline.value,
        )
        session.add(row)
    if auto_assign is not None:
        row.auto_assign = auto_assign
    if capacity is not None:
        row.capacity = capacity
    if when_offline is not None:
        row.when_offline = when_offline.value
    if assign_on_reply is not None:
        row.assign_on_reply = assign_on_reply
    session.flush()
    return _dto(row)


def advance(session: Session, channel_id: int, last_assignee: str) -> None:
    session.execute(
        update(AssignmentPolicyRow)
        .where(AssignmentPolicyRow.channel_id == channel_id)
        .values(last_assignee=last_assignee)
    )


def loads(session: Session, agents: Iterable[str] | None = None) -> dict[str, int]:
    """Open (not resolved) conversations held per agent, on every channel: capacity is per person."""
    stmt = (
        select(ConversationRow.assignee, func.count())
        .where(ConversationRow.assignee.is_not(None), ConversationRow.status.in_(_HELD))
        .group_by(ConversationRow.assignee)
    )
    if agents is not None:
        stmt = stmt.where(ConversationRow.assignee.in_(list(agents)))
    return {name: int(n) for name, n in session.execute(stmt).all()}


def awaiting(session: Session, conversation_ids: Collection[int]) -> list[int]:
    """Of these conversations, the unassigned ones a customer's message is about to start or reopen:
    never touched by a message yet (just created), or resolved / snoozed. Read before the messages
    are applied; an unassigned thread that is already open stays in the shared queue as it was."""
    if not conversation_ids:
        return []
    c = ConversationRow
    stmt = (
        select(c.id)
        .where(
            c.id.in_(list(conversation_ids)),
            c.assignee.is_(None),
            or_(
                c.last_message_direction.is_(None),
                c.status.in_((ConversationStatus.RESOLVED.value, ConversationStatus.SNOOZED.value)),
            ),
        )
        .order_by(c.id)
    )
    return list(session.scalars(stmt))


def assign(session: Session, conversation_id: int, agent: str) -> bool:
    """Assign if still unassigned (a person may have taken it meanwhile); whether it was."""
    result = session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id, ConversationRow.assignee.is_(None))
        .values(assignee=agent)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def held_by_others(session: Session, channel_id: int, keep: Collection[str]) -> list[tuple[int, str]]:
    """(conversation id, assignee) of the channel's open conversations held by someone not in `keep`."""
    c = ConversationRow
    stmt = select(c.id, c.assignee).where(c.channel_id == channel_id, c.assignee.is_not(None), c.status.in_(_HELD))
    if keep:
        stmt = stmt.where(c.assignee.not_in(list(keep)))
    return [(cid, str(who)) for cid, who in session.execute(stmt.order_by(c.id)).all()]


def unassign(session: Session, conversation_id: int, agent: str) -> bool:
    """Return a conversation to the queue if `agent` still holds it; whether it was."""
    result = session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id, ConversationRow.assignee == agent)
        .values(assignee=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
