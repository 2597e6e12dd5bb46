"""Polls, contests, broadcasts and surveys as the Engagement window reads and runs them: blocking
calls (the window hands them to its worker) that return frozen dataclasses.

Why one facade: the window's pages only ever see these results, never a session or a row. Writes go
through the same store and engine functions the CLI uses (``inbox polls|contests|broadcast ...``),
so the app and the terminal can never disagree about what a poll or a draw is.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from inbox.core.engagement import PollOption
from inbox.engine import broadcasts as broadcast_engine
from inbox.engine import contests as contest_engine
from inbox.store import audit, channels, contests, csat, lists, polls, surveys
from inbox.store import broadcasts as broadcast_store
from inbox.store import surveys as survey_states
from inbox.store.broadcasts import Broadcast, BroadcastStats
from inbox.store.db import Database
from inbox.store.polls import PollResults

# The states and result types the window shows come from here too, so it never imports the store.
__all__ = [
    "ACTIVE_BROADCAST",
    "AgentCsat",
    "Broadcast",
    "BroadcastChoices",
    "BroadcastStats",
    "ChannelRef",
    "ContestDetail",
    "ContestSummary",
    "DrawOutcome",
    "Engagement",
    "PollResults",
    "PollSummary",
    "SurveySummary",
    "SurveysOverview",
    "broadcast_store",
    "survey_states",
]

ACTIVE_BROADCAST = frozenset(
    {broadcast_store.SCHEDULED, broadcast_store.FANNING_OUT, broadcast_store.SENDING, broadcast_store.PAUSED}
)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    id: int
    name: str
    number: str


@dataclass(frozen=True, slots=True)
class PollSummary:
    poll: polls.Poll
    channel: str
    is_open: bool
    votes: int


@dataclass(frozen=True, slots=True)
class ContestSummary:
    contest: contests.Contest
    channel: str
    is_open: bool
    entrants: int
    codes_total: int
    codes_used: int


@dataclass(frozen=True, slots=True)
class ContestDetail:
    contest: contests.Contest
    entrants: tuple[contests.Entrant, ...]
    eligible: int
    excluded_opted_out: int
    draws: tuple[contests.Draw, ...]
    phones: dict[int, str]  # contact id → number, for the winners of past draws
    opted_out: frozenset[int]  # entrants excluded from draws


@dataclass(frozen=True, slots=True)
class DrawOutcome:
    draw: contests.Draw
    winners: tuple[str, ...]  # numbers, in draw order


@dataclass(frozen=True, slots=True)
class SurveySummary:
    survey: surveys.Survey
    channel: str
    by_state: dict[str, int]

    @property
    def responses(self) -> int:
        return sum(self.by_state.values())


@dataclass(frozen=True, slots=True)
class AgentCsat:
    agent: str
    responses: int
    average: float


@dataclass(frozen=True, slots=True)
class SurveysOverview:
    surveys: tuple[SurveySummary, ...]
    csat: tuple[AgentCsat, ...]
    csat_total: int
    csat_average: float | None


@dataclass(frozen=True, slots=True)
class BroadcastChoices:
    channels: tuple[ChannelRef, ...]
    lists: tuple[str, ...]


class Engagement:
    """The blocking API of the window, bound to one database and the signed-in agent."""

    def __init__(self, db: Database, agent: str) -> None:
        self.db = db
        self.agent = agent

    # -- shared ----------------------------------------------------------------------------------
    def channels(self) -> tuple[ChannelRef, ...]:
        with self.db.read() as s:
            return tuple(ChannelRef(c.id, c.name, c.number) for c in channels.all_active(s))

    def _channel_names(self, s) -> dict[int, str]:
        return {c.id: c.name for c in channels.all_active(s)}

    # -- polls -----------------------------------------------------------------------------------
    def polls(self) -> tuple[PollSummary, ...]:
        now = datetime.now(UTC)
        with self.db.read() as s:
            names = self._channel_names(s)
            out = []
            for poll in reversed(polls.all_polls(s)):  # newest first
                res = polls.results(s, poll.id)
                out.append(
                    PollSummary(poll, names.get(poll.channel_id, "?"), poll.is_open(now), res.total if res else 0)
                )
        return tuple(out)

    def poll_results(self, poll_id: int) -> polls.PollResults | None:
        with self.db.read() as s:
            return polls.results(s, poll_id)

    def close_poll(self, poll_id: int) -> bool:
        with self.db.write() as s:
            closed = polls.close(s, poll_id, datetime.now(UTC))
            if closed:
                audit.record(s, self.agent, "poll_closed", f"poll:{poll_id}")
        return closed

    def create_poll(
        self,
        *,
        channel_id: int,
        question: str,
        options: list[PollOption],
        opens_at: datetime,
        closes_at: datetime | None,
        last_vote_counts: bool,
    ) -> polls.Poll:
        with self.db.write() as s:
            poll = polls.create(
                s,
                channel_id=channel_id,
                question=question,
                options=options,
                opens_at=opens_at,
                closes_at=closes_at,
                last_vote_counts=last_vote_counts,
            )
            audit.record(s, self.agent, "poll_created", f"poll:{poll.id}")
        return poll

    # -- contests --------------------------------------------------------------------------------
    def contests(self) -> tuple[ContestSummary, ...]:
        now = datetime.now(UTC)
        with self.db.read() as s:
            names = self._channel_names(s)
            codes = contests.code_counts(s)
            out = []
            for c in reversed(contests.all_contests(s)):
                total, used = codes.get(c.id, (0, 0))
                out.append(
                    ContestSummary(
                        c, names.get(c.channel_id, "?"), c.is_open(now), len(contests.entrants(s, c.id)), total, used
                    )
                )
        return tuple(out)

    def contest_detail(self, contest_id: int) -> ContestDetail | None:
        with self.db.read() as s:
            contest = contests.get(s, contest_id)
            if contest is None:
                return None
            entrants = tuple(contests.entrants(s, contest_id))
            eligible_ids = set(contests.eligible_ids(s, contest))
            eligible = len(eligible_ids)
            draws = tuple(contests.draws(s, contest_id))
            winner_ids = sorted({w for d in draws for w in d.winners})
            phones = broadcast_store.contact_phones(s, winner_ids)
        opted_out = frozenset(e.contact_id for e in entrants if e.contact_id not in eligible_ids)
        return ContestDetail(contest, entrants, eligible, len(entrants) - eligible, draws, phones, opted_out)

    def import_codes(self, contest_id: int, path: Path) -> contests.ImportReport:
        """First CSV column, a 'code' header skipped (the CLI's rule)."""
        text = path.read_text(encoding="utf-8-sig")
        codes = [row[0] for row in csv.reader(io.StringIO(text)) if row and row[0].strip().lower() != "code"]
        with self.db.write() as s:
            report = contests.import_codes(s, contest_id, codes)
            audit.record(s, self.agent, "contest_codes_imported", f"contest:{contest_id}", added=report.added)
        return report

    def draw(self, contest_id: int, count: int) -> DrawOutcome:
        result = contest_engine.draw_winners(self.db, contest_id, count=count, actor=self.agent)
        with self.db.read() as s:
            phones = broadcast_store.contact_phones(s, list(result.winners))
        return DrawOutcome(result, tuple(phones.get(w, "?") for w in result.winners))

    # -- broadcasts ------------------------------------------------------------------------------
    def broadcasts(self) -> tuple[broadcast_store.BroadcastStats, ...]:
        with self.db.read() as s:
            found = [broadcast_store.stats(s, b.id) for b in reversed(broadcast_store.all_broadcasts(s))]
        return tuple(st for st in found if st is not None)

    def broadcast_stats(self, broadcast_id: int) -> broadcast_store.BroadcastStats | None:
        with self.db.read() as s:
            return broadcast_store.stats(s, broadcast_id)

    def broadcast_choices(self) -> BroadcastChoices:
        with self.db.read() as s:
            chans = tuple(ChannelRef(c.id, c.name, c.number) for c in channels.all_active(s))
            names = tuple(sl.name for sl in lists.all_lists(s))
        return BroadcastChoices(chans, names)

    def preview_broadcast(
        self, *, channel_id: int, list_name: str, body: str, kind: str, at: datetime | None
    ) -> broadcast_engine.Preview:
        with self.db.read() as s:
            return broadcast_engine.preview(s, channel_id=channel_id, body=body, list_name=list_name, kind=kind, at=at)

    def create_broadcast(
        self, *, channel_id: int, list_name: str, body: str, kind: str, at: datetime | None
    ) -> broadcast_store.Broadcast:
        return broadcast_engine.create(
            self.db, channel_id=channel_id, body=body, created_by=self.agent, list_name=list_name, kind=kind, at=at
        )

    def control(self, action: str, broadcast_id: int) -> int:
        """Pause, resume or cancel (the engine refuses what the state does not allow)."""
        if action not in ("pause", "resume", "cancel"):
            raise ValueError(action)
        return getattr(broadcast_engine, action)(self.db, broadcast_id, self.agent)

    # -- surveys and CSAT ------------------------------------------------------------------------
    def surveys_overview(self) -> SurveysOverview:
        with self.db.read() as s:
            names = self._channel_names(s)
            found = []
            for sv in reversed(surveys.all_surveys(s)):
                by_state: dict[str, int] = defaultdict(int)
                for r in surveys.responses(s, sv.id):
                    by_state[r.state] += 1
                found.append(SurveySummary(sv, names.get(sv.channel_id, "?"), dict(by_state)))
            ratings = csat.responses(s)
        per_agent: dict[str, list[int]] = defaultdict(list)
        for r in ratings:
            per_agent[r.agent or "Unassigned"].append(r.score)
        agents = tuple(
            sorted(
                (AgentCsat(a, len(v), sum(v) / len(v)) for a, v in per_agent.items()),
                key=lambda x: (-x.average, x.agent),
            )
        )
        avg = sum(r.score for r in ratings) / len(ratings) if ratings else None
        return SurveysOverview(tuple(found), agents, len(ratings), avg)

    def survey_responses(self, survey_id: int) -> tuple[surveys.Survey | None, tuple[surveys.ResponseRow, ...]]:
        with self.db.read() as s:
            return surveys.get(s, survey_id), tuple(surveys.responses(s, survey_id))
