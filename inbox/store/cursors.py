"""Poll cursors: written in the same transaction as the messages they cover."""

from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.core.models import PollCursor
from inbox.store.models import PollCursorRow, utcnow


def get(session: Session, channel_id: int) -> PollCursor:
    row = session.get(PollCursorRow, channel_id)
    return PollCursor(row.newest_date_sent) if row else PollCursor()


def advance(session: Session, channel_id: int, cursor: PollCursor) -> None:
    """Move forward only: a late or replayed batch never rewinds the cursor."""
    row = session.get(PollCursorRow, channel_id, with_for_update=True)
    if row is None:
        session.add(PollCursorRow(channel_id=channel_id, newest_date_sent=cursor.newest_date_sent))
        return
    if cursor.newest_date_sent and (row.newest_date_sent is None or cursor.newest_date_sent > row.newest_date_sent):
        row.newest_date_sent = cursor.newest_date_sent
        row.updated_at = utcnow()
