"""Poll cursors: written in the same transaction as the messages they cover.

A cursor says "every message dated after this, less the overlap, is still to be read"; it can never
truly be later than the moment it was written. One that is (a record dated in the future moved it,
before polls clamped what a record can do) is read as its write time, so that the messages it hid
are read again, and the next poll replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core.models import PollCursor
from inbox.store.models import PollCursorRow, utcnow


def _effective(row: PollCursorRow) -> datetime | None:
    if row.newest_date_sent is not None and row.updated_at is not None and row.newest_date_sent > row.updated_at:
        return row.updated_at
    return row.newest_date_sent


def get(session: Session, channel_id: int) -> PollCursor:
    row = session.get(PollCursorRow, channel_id)
    return PollCursor(_effective(row)) if row else PollCursor()


def advance(session: Session, channel_id: int, cursor: PollCursor) -> None:
    """Move forward only: a late or replayed batch never rewinds the cursor."""
    row = session.get(PollCursorRow, channel_id, with_for_update=True)
    if row is None:
        session.add(PollCursorRow(channel_id=channel_id, newest_date_sent=cursor.newest_date_sent))
        return
    current = _effective(row)
    if cursor.newest_date_sent and (current is None or cursor.newest_date_sent > current):
        row.newest_date_sent = cursor.newest_date_sent
        row.updated_at = utcnow()
