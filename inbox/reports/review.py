"""The review queue: supervisors find threads worth a look, read them, and leave review notes.

Review notes live in their own table, not in the thread, so they never reach a customer, never
count as an agent reply, and can be listed ("reviewed by whom, when") without scanning messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import and_, func, select

from inbox.core.models import ConversationStatus, ConversationSummary
from inbox.reports import team
from inbox.reports.filters import ReportFilter, narrow
from inbox.reports.turns import turns
from inbox.store import audit, conversations
from inbox.store.agents import Role, require
from inbox.store.db import Database
from inbox.store.models import ConversationRow, MessageRow, OptOutRow, utcnow
from inbox.store.report_tables import ReviewRow


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """`waiting_longer_than`: the customer is waiting now, for longer than that.
    `no_reply_within`: at least one customer turn waited longer than that for a human answer
    (answered late, or still unanswered), among turns started in [start, end)."""

    agent: str | None = None
    status: ConversationStatus | None = None
    label: str | None = None
    channel_id: int | None = None
    waiting_longer_than: timedelta | None = None
    no_reply_within: timedelta | None = None
    opted_out: bool | None = None
    reviewed: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    conversation_id: int
    reviewer: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewItem:
    conversation: ConversationSummary
    labels: tuple[str, ...]
    longest_wait_seconds: float | None  # the slowest human answer (or current wait) among its turns
    reviews: int
    last_review: Review | None


def _review(row: ReviewRow) -> Review:
    return Review(row.id, row.conversation_id, row.reviewer, row.note, row.created_at)


def queue(db: Database, actor: str, flt: ReviewFilter, now: datetime | None = None) -> tuple[ReviewItem, ...]:
    """Threads matching the filter, longest-waiting first (supervisors and admins)."""
    who = team.actor(db, actor)
    require(who, Role.SUPERVISOR, "the review queue")
    now = now or utcnow()
    base = ReportFilter(channel_id=flt.channel_id, agent=flt.agent, label=flt.label)
    stmt = narrow(select(ConversationRow.id), base)
    if flt.status is not None:
        stmt = stmt.where(ConversationRow.status == ConversationStatus(flt.status).value)
    if flt.waiting_longer_than is not None:
        stmt = stmt.where(
            ConversationRow.waiting_since.is_not(None),
            ConversationRow.waiting_since <= now - flt.waiting_longer_than,
            ConversationRow.status != ConversationStatus.RESOLVED.value,
        )
    if flt.opted_out is not None:
        opted = select(OptOutRow.contact_id).where(
            and_(OptOutRow.channel_id == ConversationRow.channel_id, OptOutRow.opted_out.is_(True))
        )
        cond = ConversationRow.contact_id.in_(opted.scalar_subquery())
        stmt = stmt.where(cond if flt.opted_out else ~cond)
    reviewed = select(ReviewRow.conversation_id)
    if flt.reviewed is not None:
        stmt = stmt.where(ConversationRow.id.in_(reviewed) if flt.reviewed else ConversationRow.id.not_in(reviewed))
    if flt.start is not None or flt.end is not None:
        active = select(MessageRow.conversation_id)
        if flt.start is not None:
            active = active.where(MessageRow.created_at >= flt.start)
        if flt.end is not None:
            active = active.where(MessageRow.created_at < flt.end)
        stmt = stmt.where(ConversationRow.id.in_(active))
    with db.read() as s:
        ids = list(s.scalars(stmt))
        waits = _longest_waits(s, ids, flt, now)
        if flt.no_reply_within is not None:
            limit = flt.no_reply_within.total_seconds()
            ids = [cid for cid in ids if (waits.get(cid) or 0) > limit]
        ids.sort(key=lambda cid: -(waits.get(cid) or 0))
        ids = ids[: flt.limit]
        found = {c.id: c for c in conversations.summaries(s, ids)}
        counts = dict(
            s.execute(
                select(ReviewRow.conversation_id, func.count())
                .where(ReviewRow.conversation_id.in_(ids))
                .group_by(ReviewRow.conversation_id)
            ).all()
        )
        items = []
        for cid in ids:
            last = s.scalar(
                select(ReviewRow).where(ReviewRow.conversation_id == cid).order_by(ReviewRow.id.desc()).limit(1)
            )
            items.append(
                ReviewItem(
                    conversation=found[cid],
                    labels=tuple(conversations.labels(s, cid)),
                    longest_wait_seconds=waits.get(cid),
                    reviews=int(counts.get(cid, 0)),
                    last_review=_review(last) if last else None,
                )
            )
    return tuple(items)


def _longest_waits(s, ids: list[int], flt: ReviewFilter, now: datetime) -> dict[int, float]:
    """Per conversation, the longest a customer turn waited for a human (still-open turns until now)."""
    waits: dict[int, float] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = s.execute(
            select(MessageRow.conversation_id, MessageRow.direction, MessageRow.author_kind, MessageRow.created_at)
            .where(MessageRow.conversation_id.in_(chunk))
            .order_by(MessageRow.conversation_id, MessageRow.created_at, MessageRow.id)
        )
        for cid, group in groupby(rows, key=lambda r: r[0]):
            for turn in turns(cid, ((d, k, at) for _c, d, k, at in group)):
                if (flt.start and turn.started_at < flt.start) or (flt.end and turn.started_at >= flt.end):
                    continue
                seconds = turn.seconds()
                if seconds is None:
                    seconds = (now - turn.started_at).total_seconds()
                waits[cid] = max(waits.get(cid, 0.0), seconds)
    return waits


def add_note(db: Database, actor: str, conversation_id: int, note: str) -> Review:
    """Leave a review note on a thread (supervisors and admins); audited."""
    text = note.strip()
    if not text:
        raise ValueError("a review note needs some text")
    who = team.actor(db, actor)
    require(who, Role.SUPERVISOR, "reviewing threads")
    with db.write() as s:
        if s.get(ConversationRow, conversation_id) is None:
            raise LookupError(f"no conversation {conversation_id}")
        row = ReviewRow(conversation_id=conversation_id, reviewer=who.name, note=text, created_at=utcnow())
        s.add(row)
        s.flush()
        audit.record(s, who.name, "review", f"conversation:{conversation_id}", review_id=row.id)
        return _review(row)


def notes(db: Database, actor: str, conversation_id: int) -> tuple[Review, ...]:
    """Review notes on a thread, oldest first (supervisors and admins)."""
    require(team.actor(db, actor), Role.SUPERVISOR, "reading review notes")
    with db.read() as s:
        rows = s.scalars(select(ReviewRow).where(ReviewRow.conversation_id == conversation_id).order_by(ReviewRow.id))
        return tuple(_review(r) for r in rows)
