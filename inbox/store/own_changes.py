"""Which change-log rows this process's own transactions wrote, and when each committed.

Why: a desktop shows its own change at once (the engine publishes it on the process's bus after the
commit), and then the change feed brings the same change back. `inbox.engine.live.LiveFeed` skips
such an echo when a local event after that commit already covered it; to tell an echo from another
process's change to the same conversation it must know the numbers its own transactions wrote,
exactly. `Database.write` asks this object at the start and at the end of each write transaction
(only in a process that follows the feed: `Database.own_changes` is None elsewhere):

- SQLite: writers begin IMMEDIATE, one at a time, so the rows numbered above the newest one at the
  start are this transaction's own.
- PostgreSQL: of the rows numbered above the newest one visible at the start (a short range), the
  ones whose `xmin` is this transaction's id. A row written in a subtransaction has another xid:
  not recognised, its echo reloads once more (never the other way round).

The numbers are known just before the commit (`expect`), the commit moment just after it
(`committed`, `time.monotonic_ns()`): anything published later on the bus was published after the
commit, and the reload it causes reads after it. On PostgreSQL the feed can hear of a change before
the writing thread even returned from its commit: `lookup` then says "mine, not committed yet", and
the feed holds it a moment for the local event.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from sqlalchemy import text
from sqlalchemy.orm import Session

LIMIT = 10_000  # numbers remembered; an echo older than that reloads once more

_NEWEST = text("SELECT coalesce(max(seq), 0) FROM change_log")
_OWN_SQLITE = text("SELECT seq FROM change_log WHERE seq > :lo")
_OWN_POSTGRES = text(
    "SELECT seq FROM change_log WHERE seq > :lo AND xmin::text = (txid_current_if_assigned() % 4294967296)::text"
)


class OwnChanges:
    """Thread-safe record: change number → when its transaction committed (monotonic ns; None
    while it is committing, or if the commit failed: such a number never reaches the feed)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._committed: OrderedDict[int, int | None] = OrderedDict()

    # -- Database.write --------------------------------------------------------------------------
    @staticmethod
    def mark(session: Session) -> int:
        """At the start of a write transaction: the newest number before it wrote anything."""
        return int(session.execute(_NEWEST).scalar_one())

    def written(self, session: Session, mark: int, *, postgres: bool) -> list[int]:
        """Just before the commit: the numbers this transaction wrote, expected in the feed."""
        session.flush()
        seqs = [int(r[0]) for r in session.execute(_OWN_POSTGRES if postgres else _OWN_SQLITE, {"lo": mark})]
        self._set(seqs, None)
        return seqs

    def committed(self, seqs: list[int]) -> None:
        """After the commit returned."""
        self._set(seqs, time.monotonic_ns())

    def _set(self, seqs: list[int], at: int | None) -> None:
        with self._lock:
            for seq in seqs:
                self._committed[seq] = at
            while len(self._committed) > self._limit:
                self._committed.popitem(last=False)

    # -- the feed --------------------------------------------------------------------------------
    def lookup(self, seq: int) -> tuple[bool, int | None]:
        """(this process wrote `seq`, when its commit returned — None if it has not yet)."""
        with self._lock:
            return seq in self._committed, self._committed.get(seq)

    def forget(self, seq: int) -> None:
        """The feed is done with `seq` (a number comes through the feed once)."""
        with self._lock:
            self._committed.pop(seq, None)
