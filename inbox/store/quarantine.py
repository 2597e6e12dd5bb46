"""Quarantine: what a provider sent that we could not use, kept for an admin to diagnose.

A bad record comes back on every poll until the provider forgets it, so one row stands for each
distinct (channel, reason, payload), with how many times it was seen and when last: the table
says what is wrong without growing by a row per poll.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.store.messages import storable_text
from inbox.store.models import QuarantineRow, utcnow

REASON_CHARS = 400
RAW_CHARS = 1_000_000


def digest(channel_id: int | None, reason: str, raw: str) -> str:
    """The identity of a quarantined payload: the same bad record seen again is the same row."""
    h = hashlib.sha256()
    for part in ("" if channel_id is None else str(channel_id), reason, raw):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def keep(session: Session, channel_id: int | None, reason: str, raw: str | bytes, at: datetime | None = None) -> None:
    """Record one sighting of a payload we could not use: a new row, or one more on its count."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    reason = storable_text(reason)[:REASON_CHARS]
    raw = storable_text(raw)[:RAW_CHARS]
    at = at or utcnow()
    table = QuarantineRow.__table__
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(
        channel_id=channel_id,
        at=at,
        reason=reason,
        raw=raw,
        digest=digest(channel_id, reason, raw),
        count=1,
        last_seen_at=at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.digest],
        set_={"count": table.c.count + 1, "last_seen_at": stmt.excluded.last_seen_at},
    )
    session.execute(stmt)
