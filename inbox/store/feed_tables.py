"""The change log: one row per committed change to what a desktop shows, written by triggers.

Rows are written by database triggers (migration 0015_change_feed), never by Python code, so no
path — the engine, the CLI, a script, direct SQL — can commit a change the feed misses. No foreign
keys: the log keeps the record of a conversation that was deleted. `inbox.store.feed` reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base

# SQLite makes only INTEGER PRIMARY KEY the rowid, numbered max + 1. Pruning never deletes the
# newest row, so numbers only grow (as the PostgreSQL sequence does) without AUTOINCREMENT's cost.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class ChangeLogRow(Base):
    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))  # inbox.core.changes
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]
