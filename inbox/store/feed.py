"""The change feed: read the change log the triggers write, and follow it from another process.

Every change a desktop shows is recorded by a database trigger in the transaction that makes it
(`inbox.store.feed_tables`, migration 0015), so following the log by sequence number misses
nothing, whichever process committed. This module is the one reader:

- `latest_seq`, `changes_since`: one-off reads (`inbox watch --once`, a desktop's start).
- `FeedListener`: a thread that follows the log and hands each batch to a callback. PostgreSQL:
  its own psycopg connection in autocommit (outside SQLAlchemy's pool) that LISTENs on
  `inbox_changes`, then catches up, then waits for a NOTIFY (or a timeout); after a disconnect it
  reconnects with backoff, LISTENs and catches up. SQLite: polls every quarter second, and
  `PRAGMA data_version` on a long-lived read connection makes a poll with nothing new cost no read.
- `prune`: the housekeeping the leading process runs; the log keeps `RETENTION`.

Gaps (PostgreSQL): a sequence number is taken when a row is written, not when its transaction
commits, so seq 41 can become visible after 42. The reader remembers each number below its
high-water mark it has not seen and asks for it again until it appears, or for `GAP_GRACE` (a
rolled-back transaction leaves a gap for good). SQLite has one writer at a time: no gaps.

Falling behind: `prune` deletes old rows and turns the newest row it would delete into a marker
of kind `inbox.core.changes.RESET` ("what came before was pruned"). A reader whose next row is
that marker fell further behind than the log keeps: it gets one RESET `Change` — reload
everything — and continues from the newest change. So does a reader whose high-water mark is
above the newest change (a database restored from a backup).
"""

from __future__ import annotations

import logging
import os
import select as _select
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from inbox.core import backoff
from inbox.core import changes as kinds
from inbox.core.changes import Change
from inbox.store.db import Database
from inbox.store.feed_tables import ChangeLogRow
from inbox.store.models import utcnow

log = logging.getLogger(__name__)

CHANNEL = "inbox_changes"  # the NOTIFY channel the triggers use (migration 0015)
RETENTION = timedelta(days=7)  # what `prune` keeps by default: a desktop asleep longer reloads all
GAP_GRACE = 300.0  # seconds a missing seq is asked for again (longer than any transaction we run)
MAX_GAP_RANGES = 64  # ranges asked for per read; more in-flight transactions than that wait a turn
BATCH = 1000  # rows per read, and so at most per `on_changes` call
SQLITE_POLL = 0.25  # seconds between two `PRAGMA data_version` checks
PG_WAIT = 10.0  # seconds a PostgreSQL listener waits for a NOTIFY before it reads anyway
PG_GAP_WAIT = 1.0  # ... while a gap is open
PG_FALLBACK_POLL = 0.5  # seconds between reads when LISTEN does not work (a transaction pooler)
RECENT = 1000  # a reader starting at seq N treats missing numbers in (N - RECENT, N] as gaps
SILENT_READS = 3  # timed-out waits that found changes no NOTIFY announced, before falling back

OnChanges = Callable[[list[Change]], None]
OnState = Callable[[str], None]


# -- one-off reads ----------------------------------------------------------------------------------
def latest_seq(db: Database) -> int:
    """The newest committed change's number (0 for an empty log): `changes_since` it sees what follows."""
    with db.read() as s:
        return int(s.scalar(select(func.max(ChangeLogRow.seq))) or 0)


def pruned_through(db: Database) -> int:
    """The number of the prune marker (0 if never pruned): a reader below it must reload all."""
    with db.read() as s:
        return int(s.scalar(select(func.max(ChangeLogRow.seq)).where(ChangeLogRow.kind == kinds.RESET)) or 0)


def changes_since(db: Database, seq: int, limit: int = BATCH) -> list[Change]:
    """Committed changes numbered above `seq`, oldest first, at most `limit`.

    A single read: on PostgreSQL a lower number may still commit later (see the module's "Gaps");
    `FeedListener` handles that, a caller paging with this function alone may miss it. The
    first may be the RESET marker: changes before it were pruned.
    """
    with db.read() as s:
        rows = s.scalars(select(ChangeLogRow).where(ChangeLogRow.seq > seq).order_by(ChangeLogRow.seq).limit(limit))
        return [Change(r.seq, r.kind, r.conversation_id, r.message_id, r.at) for r in rows]


