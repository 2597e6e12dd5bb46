"""Channels: our numbers and the provider accounts behind them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core.models import Channel
from inbox.store.models import ChannelRow


class ChannelExists(ValueError):
    pass


def to_dto(row: ChannelRow) -> Channel:
    return Channel(
        id=row.id,
        name=row.name,
        provider=row.provider,
        number=row.number,
        account_sid=row.account_sid,
        base_url=row.base_url,
        auth_token_ref=row.auth_token_ref,
        provider_handles_opt_out=row.provider_handles_opt_out,
        help_text=row.help_text,
        poll_interval_seconds=row.poll_interval_seconds,
    )


def add(session: Session, **fields: object) -> Channel:
    if session.scalar(select(ChannelRow.id).where(ChannelRow.name == fields["name"])) is not None:
        raise ChannelExists(f"a channel named {fields['name']!r} already exists")
    row = ChannelRow(**fields)
    session.add(row)
    session.flush()
    return to_dto(row)


def all_active(session: Session) -> list[Channel]:
    rows = session.scalars(select(ChannelRow).where(ChannelRow.active.is_(True)).order_by(ChannelRow.id))
    return [to_dto(r) for r in rows]


def get(session: Session, channel_id: int) -> Channel | None:
    row = session.get(ChannelRow, channel_id)
    return to_dto(row) if row else None


def by_name(session: Session, name: str) -> Channel | None:
    row = session.scalar(select(ChannelRow).where(ChannelRow.name == name))
    return to_dto(row) if row else None
