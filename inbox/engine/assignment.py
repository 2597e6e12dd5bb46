"""Automatic assignment: new and reopened conversations shared round robin among agents who are on.

Why in the ingest transaction: the conversation, its message and its assignee commit together, so a
crash never leaves a customer's new thread assigned to nobody although the channel says it should
be, and a replayed batch (nothing new stored) assigns nothing. Only agents whose desktop says
ONLINE take work (away or offline do not), and nobody past the channel's capacity of open
conversations. The leader's periodic job applies the channel's "when offline" policy.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from inbox.core.presence import (
    FORGET_AFTER,
    AssignmentPolicy,
    InvalidAssignmentSetting,
    OfflinePolicy,
    PresenceState,
    check_capacity,
    check_offline_policy,
    next_in_turn,
)
from inbox.store import agents, assignment, audit, channels
from inbox.store import presence as stored_presence
from inbox.store.db import Database

log = logging.getLogger(__name__)

ACTOR = "auto-assign"  # the audit trail's actor for what this module does by itself


def available(session: Session, now: datetime) -> list[str]:
    """Agents who may take new work now: a desktop ONLINE, and active on the team (once there is one)."""
    online = {r.agent for r in stored_presence.sessions(session, now) if r.state is PresenceState.ONLINE}
    if agents.team_defined(session):
        online &= {a.name for a in agents.all_agents(session) if a.active}
    return sorted(online)


def present(session: Session, now: datetime) -> set[str]:
    """Agents with a desktop on (online or away): an away agent is still there, so keeps their work."""
    return {r.agent for r in stored_presence.sessions(session, now) if r.state is not PresenceState.OFFLINE}


def awaiting(session: Session, channel_id: int, conversation_ids: Collection[int]) -> list[int]:
    """Before a chunk's messages are applied: which of its conversations auto-assignment should place
    (none unless the channel auto-assigns, so a channel without the setting pays one small read)."""
    if not assignment.policy(session, channel_id).auto_assign:
        return []
    return assignment.awaiting(session, conversation_ids)


def assign_arrivals(
    session: Session, channel_id: int, conversation_ids: Collection[int], now: datetime
) -> dict[int, str]:
    """Assign these waiting conversations (see `store.assignment.awaiting`) if the channel auto-assigns;
    conversation id → agent. Nobody available, or all at capacity: they stay unassigned."""
    if not conversation_ids:
        return {}
    policy = assignment.policy(session, channel_id, for_update=True)
    if not policy.auto_assign:
        return {}
    candidates = available(session, now)
    if not candidates:
        return {}
    load = assignment.loads(session, candidates)
    after = policy.last_assignee
    done: dict[int, str] = {}
    for conversation_id in sorted(conversation_ids):
        agent = next_in_turn(candidates, after, load, policy.capacity)
        if agent is None:
            break
        if assignment.assign(session, conversation_id, agent):
            audit.record(session, ACTOR, "assign", f"conversation:{conversation_id}", to=agent)
            load[agent] = load.get(agent, 0) + 1
            after = agent
            done[conversation_id] = agent
    if after is not None and after != policy.last_assignee:
        assignment.advance(session, channel_id, after)
    return done


def release_offline(db: Database, now: datetime | None = None) -> list[int]:
    """On channels whose policy says so, return the open conversations of agents with no desktop on
    to the unassigned queue; the conversation ids released. Run by the leader every few seconds."""
    at = now if now is not None else datetime.now(UTC)
    released: list[int] = []
    with db.write() as s:
        policies = [p for p in assignment.all_policies(s) if p.when_offline is OfflinePolicy.UNASSIGN]
        if policies:
            here = present(s, at)
            for p in policies:
                for conversation_id, agent in assignment.held_by_others(s, p.channel_id, here):
                    if assignment.unassign(s, conversation_id, agent):
                        audit.record(s, ACTOR, "unassign", f"conversation:{conversation_id}", agent_offline=agent)
                        released.append(conversation_id)
        stored_presence.forget(s, FORGET_AFTER, at)
    if released:
        log.info("returned %d conversation(s) of offline agents to the queue", len(released))
    return released


class ChannelNotFound(LookupError):
    pass


def configure(
    db: Database,
    channel_name: str,
    *,
    auto_assign: bool | None = None,
    capacity: object = None,
    when_offline: str | None = None,
    assign_on_reply: bool | None = None,
    actor: str,
) -> AssignmentPolicy:
    """Change a channel's auto-assignment setting (validated first: nothing changes on a bad value).

    InvalidAssignmentSetting for a bad capacity or policy, ChannelNotFound for an unknown channel,
    PermissionDenied / UnknownAgent unless `actor` is an admin (anyone, before a team is set up)."""
    checked_capacity = check_capacity(capacity) if capacity is not None else None
    checked_policy = check_offline_policy(when_offline) if when_offline is not None else None
    if auto_assign is None and checked_capacity is None and checked_policy is None and assign_on_reply is None:
        raise InvalidAssignmentSetting(
            "Nothing to change: give --auto-assign, --capacity, --when-offline or --assign-on-reply"
        )
    with db.write() as s:
        agents.require(agents.actor(s, actor), agents.Role.ADMIN, "Changing how a channel assigns conversations")
        channel = channels.by_name(s, channel_name)
        if channel is None:
            raise ChannelNotFound(f"There is no channel named {channel_name!r} (see `inbox channel list`)")
        saved = assignment.save(
            s,
            channel.id,
            auto_assign=auto_assign,
            capacity=checked_capacity,
            when_offline=checked_policy,
            assign_on_reply=assign_on_reply,
        )
        audit.record(
            s,
            actor,
            "channel.assignment",
            f"channel:{channel.id}",
            auto_assign=saved.auto_assign,
            capacity=saved.capacity,
            when_offline=saved.when_offline.value,
            assign_on_reply=saved.assign_on_reply,
        )
    return saved


def claim_on_reply(session: Session, channel_id: int, conversation_id: int, agent: str) -> bool:
    """In the reply's transaction: the channel says replying assigns, and nobody holds the
    conversation: it is now `agent`'s (audited). True when it was assigned."""
    if not assignment.policy(session, channel_id).assign_on_reply:
        return False
    if not assignment.assign(session, conversation_id, agent):
        return False
    audit.record(session, agent, "assign", f"conversation:{conversation_id}", to=agent, on_reply=True)
    return True


def policy_of(db: Database, channel_id: int) -> AssignmentPolicy:
    with db.read() as s:
        return assignment.policy(s, channel_id)
