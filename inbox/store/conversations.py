"""Conversations: one per contact and channel; the list the agents work from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select, update
from sqlalchemy.orm import Session

from inbox.core.models import AuthorKind, ConversationStatus, ConversationSummary, Direction
from inbox.store import mentions
from inbox.store.models import (
    ChannelRow,
    ContactRow,
    ConversationLabelRow,
    ConversationRow,
    MessageRow,
    OptOutRow,
)
from inbox.store.upsert import insert_ignore

PREVIEW_CHARS = 200

_VIEW_STATUSES = {
    "open": ConversationStatus.OPEN,
    "pending": ConversationStatus.PENDING,
    "snoozed": ConversationStatus.SNOOZED,
    "resolved": ConversationStatus.RESOLVED,
}


def get_or_create(session: Session, contact_id: int, channel_id: int, at: datetime) -> int:
    found = session.scalar(
        select(ConversationRow.id).where(
            ConversationRow.contact_id == contact_id, ConversationRow.channel_id == channel_id
        )
    )
    if found is not None:
        return found
    values = {
        "contact_id": contact_id,
        "channel_id": channel_id,
        "status": ConversationStatus.OPEN.value,
        "last_activity_at": at,
        "created_at": at,
        "unread_count": 0,
        "last_message_preview": "",
        "flagged": False,
        "failed_delivery": False,
    }
    new_id = insert_ignore(session, ConversationRow.__table__, values, ["contact_id", "channel_id"])
    if new_id is not None:
        return new_id
    return session.scalar(  # type: ignore[return-value]
        select(ConversationRow.id).where(
            ConversationRow.contact_id == contact_id, ConversationRow.channel_id == channel_id
        )
    )


def preview_of(body: str, masked: bool = False) -> str:
    if masked:
        return "••••••"
    return " ".join(body.split())[:PREVIEW_CHARS]


@dataclass(frozen=True, slots=True)
class Before:
    """How a conversation stood before an inbound message touched it (`touch_inbound`), so an
    automation that fully answers the message can put it back (`settle_answered`)."""

    status: str
    snoozed_until: datetime | None
    waiting_since: datetime | None


def touch_inbound(session: Session, conversation_id: int, at: datetime, body: str) -> Before:
    """A customer wrote: bump activity and unread, start the wait clock, wake resolved/snoozed threads.
    Returns how the conversation stood before."""
    row = session.get(ConversationRow, conversation_id)
    assert row is not None
    before = Before(row.status, row.snoozed_until, row.waiting_since)
    if at >= row.last_activity_at:
        row.last_activity_at = at
        row.last_message_preview = preview_of(body)
        row.last_message_direction = Direction.INBOUND.value
        row.last_message_author_kind = AuthorKind.CUSTOMER.value
    row.unread_count += 1
    if row.waiting_since is None:
        row.waiting_since = at
    if row.status in (ConversationStatus.RESOLVED.value, ConversationStatus.SNOOZED.value):
        row.status = ConversationStatus.OPEN.value
        row.snoozed_until = None
    return before


def settle_answered(session: Session, conversation_id: int, before: Before) -> None:
    """The inbound message just touched was answered in full by an automatic reply (a HELP): it
    leaves nothing for an agent, so undo what it did to the conversation — one unread less, the
    wait clock and the status as they were before it."""
    row = session.get(ConversationRow, conversation_id)
    assert row is not None
    row.unread_count = max(0, row.unread_count - 1)
    row.waiting_since = before.waiting_since
    row.status = before.status
    row.snoozed_until = before.snoozed_until


def touch_outbound(
    session: Session, conversation_id: int, at: datetime, body: str, *, by_agent: bool, masked: bool = False
) -> None:
    row = session.get(ConversationRow, conversation_id)
    assert row is not None
    row.last_activity_at = max(at, row.last_activity_at)
    row.last_message_preview = preview_of(body, masked)
    row.last_message_direction = Direction.OUTBOUND.value
    row.last_message_author_kind = (AuthorKind.AGENT if by_agent else AuthorKind.AUTOMATION).value
    if by_agent:
        row.waiting_since = None
        row.unread_count = 0


def _last_agent() -> ColumnElement[str | None]:
    """Who wrote the preview line when an agent did: the author of the conversation's latest agent
    reply. Read only for rows whose preview is an agent's (the CASE), so it walks back over the
    few notes after that reply, never a long customer-only thread."""
    latest = (
        select(MessageRow.author)
        .where(
            MessageRow.conversation_id == ConversationRow.id,
            MessageRow.direction == Direction.OUTBOUND.value,
            MessageRow.author_kind == AuthorKind.AGENT.value,
        )
        .order_by(MessageRow.id.desc())
        .limit(1)
        .correlate(ConversationRow)
        .scalar_subquery()
    )
    return case((ConversationRow.last_message_author_kind == AuthorKind.AGENT.value, latest), else_=None)


def _summary_select() -> Select:
    return (
        select(
            ConversationRow,
            ContactRow.phone,
            ContactRow.display_name,
            ChannelRow.name,
            func.coalesce(OptOutRow.opted_out, False),
            _last_agent(),
        )
        .join(ContactRow, ContactRow.id == ConversationRow.contact_id)
        .join(ChannelRow, ChannelRow.id == ConversationRow.channel_id)
        .outerjoin(
            OptOutRow,
            and_(
                OptOutRow.contact_id == ConversationRow.contact_id,
                OptOutRow.channel_id == ConversationRow.channel_id,
            ),
        )
    )


def _to_summary(
    row: ConversationRow, phone: str, name: str | None, channel: str, opted_out: bool, author: str | None
) -> ConversationSummary:
    return ConversationSummary(
        id=row.id,
        channel_id=row.channel_id,
        channel_name=channel,
        contact_id=row.contact_id,
        contact_phone=phone,
        contact_name=name,
        status=ConversationStatus(row.status),
        assignee=row.assignee,
        last_activity_at=row.last_activity_at,
        unread_count=row.unread_count,
        last_message_preview=row.last_message_preview,
        last_message_direction=Direction(row.last_message_direction) if row.last_message_direction else None,
        opted_out=bool(opted_out),
        flagged=row.flagged,
        verified=row.verified_at is not None,
        failed_delivery=row.failed_delivery,
        snoozed_until=row.snoozed_until,
        waiting_since=row.waiting_since,
        last_message_author_kind=AuthorKind(row.last_message_author_kind) if row.last_message_author_kind else None,
        last_message_author=author,
    )


def _with_labels(session: Session, rows: list[ConversationSummary]) -> list[ConversationSummary]:
    """Two extra queries per page (not per row) so list rows can show labels and unseen mentions."""
    if not rows:
        return rows
    mentioned = mentions.unseen_by_conversation(session, [r.id for r in rows])
    if mentioned:
        rows = [replace(r, mentioned=tuple(mentioned[r.id])) if r.id in mentioned else r for r in rows]
    found: dict[int, list[str]] = {}
    stmt = (
        select(ConversationLabelRow.conversation_id, ConversationLabelRow.label)
        .where(ConversationLabelRow.conversation_id.in_([r.id for r in rows]))
        .order_by(ConversationLabelRow.label)
    )
    for conv_id, label in session.execute(stmt):
        found.setdefault(conv_id, []).append(label)
    if not found:
        return rows
    return [replace(r, labels=tuple(found[r.id])) if r.id in found else r for r in rows]


def _filtered(stmt: Select, view: str, agent: str | None, channel_id: int | None) -> Select:
    if view == "mine":
        stmt = stmt.where(ConversationRow.assignee == agent).where(
            ConversationRow.status != ConversationStatus.RESOLVED.value
        )
    elif view == "unassigned":
        stmt = stmt.where(ConversationRow.assignee.is_(None)).where(
            ConversationRow.status.in_([ConversationStatus.OPEN.value, ConversationStatus.PENDING.value])
        )
    elif view == "mentions":
        stmt = stmt.where(mentions.unseen_in_conversation(agent or ""))
    elif view in _VIEW_STATUSES:
        stmt = stmt.where(ConversationRow.status == _VIEW_STATUSES[view].value)
    elif view != "all":
        raise ValueError(f"unknown view {view!r}")
    if channel_id is not None:
        stmt = stmt.where(ConversationRow.channel_id == channel_id)
    return stmt


def page(
    session: Session,
    *,
    view: str = "all",
    agent: str | None = None,
    sort: str = "activity",
    channel_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ConversationSummary]:
    stmt = _filtered(_summary_select(), view, agent, channel_id)
    if sort == "waiting":
        return _with_labels(session, _waiting_first(session, stmt, view, agent, channel_id, offset, limit))
    stmt = stmt.order_by(ConversationRow.last_activity_at.desc(), ConversationRow.id.desc())
    return _with_labels(session, [_to_summary(*r) for r in session.execute(stmt.offset(offset).limit(limit))])


def _waiting_first(
    session: Session, stmt: Select, view: str, agent: str | None, channel_id: int | None, offset: int, limit: int
) -> list[ConversationSummary]:
    """Customers waiting longest first, then everyone else, newest conversation first.

    One ORDER BY "waiting_since IS NULL, waiting_since" cannot follow an index (SQLite sorted all
    100,000 rows: ~110 ms a page); two ranges that each follow one can. The page is read from the
    waiting range and, past its end, from the rest; the waiting rows are counted only for a page
    that starts beyond them.
    """
    waiting = ConversationRow.waiting_since.is_not(None)
    head = stmt.where(waiting).order_by(ConversationRow.waiting_since, ConversationRow.id.desc())
    rows = [_to_summary(*r) for r in session.execute(head.offset(offset).limit(limit))]
    if len(rows) == limit:
        return rows
    if rows or offset == 0:
        tail_offset = 0
    else:
        counted = _filtered(select(func.count()).select_from(ConversationRow).where(waiting), view, agent, channel_id)
        tail_offset = offset - int(session.scalar(counted) or 0)
    tail = stmt.where(ConversationRow.waiting_since.is_(None)).order_by(ConversationRow.id.desc())
    rows += [_to_summary(*r) for r in session.execute(tail.offset(tail_offset).limit(limit - len(rows)))]
    return rows


def count(session: Session, *, view: str = "all", agent: str | None = None, channel_id: int | None = None) -> int:
    stmt = _filtered(select(func.count()).select_from(ConversationRow), view, agent, channel_id)
    return int(session.scalar(stmt) or 0)


def summaries(session: Session, ids: Iterable[int]) -> list[ConversationSummary]:
    id_list = list(ids)
    if not id_list:
        return []
    stmt = _summary_select().where(ConversationRow.id.in_(id_list))
    return _with_labels(session, [_to_summary(*r) for r in session.execute(stmt)])


def summary(session: Session, conversation_id: int) -> ConversationSummary | None:
    found = summaries(session, [conversation_id])
    return found[0] if found else None


def for_contact(session: Session, contact_id: int) -> list[ConversationSummary]:
    stmt = _summary_select().where(ConversationRow.contact_id == contact_id).order_by(ConversationRow.id)
    return _with_labels(session, [_to_summary(*r) for r in session.execute(stmt)])


def count_for_channel(session: Session, channel_id: int) -> int:
    """Every conversation a channel has had, whatever its state (what removing it keeps)."""
    return int(session.scalar(select(func.count()).where(ConversationRow.channel_id == channel_id)) or 0)


def find(session: Session, contact_id: int, channel_id: int) -> int | None:
    return session.scalar(
        select(ConversationRow.id).where(
            ConversationRow.contact_id == contact_id, ConversationRow.channel_id == channel_id
        )
    )


def lock(session: Session, conversation_id: int) -> bool:
    """Hold the conversation's row until the transaction ends (False if there is none).

    Why: a writer that decides from what the conversation holds (an agent's reply checking nothing
    landed since the message the agent saw) must not decide beside another writer doing the same.
    On PostgreSQL this is ``SELECT … FOR UPDATE``, and the statements after it see what the writer
    it waited for committed; on SQLite write transactions begin IMMEDIATE, one at a time, and the
    clause is not rendered.
    """
    found = session.scalar(select(ConversationRow.id).where(ConversationRow.id == conversation_id).with_for_update())
    return found is not None


def set_fields(session: Session, conversation_id: int, **values: object) -> None:
    session.execute(update(ConversationRow).where(ConversationRow.id == conversation_id).values(**values))


def replace_preview(session: Session, conversation_id: int, shown: str, replacement: str) -> None:
    """Show `replacement` in the list instead of `shown`, if the list still shows it (a later
    message has its own preview, which stays)."""
    session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id, ConversationRow.last_message_preview == shown)
        .values(last_message_preview=replacement)
    )


def unread_total(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(ConversationRow.unread_count), 0))) or 0)


def labels(session: Session, conversation_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ConversationLabelRow.label)
            .where(ConversationLabelRow.conversation_id == conversation_id)
            .order_by(ConversationLabelRow.label)
        )
    )


def set_labels(session: Session, conversation_id: int, names: Iterable[str]) -> None:
    session.query(ConversationLabelRow).filter_by(conversation_id=conversation_id).delete()
    for name in sorted({n.strip() for n in names if n.strip()}):
        session.add(ConversationLabelRow(conversation_id=conversation_id, label=name[:60]))


def due_snoozes(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(ConversationRow.id).where(
                ConversationRow.status == ConversationStatus.SNOOZED.value, ConversationRow.snoozed_until <= now
            )
        )
    )
