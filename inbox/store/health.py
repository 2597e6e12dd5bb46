"""Provider health per channel: what `inbox status` and the status bar show.

Polling and sending fail independently (a send can be rate limited while polls work), so each
error remembers which road it came from and only a success on that same road clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.core.models import MessageStatus
from inbox.store.models import ChannelHealthRow, MessageRow


def _row(session: Session, channel_id: int) -> ChannelHealthRow:
    row = session.get(ChannelHealthRow, channel_id)
    if row is None:
        row = ChannelHealthRow(channel_id=channel_id, consecutive_failures=0)
        session.add(row)
    return row


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """A channel's last successes and its current failure streak, as recorded."""

    channel_id: int
    last_poll_ok_at: datetime | None
    last_send_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_retry_at: datetime | None
    consecutive_failures: int


POLL = "poll"
SEND = "send"
_LABEL = {POLL: "polling", SEND: "sending"}


def _clear(row: ChannelHealthRow, kind: str) -> None:
    if row.last_error is None or row.last_error.startswith(_LABEL[kind]):
        row.consecutive_failures = 0
        row.next_retry_at = None


def poll_ok(session: Session, channel_id: int, at: datetime) -> None:
    row = _row(session, channel_id)
    row.last_poll_ok_at = at
    _clear(row, POLL)


def send_ok(session: Session, channel_id: int, at: datetime) -> None:
    row = _row(session, channel_id)
    row.last_send_ok_at = at
    _clear(row, SEND)


def failed(
    session: Session,
    channel_id: int,
    at: datetime,
    error: str,
    next_retry_at: datetime | None,
    kind: str = POLL,
) -> int:
    """Record a failure of polling or sending and when we try again (shown as "retrying in N s")."""
    row = _row(session, channel_id)
    row.last_error = f"{_LABEL[kind]}: {error}"[:400]
    row.last_error_at = at
    row.next_retry_at = next_retry_at
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    return row.consecutive_failures


def get(session: Session, channel_id: int) -> HealthRecord | None:
    row = session.get(ChannelHealthRow, channel_id)
    if row is None:
        return None
    return HealthRecord(
        row.channel_id,
        row.last_poll_ok_at,
        row.last_send_ok_at,
        row.last_error,
        row.last_error_at,
        row.next_retry_at,
        row.consecutive_failures or 0,
    )


def backlog(session: Session, channel_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(MessageRow)
            .where(MessageRow.channel_id == channel_id)
            .where(
                MessageRow.status.in_(
                    [MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.UNKNOWN.value]
                )
            )
        )
        or 0
    )
