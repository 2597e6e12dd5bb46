"""Reads and writes of the provider journal (see `journal_tables` for the crash-safety rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from inbox.store.journal_tables import ProviderJournalRow

INBOUND = "inbound"
REPORTS = "reports"
# Done rows are kept this long for diagnosis, then pruned: they hold customers' texts.
RETENTION = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    channel_id: int
    kind: str
    body: str


def append(session: Session, channel_id: int, kind: str, body: str) -> int:
    """Record one raw answer (the caller commits this transaction before parsing it)."""
    row = ProviderJournalRow(channel_id=channel_id, kind=kind, body=body, fetched_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return row.id


def pending(session: Session, channel_id: int, kind: str) -> list[Entry]:
    """Rows not yet ingested, oldest first (the order the provider handed them out)."""
    rows = session.scalars(
        select(ProviderJournalRow)
        .where(
            ProviderJournalRow.channel_id == channel_id,
            ProviderJournalRow.kind == kind,
            ProviderJournalRow.done_at.is_(None),
        )
        .order_by(ProviderJournalRow.id)
    )
    return [Entry(r.id, r.channel_id, r.kind, r.body) for r in rows]


def mark_done(session: Session, entry_id: int, at: datetime | None = None) -> None:
    session.execute(
        update(ProviderJournalRow).where(ProviderJournalRow.id == entry_id).values(done_at=at or datetime.now(UTC))
    )


def prune(session: Session, now: datetime | None = None, keep: timedelta = RETENTION) -> int:
    """Delete done rows older than `keep`; pending rows are never pruned. Returns how many went."""
    cutoff = (now or datetime.now(UTC)) - keep
    result = session.execute(
        delete(ProviderJournalRow).where(ProviderJournalRow.done_at.is_not(None), ProviderJournalRow.done_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
