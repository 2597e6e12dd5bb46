"""Opt-out state per contact and channel, with its history (when, how, from which message)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core.models import OptOutSource, OptOutState
from inbox.store.models import OptOutEventRow, OptOutRow


def _dto(row: OptOutRow | OptOutEventRow) -> OptOutState:
    at = row.changed_at if isinstance(row, OptOutRow) else row.at
    return OptOutState(
        contact_id=row.contact_id,
        channel_id=row.channel_id,
        opted_out=row.opted_out,
        changed_at=at,
        source=OptOutSource(row.source),
        keyword=row.keyword,
        source_message_id=row.source_message_id,
    )


def state(session: Session, contact_id: int, channel_id: int) -> OptOutState | None:
    row = session.get(OptOutRow, (contact_id, channel_id))
    return _dto(row) if row else None


def is_opted_out(session: Session, contact_id: int, channel_id: int) -> bool:
    return bool(
        session.scalar(
            select(OptOutRow.opted_out).where(OptOutRow.contact_id == contact_id, OptOutRow.channel_id == channel_id)
        )
    )


def record(
    session: Session,
    contact_id: int,
    channel_id: int,
    *,
    opted_out: bool,
    at: datetime,
    source: OptOutSource,
    keyword: str | None = None,
    source_message_id: int | None = None,
) -> bool:
    """Set the state and append to the history. Returns whether the state changed."""
    row = session.get(OptOutRow, (contact_id, channel_id), with_for_update=True)
    changed = (row is None and opted_out) or (row is not None and row.opted_out != opted_out)
    if row is None:
        row = OptOutRow(contact_id=contact_id, channel_id=channel_id)
        session.add(row)
    if changed or row.opted_out is None:
        row.opted_out = opted_out
        row.changed_at = at
        row.source = source.value
        row.keyword = keyword
        row.source_message_id = source_message_id
    session.add(
        OptOutEventRow(
            contact_id=contact_id,
            channel_id=channel_id,
            opted_out=opted_out,
            at=at,
            source=source.value,
            keyword=keyword,
            source_message_id=source_message_id,
        )
    )
    session.flush()
    return bool(changed)


def for_contact(session: Session, contact_id: int) -> list[OptOutState]:
    rows = session.scalars(select(OptOutRow).where(OptOutRow.contact_id == contact_id))
    return [_dto(r) for r in rows]


def history(session: Session, contact_id: int) -> list[OptOutState]:
    rows = session.scalars(
        select(OptOutEventRow)
        .where(OptOutEventRow.contact_id == contact_id)
        .order_by(OptOutEventRow.at.desc(), OptOutEventRow.id.desc())
    )
    return [_dto(r) for r in rows]
