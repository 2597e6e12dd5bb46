"""The Supervisor dashboard's data: the metrics report plus the two series its charts need that the
report API does not give, the response-time distribution (from the same customer turns as the
metrics, so the bars add up to its count) and conversations handled per agent.

Here rather than beside the widgets so a desktop never holds a session and the numbers can be tested
(and reused by other front ends) without Qt. Every loader is one blocking call for a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import groupby

from sqlalchemy import func, select

from inbox.core.models import AuthorKind, Direction
from inbox.reports import metrics, team
from inbox.reports.filters import ReportFilter, narrow
from inbox.reports.metrics import Metrics, MetricsReport
from inbox.reports.turns import turns
from inbox.store.agents import Actor, PermissionDenied, Role
from inbox.store.db import Database
from inbox.store.models import ChannelRow, ConversationLabelRow, ConversationRow, MessageRow

# Response-time histogram buckets: (label, upper bound in seconds, exclusive); the last is open.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("0–1m", 60),
    ("1–5m", 300),
    ("5–15m", 900),
    ("15–30m", 1800),
    ("30–60m", 3600),
    ("1–4h", 4 * 3600),
    ("4–24h", 24 * 3600),
    ("1d+", float("inf")),
)


class NotASupervisor(PermissionDenied):
    """The signed-in agent may not open the Supervisor view."""


@dataclass(frozen=True, slots=True)
class Options:
    """The choices of the filter bar."""

    channels: tuple[tuple[int, str], ...]
    agents: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgentStats:
    name: str
    metrics: Metrics
    handled: int  # conversations assigned to them with at least one of their replies in range


@dataclass(frozen=True, slots=True)
class Dashboard:
    report: MetricsReport
    histogram: tuple[tuple[str, int], ...]
    agents: tuple[AgentStats, ...]


def check_access(db: Database, name: str) -> Actor:
    """The actor, if they are a supervisor or admin; otherwise NotASupervisor with a plain sentence."""
    who = team.actor(db, name)
    if not who.at_least(Role.SUPERVISOR):
        raise NotASupervisor(
            f"{who.name} is signed in as {'an' if who.role is Role.AGENT else 'a'} {who.role.value}. "
            "Team metrics, the review queue and exports need the supervisor role: ask an admin."
        )
    return who


def access(db: Database, name: str) -> str | None:
    """None when `name` may open the Supervisor view, else the sentence to show instead."""
    try:
        check_access(db, name)
    except NotASupervisor as exc:
        return str(exc)
    return None


def load_options(db: Database) -> Options:
    with db.read() as s:
        chans = tuple(
            (cid, name) for cid, name in s.execute(select(ChannelRow.id, ChannelRow.name).order_by(ChannelRow.name))
        )
        agents = tuple(
            s.scalars(
                select(ConversationRow.assignee)
                .where(ConversationRow.assignee.is_not(None))
                .distinct()
                .order_by(ConversationRow.assignee)
            )
        )
        labels = tuple(s.scalars(select(ConversationLabelRow.label).distinct().order_by(ConversationLabelRow.label)))
    return Options(chans, agents, labels)


def load_dashboard(
    db: Database,
    actor: str,
    flt: ReportFilter,
    period: str,
    tz: tzinfo,
    now: datetime,
    cancelled: Callable[[], bool] = lambda: False,
) -> Dashboard:
    """The report, the histogram and the per-agent comparison for one filter (supervisors)."""
    check_access(db, actor)
    rep = metrics.report(db, actor, flt, period=period, tz=tz, now=now)
    full = rep.filter  # start and end filled in
    histogram = response_histogram(db, full)
    per_agent: list[AgentStats] = []
    if flt.agent is None and not cancelled():
        handled = conversations_handled(db, full)
        for name, m in metrics.breakdown(db, actor, full, by="agent", tz=tz, now=now):
            per_agent.append(AgentStats(name, m, handled.get(name, 0)))
    elif flt.agent is not None:
        per_agent.append(AgentStats(flt.agent, rep.total, conversations_handled(db, full).get(flt.agent, 0)))
    return Dashboard(rep, histogram, tuple(per_agent))


def _bucket(seconds: float) -> int:
    return next(i for i, (_label, upper) in enumerate(BUCKETS) if seconds < upper)


def response_histogram(db: Database, flt: ReportFilter) -> tuple[tuple[str, int], ...]:
    """Answered customer turns that started in [start, end), by how long they waited.

    Same turns as the metrics' response time (README "Metrics"), so the bars add up to its count.
    """
    assert flt.start is not None and flt.end is not None
    counts = [0] * len(BUCKETS)
    active = select(MessageRow.conversation_id).where(
        MessageRow.created_at >= flt.start, MessageRow.created_at < flt.end
    )
    stmt = narrow(
        select(MessageRow.conversation_id, MessageRow.direction, MessageRow.author_kind, MessageRow.created_at)
        .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
        .where(ConversationRow.id.in_(active))
        .order_by(MessageRow.conversation_id, MessageRow.created_at, MessageRow.id),
        flt,
    ).execution_options(yield_per=5000)
    with db.read() as s:
        for cid, rows in groupby(s.execute(stmt), key=lambda r: r[0]):
            for turn in turns(cid, ((d, k, at) for _c, d, k, at in rows)):
                seconds = turn.seconds()
                if seconds is not None and flt.start <= turn.started_at < flt.end:
                    counts[_bucket(seconds)] += 1
    return tuple((label, n) for (label, _upper), n in zip(BUCKETS, counts, strict=True))


def conversations_handled(db: Database, flt: ReportFilter) -> dict[str, int]:
    """Per assignee: their conversations with at least one reply written by them in [start, end)."""
    stmt = narrow(
        select(ConversationRow.assignee, func.count(func.distinct(ConversationRow.id)))
        .join(MessageRow, MessageRow.conversation_id == ConversationRow.id)
        .where(
            MessageRow.direction == Direction.OUTBOUND.value,
            MessageRow.author_kind == AuthorKind.AGENT.value,
            MessageRow.author == ConversationRow.assignee,
            MessageRow.created_at >= flt.start,
            MessageRow.created_at < flt.end,
        )
        .group_by(ConversationRow.assignee),
        flt,
    )
    with db.read() as s:
        return {name: int(n) for name, n in s.execute(stmt) if name}
