"""Engine and session set-up: the one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from inbox.store import logins
from inbox.store.own_changes import OwnChanges

ENV_URL = "INBOX_DATABASE_URL"
BUSY_TIMEOUT_S = 10
# The database holds every customer's messages: only its owner may read it (see `private_sqlite_file`).
PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600
_SQLITE_BUSY = 5


def default_url(*, create: bool = True) -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("inbox", appauthor=False))
    if not create:
        return f"sqlite:///{folder / 'inbox.sqlite3'}"
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    # Ours alone: tighten what an older version created 0755/0644 (the folder guards -wal/-shm too).
    _chmod_if_owned(folder, PRIVATE_FOLDER)
    for name in ("inbox.sqlite3", "inbox.sqlite3-wal", "inbox.sqlite3-shm"):
        _chmod_if_owned(folder / name, PRIVATE_FILE)
    return f"sqlite:///{folder / 'inbox.sqlite3'}"


def resolve_url(url: str | None) -> str:
    return url or os.environ.get(ENV_URL) or default_url()


def _chmod_if_owned(path: Path, mode: int) -> None:
    try:
        st = path.stat()
        if st.st_uid == os.geteuid() and st.st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:  # absent, or not ours to change: SQLite reports what matters when it opens it
        pass


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for in-memory databases and other backends)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def private_sqlite_file(path: Path) -> None:
    """Create a new database file 0600 before SQLite does (it would use the umask, usually 0644).

    SQLite gives the -wal and -shm files the mode of the database file, so they are private too.
    An existing file keeps the mode its owner chose; a missing folder is left for SQLite to report.
    """
    if not path.parent.is_dir():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    except OSError:  # a read-only folder: opening it will say so
        return
    os.close(fd)


def is_read_only(path: Path) -> bool:
    """An existing database we may not write (file or folder): it is opened read-only."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_connector(path: Path) -> Callable[[], sqlite3.Connection]:
    """Connections for a database we may only read.

    `mode=ro` still needs the -shm file, which SQLite cannot create in a read-only folder once the
    last writer closed the database cleanly; then the file is opened `immutable` (no locking at all,
    fine for a copy nobody writes; a writer elsewhere changing it meanwhile may show stale rows).
    """
    base = f"file:{quote(str(path.absolute()))}?mode=ro"

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(base, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            return sqlite3.connect(base + "&immutable=1", uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_S)

    return connect


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin event decide how transactions start (pysqlite would BEGIN DEFERRED itself).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_read_only_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")


def _sqlite_begin(on_busy: Callable[[], None] | None) -> Callable[[Any], None]:
    """BEGIN as the session asked; a writer that finds the lock taken says so, then waits for it.

    Without `on_busy` the busy timeout waits silently. With it, the first attempt does not wait: if
    another process holds the write lock, `on_busy` tells the person why nothing happens, then the
    normal timeout applies (and "database is locked" after it is one clear line, see store.problems).
    """

    def begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if on_busy is None or mode == "DEFERRED":
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except sa_exc.OperationalError as exc:
            if getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF != _SQLITE_BUSY:
                raise
            on_busy()
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            conn.exec_driver_sql(f"BEGIN {mode}")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")

    return begin


def make_engine(url: str, *, on_busy: Callable[[], None] | None = None, **kwargs: Any) -> Engine:
    """An engine that never puts SQL parameters (phone numbers, texts) into its error messages."""
    kwargs.setdefault("hide_parameters", True)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None and is_read_only(path):
        engine = create_engine("sqlite://", creator=_read_only_connector(path), **kwargs)
        event.listen(engine, "connect", _sqlite_read_only_on_connect)
        event.listen(engine, "begin", _sqlite_begin(None))
        return engine
    if url.startswith("sqlite"):
        if path is not None:
            private_sqlite_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin(on_busy))
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    logins.use_saved_password(engine, url)
    return engine


class Database:
    """Sessions for reading and for writing.

    Writers on SQLite begin IMMEDIATE so two processes never both read-then-upgrade and deadlock;
    readers begin DEFERRED and run beside writers thanks to WAL.
    """

    def __init__(
        self, url: str | None = None, *, on_busy: Callable[[], None] | None = None, **engine_kwargs: Any
    ) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url, on_busy=on_busy, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)
        # Set by a process that follows the change feed (inbox.engine.live): its writes record the
        # change numbers they wrote, so the feed's echo of them can be told apart.
        self.own_changes: OwnChanges | None = None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self, *, track: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception.

        `track=False`: a write that never reaches the change log (a presence heartbeat, every few
        seconds) skips recording its change numbers; were it to write some, their echo would only
        cost one more reload."""
        own = self.own_changes if track else None
        if own is None:
            with self._writer() as session, session.begin():
                yield session
            return
        with self._writer() as session, session.begin():
            mark = own.mark(session)
            yield session
            seqs = own.written(session, mark, postgres=not self.is_sqlite)
        if seqs:
            own.committed(seqs)

    def upgrade(self) -> None:
        from inbox.store.migrations import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
