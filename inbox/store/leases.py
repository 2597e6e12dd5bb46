"""Leadership leases: one row per lease name, taken or renewed with a single conditional write.

Why a row and not PostgreSQL advisory locks: the same code must work on SQLite (the default, shared
by several processes on one machine), and a row with an expiry survives connection pools and
network blips the way a session-bound lock does not. Correctness rests on one statement per
attempt that only matches when the lease is free, expired or already ours; both backends
serialise concurrent writers on that row (SQLite: one IMMEDIATE writer at a time; PostgreSQL:
the row lock plus re-check of the WHERE clause after it), so two contenders never both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.store.models import LeaseRow


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    expires_at: datetime


def try_acquire(session: Session, name: str, holder: str, now: datetime, period: timedelta) -> bool:
    """Take or renew `name` for `holder` until now + period; False when someone else holds it."""
    expires = now + period
    taken = session.execute(
        update(LeaseRow)
        .where(LeaseRow.name == name)
        .where(or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(LeaseRow)
        .values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(LeaseRow.name)
    ).scalar_one_or_none()
    return inserted is not None


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up (clean shutdown) so another process need not wait for it to expire."""
    session.execute(delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder))


def current(session: Session, name: str) -> Lease | None:
    row = session.scalar(select(LeaseRow).where(LeaseRow.name == name))
    return Lease(row.name, row.holder, row.expires_at) if row else None
