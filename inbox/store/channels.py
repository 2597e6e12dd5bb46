"""Channels: our numbers and the provider accounts behind them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core import durations, phone
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
    """Insert a channel whatever the front end: the number is stored in E.164 (InvalidPhoneNumber
    if it is not one), the poll interval must be within ``durations.POLL_INTERVAL``
    (InvalidDuration), and a name or an active number of the same provider account already in
    use raises ChannelExists. Callers validate the rest (``engine.setup.add_channel``)."""
    fields["number"] = phone.normalize(str(fields["number"]))
    if "poll_interval_seconds" in fields:
        fields["poll_interval_seconds"] = durations.POLL_INTERVAL.check(fields["poll_interval_seconds"])
    if session.scalar(select(ChannelRow.id).where(ChannelRow.name == fields["name"])) is not None:
        raise ChannelExists(f"a channel named {fields['name']!r} already exists")
    same_number = session.scalar(
        select(ChannelRow.name).where(
            ChannelRow.active.is_(True),
            ChannelRow.provider == fields.get("provider", "twilio"),
            ChannelRow.account_sid == fields["account_sid"],
            ChannelRow.number == fields["number"],
        )
    )
    if same_number is not None:
        raise ChannelExists(f"channel {same_number!r} already uses this number on this account")
    row = ChannelRow(**fields)
    session.add(row)
    session.flush()
    return to_dto(row)


def set_poll_interval(session: Session, channel_id: int, seconds: float) -> Channel | None:
    """Store a channel's poll interval (InvalidDuration outside bounds); None if there is no such channel."""
    interval = durations.POLL_INTERVAL.check(seconds)
    row = session.get(ChannelRow, channel_id)
    if row is None:
        return None
    row.poll_interval_seconds = interval
    session.flush()
    return to_dto(row)


def set_help_text(session: Session, channel_id: int, help_text: str) -> Channel | None:
    """Store a channel's HELP reply as given (the engine checks it); None if there is no such channel."""
    row = session.get(ChannelRow, channel_id)
    if row is None:
        return None
    row.help_text = help_text
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