def prune(db: Database, keep: timedelta = RETENTION, *, now: datetime | None = None) -> int:
    """Delete changes older than `keep`, always keeping the newest; returns how many went.

    Walks the log in seq order to the first row young enough (no index on `at`: writes stay
    cheap) and deletes what comes before, except the last of those, which becomes the RESET
    marker: a reader that had not seen it knows to reload everything. The newest row is never
    deleted: SQLite numbers a new row after the highest one left, so numbers never go back.
    """
    cutoff = (now or utcnow()) - keep
    seq = ChangeLogRow.seq
    with db.write() as s:
        newest = s.scalar(select(func.max(seq)))
        if newest is None:
            return 0
        first_kept = s.scalar(select(seq).where(ChangeLogRow.at >= cutoff).order_by(seq).limit(1))
        marker = s.scalar(select(func.max(seq)).where(seq < (newest if first_kept is None else first_kept)))
        if marker is None:
            return 0
        deleted = s.execute(delete(ChangeLogRow).where(seq < marker)).rowcount or 0
        row = s.get(ChangeLogRow, marker)
        if row is not None and row.kind != kinds.RESET:
            row.kind, row.conversation_id, row.message_id = kinds.RESET, None, None
            deleted += 1
        return deleted


# -- reading the log on a listener's own connection --------------------------------------------------
class _Gaps:
    """Numbers below the high-water mark not seen yet, as ranges [lo, hi] with when they opened."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int, float]] = []

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def open(self, lo: int, hi: int, since: float) -> None:
        if lo <= hi:
            self.ranges.append((lo, hi, since))

    def take(self, seq: int) -> bool:
        """True if `seq` was missing (it is not any more)."""
        for i, (lo, hi, since) in enumerate(self.ranges):
            if lo <= seq <= hi:
                self.ranges[i : i + 1] = [r for r in ((lo, seq - 1, since), (seq + 1, hi, since)) if r[0] <= r[1]]
                return True
        return False

    def expire(self, now: float, grace: float) -> None:
        self.ranges = [r for r in self.ranges if now - r[2] < grace]

    def asked(self) -> list[tuple[int, int]]:
        return [(lo, hi) for lo, hi, _ in sorted(self.ranges, key=lambda r: r[2])[:MAX_GAP_RANGES]]

    def clear(self) -> None:
        self.ranges.clear()


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):  # sqlite3: naive UTC text, as the trigger wrote it
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _LogReader:
    """The log's queries on a DB-API connection (sqlite3 or psycopg), with the gap bookkeeping."""

    def __init__(self, mark: str, grace: float, *, gaps: bool) -> None:
        self.mark = mark  # the driver's placeholder
        self.grace = grace
        self.track_gaps = gaps  # PostgreSQL only: SQLite commits in seq order (one writer at a time)
        self.high = 0
        self.gaps = _Gaps()

    def _all(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cur = conn.cursor()
        try:
            cur.execute(sql.replace("?", self.mark), tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()

    def _one(self, conn: Any, sql: str) -> Any:
        rows = self._all(conn, sql)
        return rows[0][0] if rows else None

    def latest(self, conn: Any) -> int:
        return int(self._one(conn, "SELECT max(seq) FROM change_log") or 0)

    def start_at(self, conn: Any, seq: int) -> None:
        """Follow from `seq`: numbers just below it not committed yet are gaps, not lost."""
        self.high, now = seq, time.monotonic()
        self.gaps.clear()
        if not self.track_gaps:
            return
        lo = max(1, seq - RECENT + 1)
        present = [
            r[0]
            for r in self._all(conn, "SELECT seq FROM change_log WHERE seq >= ? AND seq <= ? ORDER BY seq", (lo, seq))
        ]
        for n in [*present, seq + 1]:  # the runs of missing numbers between those present
            self.gaps.open(lo, n - 1, now)
            lo = n + 1

    def behind(self, conn: Any) -> bool:
        """Whether the log went backwards (a restored database): what this reader saw is gone."""
        return self.high > self.latest(conn)

    def reset(self, conn: Any) -> Change:
        latest = self.latest(conn)
        self.start_at(conn, latest)
        return Change(latest, kinds.RESET, None, None, datetime.now(UTC))

    def read(self, conn: Any) -> tuple[list[Change], bool]:
        """New changes (at most BATCH) and whether there may be more; [RESET] if pruned past us."""
        now = time.monotonic()
        self.gaps.expire(now, self.grace)
        where, params = ["seq > ?"], [self.high]
        for lo, hi in self.gaps.asked():
            where.append("seq BETWEEN ? AND ?")
            params += [lo, hi]
        rows = self._all(
            conn,
            "SELECT seq, kind, conversation_id, message_id, at FROM change_log "
            f"WHERE {' OR '.join(where)} ORDER BY seq LIMIT {BATCH}",
            params,
        )
        out: list[Change] = []
        for seq, kind, conversation_id, message_id, at in rows:
            if kind == kinds.RESET:
                if seq > self.high:  # the marker of what was pruned: we had not seen it all
                    return [self.reset(conn)], True
                continue
            if seq > self.high:
                if self.track_gaps:
                    self.gaps.open(self.high + 1, seq - 1, now)
                self.high = seq
            elif not self.gaps.take(seq):
                continue
            out.append(Change(int(seq), kind, conversation_id, message_id, _as_utc(at)))
        return out, len(rows) == BATCH


# -- the listener -----------------------------------------------------------------------------------
class FeedListener:
    """Follows the change log on its own thread and calls `on_changes` with each batch.

    `since`: the last number the consumer has seen (read `latest_seq` before loading what it
    shows); None starts at the newest change. `on_changes` and `on_state` run on the listener's
    thread: they must be quick and thread-safe (a Qt consumer emits a queued signal). Everything
    one read finds is one call. A `Change` of kind RESET means: reload everything.
    States (`inbox.core.changes`): connected, reconnecting, polling, polling-fallback, stopped.
    """

    def __init__(
        self,
        db: Database,
        on_changes: OnChanges,
        *,
        on_state: OnState | None = None,
        since: int | None = None,
        gap_grace: float = GAP_GRACE,
        name: str = "inbox-feed",
    ) -> None:
        self._db = db
        self._on_changes = on_changes
        self._on_state = on_state
        self._since = since
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = _pipe()  # wakes the PostgreSQL wait at stop()
        self._pipe_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._reader = _LogReader("?" if db.is_sqlite else "%s", gap_grace, gaps=not db.is_sqlite)
        self._state: str | None = None
        self._conn: Any = None

    # -- public ----------------------------------------------------------------------------------
    @property
    def state(self) -> str | None:
        return self._state

    @property
    def last_seen(self) -> int:
        """The high-water mark: the highest number delivered (gaps below it may still come)."""
        return self._reader.high

    def start(self) -> FeedListener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ends the thread (at once: it is woken from any wait) and closes its connection."""
        self._stopping.set()
        with self._pipe_lock:
            if self._wake_w >= 0:
                try:
                    os.write(self._wake_w, b"x")
                except OSError:  # full: it is awake already
                    pass
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        if not self._thread.is_alive():
            with self._pipe_lock:
                for fd in (self._wake_r, self._wake_w):
                    if fd >= 0:
                        os.close(fd)
                self._wake_r = self._wake_w = -1

    # -- the thread ------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("change feed: the state callback failed")

    def _deliver(self, batch: list[Change]) -> None:
        if not batch:
            return
        try:
            self._on_changes(batch)
        except Exception:
            log.exception("change feed: the consumer failed on %d change(s)", len(batch))

    def _run(self) -> None:
        attempt = 0
        first = True
        try:
            while not self._stopping.is_set():
                try:
                    self._conn = self._connect()
                    if first:
                        since = self._since
                        self._reader.start_at(self._conn, self._reader.latest(self._conn) if since is None else since)
                        first = False
                    if attempt:
                        log.info("change feed: following the database again after %d failed attempt(s)", attempt)
                    attempt = 0
                    self._follow(self._conn)
                except Exception as exc:
                    if self._stopping.is_set():
                        break
                    attempt += 1
                    wait = backoff.delay(attempt, base=0.5, cap=10.0)
                    # Said once per outage: a database down for an hour is not a warning every 10 s.
                    say = log.warning if attempt == 1 else log.debug
                    say("change feed: lost the database (%s); trying again in %.1f s", type(exc).__name__, wait)
                    log.debug("change feed failure", exc_info=True)
                    self._set_state(kinds.RECONNECTING)
                    self._sleep(wait)
                finally:
                    self._close()
        finally:
            self._set_state(kinds.STOPPED)

    def _sleep(self, seconds: float) -> bool:
        """Wait, or less if stop() is called; True if woken by stop."""
        return self._stopping.wait(seconds)

    def _connect(self) -> Any:
        if self._db.is_sqlite:
            from sqlalchemy.pool import NullPool

            from inbox.store.db import make_engine

            # The database's own connect set-up (WAL, busy timeout, read-only files), outside its pool.
            engine = make_engine(self._db.url, poolclass=NullPool)
            return engine.raw_connection()
        import psycopg

        return psycopg.connect(_conninfo(self._db), autocommit=True, connect_timeout=10)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("change feed: closing the connection failed", exc_info=True)

    def _catch_up(self, conn: Any, *, check_behind: bool) -> int:
        """Read until nothing is left; each read is one `on_changes` call. Returns new changes seen."""
        reader = self._reader
        if check_behind and reader.behind(conn):
            self._deliver([reader.reset(conn)])
        found = 0
        more = True
        while more and not self._stopping.is_set():
            batch, more = reader.read(conn)
            found += len(batch)
            self._deliver(batch)
        return found

    def _follow(self, conn: Any) -> None:
        if self._db.is_sqlite:
            self._follow_sqlite(conn)
        else:
            self._follow_postgres(conn)

    def _follow_sqlite(self, conn: Any) -> None:
        self._set_state(kinds.POLLING)
        version = None
        while not self._stopping.is_set():
            now = self._reader._one(conn, "PRAGMA data_version")
            if now != version:
                version = now
                self._catch_up(conn, check_behind=True)
            if self._sleep(SQLITE_POLL):
                return

    def _follow_postgres(self, conn: Any) -> None:
        conn.execute(f"LISTEN {CHANNEL}")
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self._catch_up(conn, check_behind=True)
        self._set_state(kinds.CONNECTED)
        heard = False  # a NOTIFY arrived on this connection
        silent = 0  # timed-out waits that found changes anyway
        while not self._stopping.is_set():
            notified = self._wait(conn, PG_GAP_WAIT if self._reader.gaps else PG_WAIT)
            if self._stopping.is_set():
                return
            heard = heard or notified
            if not notified:
                pooled = conn.execute("SELECT pg_backend_pid()").fetchone()[0] != backend
                found = self._catch_up(conn, check_behind=True)
                silent = silent + 1 if found and not heard else 0
                if pooled or silent >= SILENT_READS:
                    self._poll_postgres(conn, pooled)
                    return
            else:
                self._catch_up(conn, check_behind=False)

    def _wait(self, conn: Any, timeout: float) -> bool:
        """Block until a NOTIFY, stop() or `timeout`; True if notified (all queued ones drained).

        psycopg keeps the notifications that arrived during a query for `notifies()`, and a
        connection the server closed is only readable, without an error, until it is used: then
        it raises, which sends the listener to reconnect.
        """
        deadline = time.monotonic() + timeout
        while not self._stopping.is_set():
            if any(True for _ in conn.notifies(timeout=0.0)):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = _select.select([conn.fileno(), self._wake_r], [], [], left)
            if self._wake_r in ready:
                return False
            if ready and not any(True for _ in conn.notifies(timeout=0.0)):
                conn.execute("SELECT 1")  # not a NOTIFY: a closed connection raises here
            elif ready:
                return True
        return False

    def _poll_postgres(self, conn: Any, pooled: bool) -> None:
        why = (
            "queries on one connection reach different server processes"
            if pooled
            else "changes arrive but no NOTIFY does"
        )
        log.warning(
            "change feed: LISTEN does not work on this connection (%s) — a connection pooler in "
            "transaction mode such as pgbouncer cannot carry it. Following the change log by polling "
            "every %.1f s instead; connect the desktops to PostgreSQL directly (or through a "
            "session-mode pool) for instant updates.",
            why,
            PG_FALLBACK_POLL,
        )
        self._set_state(kinds.POLLING_FALLBACK)
        while not self._sleep(PG_FALLBACK_POLL):
            self._catch_up(conn, check_behind=True)


def _pipe() -> tuple[int, int]:
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    return r, w


def _conninfo(db: Database) -> str:
    """libpq connection string of the database's URL (host, port, database, user, password, options)."""
    from psycopg.conninfo import make_conninfo

    url = db.engine.url
    params: dict[str, Any] = {
        k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items() if k not in ("driver",)
    }
    fields = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
    }
    params.update({k: v for k, v in fields.items() if v is not None})
    params.setdefault("application_name", "inbox change feed")
    # A network that drops without a word: the kernel notices within about half a minute.
    params.setdefault("keepalives", 1)
    params.setdefault("keepalives_idle", 10)
    params.setdefault("keepalives_interval", 5)
    params.setdefault("keepalives_count", 3)
    params.setdefault("tcp_user_timeout", 30_000)
    return make_conninfo(**params)
