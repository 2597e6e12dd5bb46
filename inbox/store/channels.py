"""Channels: our numbers and the provider accounts behind them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core import durations, phone
from inbox.core.models import Channel
from inbox.store.models import ChannelRow


class ChannelExists(ValueError):
    pass


class ChannelRemoved(ValueError):
    """The channel was removed: it keeps its history but takes no more changes."""


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
        active=row.active,
    )


def _refuse_duplicate(
    session: Session, name: str, provider: str, account_sid: object, number: object, other_than: int | None = None
) -> None:
    """ChannelExists when another channel has `name`, or another active one this number of this
    provider account (it would store every text twice and answer HELP twice)."""
    others = ChannelRow.id != other_than if other_than is not None else ChannelRow.id.is_not(None)
    if session.scalar(select(ChannelRow.id).where(ChannelRow.name == name, others)) is not None:
        raise ChannelExists(f"a channel named {name!r} already exists")
    same_number = session.scalar(
        select(ChannelRow.name).where(
            ChannelRow.active.is_(True),
            others,
            ChannelRow.provider == provider,
            ChannelRow.account_sid == account_sid,
            ChannelRow.number == number,
        )
    )
    if same_number is not None:
        raise ChannelExists(f"channel {same_number!r} already uses this number on this account")


def add(session: Session, **fields: object) -> Channel:
    """Insert a channel whatever the front end: the number is stored in E.164 (InvalidPhoneNumber
    if it is not one), the poll interval must be within ``durations.POLL_INTERVAL``
    (InvalidDuration), and a name or an active number of the same provider account already in
    use raises ChannelExists. Callers validate the rest (``engine.setup.add_channel``)."""
    fields["number"] = phone.normalize(str(fields["number"]))
    if "poll_interval_seconds" in fields:
        fields["poll_interval_seconds"] = durations.POLL_INTERVAL.check(fields["poll_interval_seconds"])
    _refuse_duplicate(
        session, str(fields["name"]), str(fields.get("provider", "twilio")), fields["account_sid"], fields["number"]
    )
    row = ChannelRow(**fields)
    session.add(row)
    session.flush()
    return to_dto(row)


def edit(session: Session, channel_id: int, **fields: object) -> Channel | None:
    """Change a channel's settings (the engine validated them); None if there is no such channel.

    The same rules as `add`: no two channels share a name, no two active ones the number of one
    provider account (ChannelExists). A removed channel cannot be edited (ChannelRemoved)."""
    row = session.get(ChannelRow, channel_id)
    if row is None:
        return None
    if not row.active:
        raise ChannelRemoved(f"channel {row.name!r} was removed")
    if "number" in fields:
        fields["number"] = phone.normalize(str(fields["number"]))
    if "poll_interval_seconds" in fields:
        fields["poll_interval_seconds"] = durations.POLL_INTERVAL.check(fields["poll_interval_seconds"])
    _refuse_duplicate(
        session,
        str(fields.get("name", row.name)),
        str(fields.get("provider", row.provider)),
        fields.get("account_sid", row.account_sid),
        fields.get("number", row.number),
        other_than=channel_id,
    )
    for key, value in fields.items():
        setattr(row, key, value)
    session.flush()
    return to_dto(row)


def remove(session: Session, channel_id: int) -> Channel | None:
    """Mark a channel removed: it is no longer polled or sent from, and its conversations and
    messages stay as they are (history is kept). None if there is no such channel."""
    row = session.get(ChannelRow, channel_id)
    if row is None:
        return None
    row.active = False
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


def every(session: Session) -> list[Channel]:
    """Every channel, removed ones too (they keep their conversations)."""
    return [to_dto(r) for r in session.scalars(select(ChannelRow).order_by(ChannelRow.id))]


def get(session: Session, channel_id: int) -> Channel | None:
    row = session.get(ChannelRow, channel_id)
    return to_dto(row) if row else None


def by_name(session: Session, name: str) -> Channel | None:
    row = session.scalar(select(ChannelRow).where(ChannelRow.name == name))
    return to_dto(row) if row else None
