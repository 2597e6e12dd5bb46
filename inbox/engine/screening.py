"""Screening a chunk of inbound messages: which ones no automation step could act on.

Most customer texts are conversation ("where is my order?"), not keywords. Running the whole chain
for each costs a dozen queries per message; instead ingest reads, once per chunk, what state the
steps depend on (live verification challenges, running surveys, open polls and contests, CSAT asks,
enabled keyword rules, after-hours acknowledgement) and asks `quiet()` per message. A quiet message
is stored and threaded in bulk; any other message — and every message of its conversation in the
chunk, so their order is kept — runs the real chain, unchanged, one by one.

Each step has a screen here, next to no other logic: a screen must answer False ("might act")
whenever the step might write anything. A step without a screen makes every message "might act",
so adding a step to `automation.STEPS` can never be silently skipped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core import engagement as core_engagement
from inbox.core import keywords
from inbox.core import rules as core_rules
from inbox.core.models import Channel
from inbox.engine import automation
from inbox.engine.verification import ENDED_GRACE
from inbox.store import automation_state, contests, polls
from inbox.store import rules as rule_store
from inbox.store.contests import Contest
from inbox.store.polls import Poll
from inbox.store.rules import StoredRule


@dataclass(frozen=True, slots=True)
class Arrival:
    """One stored MO as the screens see it."""

    contact_id: int
    conversation_id: int
    body: str
    at: datetime
    folded: str = ""  # NFKC, upper case: what every keyword comparison starts from

    @classmethod
    def of(cls, contact_id: int, conversation_id: int, body: str, at: datetime) -> Arrival:
        return cls(contact_id, conversation_id, body, at, unicodedata.normalize("NFKC", body).upper())


# Every opt-out intent phrase of `keywords` contains one of these words, so a text holding none of
# them cannot read as one (saves the full phrase scan on almost every message).
_INTENT_WORDS = ("STOP", "UNSUBSCRIBE", "OPT", "REMOVE", "TAKE", "TEXT", "MORE", "LEAVE")


@dataclass
class ChunkState:
    """What the automation steps would read, fetched once for the chunk."""

    channel: Channel
    verification_live: bool = False
    surveying: set[int] = field(default_factory=set)  # contact ids
    # Contacts the engagement step has run for in this chunk: it may have started a survey, so the
    # prefetched `surveying` no longer speaks for them.
    stirred: set[int] = field(default_factory=set)
    asking_csat: set[int] = field(default_factory=set)  # conversation ids
    survey_triggers: set[str] = field(default_factory=set)
    contests: list[Contest] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    rules: list[StoredRule] = field(default_factory=list)
    settings: core_rules.RuleSetSettings | None = None


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


# -- one screen per step: True means "this step surely does nothing for this message" -----------------
def _compliance(state: ChunkState, m: Arrival) -> bool:
    if keywords.classify(m.body) is not None:
        return False
    return not any(w in m.folded for w in _INTENT_WORDS) or not keywords.opt_out_intent(m.body)


def _verification(state: ChunkState, m: Arrival) -> bool:
    # Any digit (str.isdigit also knows full-width ones) could be a code attempt or a near miss.
    return not state.verification_live or not any(ch.isdigit() for ch in m.body)


def _engagement(state: ChunkState, m: Arrival) -> bool:
    if m.contact_id in state.surveying or m.contact_id in state.stirred or m.conversation_id in state.asking_csat:
        return False
    if state.survey_triggers or state.contests:
        tokens = core_engagement.answer_words(m.body)
        if tokens and (" ".join(tokens) in state.survey_triggers or tokens[0] in state.survey_triggers):
            return False
        if tokens and len(tokens) <= core_engagement.MAX_ANSWER_WORDS:
            for contest in state.contests:
                if contest.is_open(m.at) and (contest.uses_codes or contest.keyword == tokens[0]):
                    return False
    if any(p.is_open(m.at) for p in state.polls) and core_engagement.looks_like_answer(m.body):
        return False
    return True


def _rules(state: ChunkState, m: Arrival) -> bool:
    settings = state.settings
    if settings is not None and settings.ack_text and not settings.within_hours(m.at):
        return False  # the after-hours acknowledgement may answer
    if "YES" in m.folded and core_rules.without_courtesy(core_rules.words(m.body)) == ("YES",):
        return False  # may confirm a pending list sign-up
    if state.rules:
        specs = [r.spec for r in state.rules]
        if core_rules.evaluate(specs, m.body, channel_id=state.channel.id, at=m.at) is not None:
            return False
    return True


SCREENS: dict[str, Callable[[ChunkState, Arrival], bool]] = {
    "compliance": _compliance,
    "verification": _verification,
    "engagement": _engagement,
    "rules": _rules,
}


def run(state: ChunkState, arrival: Arrival, ctx: automation.InboundContext) -> str | None:
    """`automation.run` without the steps whose screen says they would do nothing for this message."""
    for name, step in automation.STEPS:
        screen = SCREENS.get(name)
        if screen is not None and screen(state, arrival):
            continue
        if name == "engagement":
            state.stirred.add(arrival.contact_id)
        if step(ctx):
            return name
    return None


def quiet(state: ChunkState, arrival: Arrival) -> bool:
    """Whether no step of the chain could act on this message (so it may skip the chain)."""
    for name, _step in automation.STEPS:
        screen = SCREENS.get(name)
        if screen is None or not screen(state, arrival):
            return False
    return True
