"""Screening a chunk of inbound messages: which ones no automation step could act on.

Most customer texts are conversation ("where is my order?"), not keywords. Running the whole chain
for each costs a dozen queries per message; instead ingest reads, once per chunk, what state the
steps depend on (live verification challenges, running surveys, open polls and contests, CSAT asks,
enabled keyword rules, after-hours acknowledgement) and asks `quiet()` per message. A quiet message
is stored and threaded in bulk; any other message — and every message of its conversation in the
chunk, so their order is kept — runs the real chain, unchanged, one by one.

The walk follows `automation.STEPS`, the one declaration of the chain: each step names its screen
(`engine.screens`), and a step without one makes every message "might act", so adding a step to
that list can never be silently skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core.models import Channel
from inbox.engine import automation
from inbox.engine.inbound import Arrival, ChunkState, InboundContext
from inbox.engine.verification import ENDED_GRACE
from inbox.store import automation_state, contests, polls
from inbox.store import rules as rule_store
from inbox.store.contests import Contest
from inbox.store.polls import Poll

__all__ = ["Arrival", "ChunkState", "prefetch", "quiet", "run"]


def prefetch(
    session: Session,
    channel: Channel,
    contact_ids: set[int],
    conversation_ids: set[int],
    first_at: datetime,
    last_at: datetime,
) -> ChunkState:
    """The chunk's automation state: a fixed handful of queries, whatever the chunk size."""
    return ChunkState(
        channel=channel,
        verification_live=automation_state.verification_live(session, channel.id, first_at - ENDED_GRACE),
        surveying=automation_state.surveying(session, channel.id, contact_ids),
        asking_csat=automation_state.asking_csat(session, conversation_ids),
        survey_triggers=automation_state.survey_triggers(session, channel.id),
        contests=[c for c in contests.all_contests(session) if c.channel_id == channel.id and _may_open(c, last_at)],
        polls=[p for p in polls.all_polls(session) if p.channel_id == channel.id and _may_open(p, last_at)],
        rules=rule_store.enabled_specs(session, channel.id),
        settings=rule_store.settings(session, channel.id),
    )


def _may_open(item: Contest | Poll, last_at: datetime) -> bool:
    return item.opens_at <= last_at


def run(state: ChunkState, arrival: Arrival, ctx: InboundContext) -> str | None:
    """`automation.run` without the steps whose screen says they would do nothing for this message."""
    for step in automation.STEPS:
        if step.screen is not None and step.screen(state, arrival):
            continue
        if step.name == "engagement":  # it may start a survey: its prefetched state is stale from here
            state.stirred.add(arrival.contact_id)
        if step.handler(ctx):
            return step.name
    return None


def quiet(state: ChunkState, arrival: Arrival) -> bool:
    """Whether no step of the chain could act on this message (so it may skip the chain)."""
    for step in automation.STEPS:
        if step.screen is None or not step.screen(state, arrival):
            return False
    return True
