"""Response and engagement metrics per period, channel, agent and label (definitions: README "Metrics").

One pass over the messages of the conversations that matter, in (conversation, time) order and
streamed, so a report over a large inbox does not hold every message in memory. Counts are
attributed to the period of the event they count; a response time to the period in which the
customer started waiting; a resolution time to the period in which the thread was resolved.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import groupby

from sqlalchemy import Integer, String, column, func, inspect, or_, select, table
from sqlalchemy.orm import Session

from inbox.core import attribution
from inbox.core.models import AuthorKind, ConversationStatus, Direction, MessageStatus
from inbox.reports import team
from inbox.reports.filters import ReportFilter, conversation_ids, narrow
from inbox.reports.turns import turns
from inbox.store.agents import Role, require
from inbox.store.db import Database
from inbox.store.models import (
    AuditEventRow,
    ChannelRow,
    ConversationLabelRow,
    ConversationRow,
    MessageRow,
    OptOutEventRow,
    UTCDateTime,
    utcnow,
)

PERIODS = ("day", "week", "month")
_BILLED = (MessageStatus.SENT.value, MessageStatus.DELIVERED.value, MessageStatus.UNDELIVERED.value)
_FAILED = (MessageStatus.UNDELIVERED.value, MessageStatus.FAILED.value)
# Outcomes that count for the verification success rate (pending and cancelled are not outcomes).
_VERIFY_OUTCOMES = ("verified", "locked", "expired")

# The verification tables belong to another feature: read them through a light table description.
_challenges = table(
    "verification_challenges",
    column("channel_id", Integer),
    column("conversation_id", Integer),
    column("status", String),
    column("created_at", UTCDateTime()),
)


@dataclass(frozen=True, slots=True)
class Durations:
    """A distribution of durations in seconds."""

    count: int
    median: float | None
    p90: float | None

    @staticmethod
    def of(values: list[float]) -> Durations:
        if not values:
            return Durations(0, None, None)
        ordered = sorted(values)
        return Durations(len(ordered), statistics.median(ordered), _percentile(ordered, 0.9))


def _percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (the "exclusive of nothing" method, numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True, slots=True)
class FailureReason:
    error_code: int | None
    error_message: str | None
    count: int


@dataclass(frozen=True, slots=True)
class Metrics:
    """The metrics of one time range (a period bucket, or the whole report)."""

    start: datetime
    end: datetime
    mo: int
    mt: int
    new_conversations: int
    first_response: Durations
    response: Durations
    resolution: Durations
    agent_replies: int
    automated_replies: int
    automation_share: float | None
    opt_outs: int
    opt_ins: int
    verifications: int | None  # None: this inbox has no verification feature
    verifications_succeeded: int | None
    verification_success_rate: float | None
    delivered: int
    undelivered: int
    failed: int
    delivery_success_rate: float | None
    failure_reasons: tuple[FailureReason, ...]
    segments_sent: int
    # What wrote the automatic messages, most first: (("keywords", 2), ("polls", 1)) — see
    # core.attribution.category. The demo said "2 by rules" with no rule at all.
    automated_by: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Waiting:
    """Now, not per period: customers waiting for a human answer."""

    conversations: int
    oldest_since: datetime | None
    oldest_wait_seconds: float | None


@dataclass(frozen=True, slots=True)
class MetricsReport:
    filter: ReportFilter
    period: str | None
    timezone: str
    generated_at: datetime
    total: Metrics
    buckets: tuple[Metrics, ...]
    waiting: Waiting


@dataclass
class _Acc:
    mo: int = 0
    mt: int = 0
    new: int = 0
    first: list[float] = field(default_factory=list)
    response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    agent: int = 0
    auto: int = 0
    opt_out: int = 0
    opt_in: int = 0
    verif: int = 0
    verif_ok: int = 0
    delivered: int = 0
    undelivered: int = 0
    failed: int = 0
    reasons: Counter = field(default_factory=Counter)
    segments: int = 0
    auto_by: Counter = field(default_factory=Counter)

    def merge(self, other: _Acc) -> None:
        for name in ("mo", "mt", "new", "agent", "auto", "opt_out", "opt_in", "verif", "verif_ok"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("delivered", "undelivered", "failed", "segments"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.first += other.first
        self.response += other.response
        self.resolution += other.resolution
        self.reasons.update(other.reasons)
        self.auto_by.update(other.auto_by)

    def freeze(self, start: datetime, end: datetime, has_verification: bool) -> Metrics:
        replies = self.agent + self.auto
        outcomes = self.delivered + self.undelivered + self.failed
        return Metrics(
            start=start,
            end=end,
            mo=self.mo,
            mt=self.mt,
            new_conversations=self.new,
            first_response=Durations.of(self.first),
            response=Durations.of(self.response),
            resolution=Durations.of(self.resolution),
            agent_replies=self.agent,
            automated_replies=self.auto,
            automation_share=self.auto / replies if replies else None,
            opt_outs=self.opt_out,
            opt_ins=self.opt_in,
            verifications=self.verif if has_verification else None,
            verifications_succeeded=self.verif_ok if has_verification else None,
            verification_success_rate=(self.verif_ok / self.verif if has_verification and self.verif else None),
            delivered=self.delivered,
            undelivered=self.undelivered,
            failed=self.failed,
            delivery_success_rate=self.delivered / outcomes if outcomes else None,
            failure_reasons=tuple(
                FailureReason(code, message, n)
                for (code, message), n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], str(kv[0])))
            ),
            segments_sent=self.segments,
            automated_by=tuple(sorted(self.auto_by.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


# -- periods -------------------------------------------------------------------------------------
def _floor(at: datetime, period: str) -> datetime:
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())  # weeks start on Monday
    return day.replace(day=1)


def _next(at: datetime, period: str) -> datetime:
    if period == "day":
        step = at + timedelta(days=1)
    elif period == "week":
        step = at + timedelta(days=7)
    else:
        step = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
    # Aware arithmetic within one zone is wall-clock arithmetic: a DST day is 23 or 25 hours long.
    return step


def boundaries(start: datetime, end: datetime, period: str | None, tz: tzinfo) -> list[datetime]:
    """Bucket edges from `start` to `end`, at local midnights (and Mondays, first days of months) in `tz`."""
    if period is None:
        return [start, end]
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (day, week or month)")
    edges = [start]
    cursor = _floor(start.astimezone(tz), period)
    while True:
        cursor = _next(cursor, period)
        edge = cursor.astimezone(UTC)
        if edge >= end:
            break
        if edge > start:
            edges.append(edge)
    edges.append(end)
    return edges


# -- the report ----------------------------------------------------------------------------------
def report(
    db: Database,
    actor: str,
    flt: ReportFilter,
    period: str | None = None,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> MetricsReport:
    """Metrics for `flt` (agents: their own conversations only), split by `period` in time zone `tz`."""
    who = team.actor(db, actor)
    flt = flt.scoped_for(who)
    now = now or utcnow()
    zone = tz or datetime.now().astimezone().tzinfo or UTC
    end = flt.end or now
    start = flt.start or end - timedelta(days=30)
    flt = replace(flt, start=start, end=end)
    edges = boundaries(start, end, period, zone)
    with db.read() as s:
        accs, has_verification = _accumulate(s, flt, edges)
        waiting = _waiting(s, flt, now)
    total = _Acc()
    for acc in accs:
        total.merge(acc)
    buckets = tuple(acc.freeze(a, b, has_verification) for acc, a, b in zip(accs, edges, edges[1:], strict=False))
    return MetricsReport(
        filter=flt,
        period=period,
        timezone=str(zone),
        generated_at=now,
        total=total.freeze(start, end, has_verification),
        buckets=buckets,
        waiting=waiting,
    )


def breakdown(
    db: Database, actor: str, flt: ReportFilter, by: str, tz: tzinfo | None = None, now: datetime | None = None
) -> tuple[tuple[str, Metrics], ...]:
    """Totals per agent, channel or label (supervisors): the per-agent comparison of the Supervisor view."""
    who = team.actor(db, actor)
    require(who, Role.SUPERVISOR, "comparing agents, channels or labels")
    with db.read() as s:
        if by == "agent":
            keys = [(k, replace(flt, agent=k)) for k in _distinct(s, ConversationRow.assignee)]
        elif by == "channel":
            rows = s.execute(select(ChannelRow.id, ChannelRow.name).order_by(ChannelRow.name))
            keys = [(name, replace(flt, channel_id=cid)) for cid, name in rows]
        elif by == "label":
            keys = [(k, replace(flt, label=k)) for k in _distinct(s, ConversationLabelRow.label)]
        else:
            raise ValueError(f"cannot break down by {by!r} (agent, channel or label)")
    return tuple((key, report(db, actor, f, None, tz, now).total) for key, f in keys)


def _distinct(s: Session, col) -> list[str]:
    return [v for v in s.scalars(select(col).where(col.is_not(None)).distinct().order_by(col))]


def _has_table(s: Session, name: str) -> bool:
    return inspect(s.connection()).has_table(name)


def _accumulate(s: Session, flt: ReportFilter, edges: list[datetime]) -> tuple[list[_Acc], bool]:
    start, end = edges[0], edges[-1]
    accs = [_Acc() for _ in edges[:-1]]

    def bucket(at: datetime) -> _Acc | None:
        if at < start or at >= end:
            return None
        return accs[bisect.bisect_right(edges, at) - 1]

    resolves = _resolve_events(s, flt, end)
    resolved_in_range = [cid for cid, times in resolves.items() if any(start <= t < end for t in times)]

    # Conversations with a message in range, or resolved in range: their whole history, streamed.
    in_range = select(MessageRow.conversation_id).where(MessageRow.created_at >= start, MessageRow.created_at < end)
    relevant = or_(ConversationRow.id.in_(in_range), ConversationRow.id.in_(resolved_in_range or [-1]))
    stmt = narrow(
        select(
            MessageRow.conversation_id,
            MessageRow.direction,
            MessageRow.author_kind,
            MessageRow.created_at,
            MessageRow.status,
            MessageRow.num_segments,
            MessageRow.error_code,
            MessageRow.error_message,
            MessageRow.author,
        )
        .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
        .where(relevant)
        .order_by(MessageRow.conversation_id, MessageRow.created_at, MessageRow.id),
        flt,
    ).execution_options(yield_per=5000)
    for conv_id, rows in groupby(s.execute(stmt), key=lambda r: r[0]):
        history = list(rows)
        for _cid, direction, kind, at, status, segs, code, message, author in history:
            acc = bucket(at)
            if acc is None:
                continue
            if direction == Direction.INBOUND.value:
                acc.mo += 1
                continue
            if direction != Direction.OUTBOUND.value:
                continue  # private notes
            acc.mt += 1
            if kind == AuthorKind.AGENT.value:
                acc.agent += 1
            elif kind == AuthorKind.AUTOMATION.value:
                acc.auto += 1
                acc.auto_by[attribution.category(author)] += 1
            if status in _BILLED:
                acc.segments += segs or 0
            if status == MessageStatus.DELIVERED.value:
                acc.delivered += 1
            elif status == MessageStatus.UNDELIVERED.value:
                acc.undelivered += 1
            elif status == MessageStatus.FAILED.value:
                acc.failed += 1
            if status in _FAILED:
                acc.reasons[(code, message)] += 1
        for turn in turns(conv_id, ((d, k, at) for _c, d, k, at, *_rest in history)):
            acc = bucket(turn.started_at)
            seconds = turn.seconds()
            if acc is None or seconds is None:
                continue
            acc.response.append(seconds)
            if turn.first:
                acc.first.append(seconds)
        _resolutions(conv_id, history, resolves.get(conv_id, []), bucket)

    for (created_at,) in s.execute(
        narrow(
            select(ConversationRow.created_at).where(
                ConversationRow.created_at >= start, ConversationRow.created_at < end
            ),
            flt,
        )
    ):
        if acc := bucket(created_at):
            acc.new += 1

    optouts = select(OptOutEventRow.at, OptOutEventRow.opted_out).where(
        OptOutEventRow.at >= start, OptOutEventRow.at < end
    )
    if flt.narrows_conversations():
        optouts = optouts.join(
            ConversationRow,
            (ConversationRow.contact_id == OptOutEventRow.contact_id)
            & (ConversationRow.channel_id == OptOutEventRow.channel_id),
        )
        optouts = narrow(optouts, flt)
    for at, opted_out in s.execute(optouts):
        if acc := bucket(at):
            if opted_out:
                acc.opt_out += 1
            else:
                acc.opt_in += 1

    has_verification = _has_table(s, "verification_challenges")
    if has_verification:
        challenges = select(_challenges.c.created_at, _challenges.c.status).where(
            _challenges.c.created_at >= start,
            _challenges.c.created_at < end,
            _challenges.c.status.in_(_VERIFY_OUTCOMES),
        )
        if flt.channel_id is not None:
            challenges = challenges.where(_challenges.c.channel_id == flt.channel_id)
        if flt.agent is not None or flt.label is not None or flt.conversation_id is not None:
            challenges = challenges.where(_challenges.c.conversation_id.in_(conversation_ids(flt)))
        for at, status in s.execute(challenges):
            if acc := bucket(at):
                acc.verif += 1
                acc.verif_ok += status == "verified"
    return accs, has_verification


def _resolve_events(s: Session, flt: ReportFilter, end: datetime) -> dict[int, list[datetime]]:
    """When each conversation was resolved (from the audit trail of status changes), oldest first."""
    found: dict[int, list[datetime]] = {}
    rows = s.execute(
        select(AuditEventRow.subject, AuditEventRow.detail, AuditEventRow.at)
        .where(AuditEventRow.action == "status", AuditEventRow.subject.like("conversation:%"), AuditEventRow.at < end)
        .order_by(AuditEventRow.at, AuditEventRow.id)
    )
    for subject, detail, at in rows:
        if (detail or {}).get("status") != ConversationStatus.RESOLVED.value:
            continue
        try:
            found.setdefault(int(subject.split(":", 1)[1]), []).append(at)
        except ValueError:
            continue
    return found


def _resolutions(conv_id: int, history: list, resolved: list[datetime], bucket) -> None:
    """Resolution time: from the first customer message after the previous resolution to this one."""
    previous: datetime | None = None
    inbound = [row[3] for row in history if row[1] == Direction.INBOUND.value]
    for at in resolved:
        started = next((t for t in inbound if (previous is None or t > previous) and t <= at), None)
        previous = at
        acc = bucket(at)
        if started is not None and acc is not None:
            acc.resolution.append((at - started).total_seconds())


def _waiting(s: Session, flt: ReportFilter, now: datetime) -> Waiting:
    stmt = narrow(
        select(func.count(), func.min(ConversationRow.waiting_since)).where(
            ConversationRow.waiting_since.is_not(None),
            ConversationRow.status != ConversationStatus.RESOLVED.value,
        ),
        flt,
    )
    count, oldest = s.execute(stmt).one()
    return Waiting(int(count or 0), oldest, (now - oldest).total_seconds() if oldest else None)


def iter_rows(rep: MetricsReport) -> Iterator[dict[str, object]]:
    """Flat rows (one per bucket, then the total) for tables, CSV and spreadsheets."""
    for label, m in [*((b.start.isoformat(), b) for b in rep.buckets), ("total", rep.total)]:
        yield {
            "period": label,
            "start": m.start,
            "end": m.end,
            "mo": m.mo,
            "mt": m.mt,
            "new_conversations": m.new_conversations,
            "first_response_median_s": m.first_response.median,
            "first_response_p90_s": m.first_response.p90,
            "response_median_s": m.response.median,
            "response_p90_s": m.response.p90,
            "responses": m.response.count,
            "resolution_median_s": m.resolution.median,
            "resolution_p90_s": m.resolution.p90,
            "resolved": m.resolution.count,
            "agent_replies": m.agent_replies,
            "automated_replies": m.automated_replies,
            "automation_share": m.automation_share,
            "opt_outs": m.opt_outs,
            "opt_ins": m.opt_ins,
            "verifications": m.verifications,
            "verification_success_rate": m.verification_success_rate,
            "delivered": m.delivered,
            "undelivered": m.undelivered,
            "failed": m.failed,
            "delivery_success_rate": m.delivery_success_rate,
            "segments_sent": m.segments_sent,
        }
