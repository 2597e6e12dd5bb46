"""What went wrong with the database, in words a person can act on, and without customer data.

SQLAlchemy's error text carries the SQL, its parameters (phone numbers, message bodies) and, on
PostgreSQL, a DETAIL line quoting the offending row. None of that may reach a terminal, a `--json`
answer or a log: `public_text` keeps the driver's first line only, `describe_failure` only the
error's kind (where even the first line may quote a value), `redact` scrubs a traceback, and
`describe` turns the errors a person can fix (bad URL, missing folder, server down, read-only file,
lock held elsewhere, full disk) into one line saying what is wrong and what to do.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

# SQLite primary result codes (sqlite3.h); extended codes keep them in their low byte.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26

_WHERE = "(--db or INBOX_DATABASE_URL)"
_REDACTED = re.compile(
    r"^(\s*)(\[parameters: .*|\[SQL: .*|DETAIL: .*|CONTEXT: .*|\(Background on this error at: .*)$", re.M
)


def describe_failure(exc: BaseException) -> str:
    """What went wrong, safe to log and show: the error's kind, never its text, because database
    errors quote the statement and its values (phone numbers, message bodies)."""
    text = type(exc).__name__
    orig = getattr(exc, "orig", None)
    if orig is not None:
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
        text += f" ({type(orig).__name__}{f' {code}' if code else ''})"
    return text


def public_text(exc: BaseException) -> str:
    """The error as one line safe to show anywhere: for database errors the driver's first line.

    The SQL itself names only tables; the parameters and PostgreSQL's DETAIL quote customer data.
    """
    if isinstance(exc, sa_exc.StatementError):
        orig = exc.orig if exc.orig is not None else exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return f"database error: {first}"
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return f"database error: {_first_line(str(exc)) or type(exc).__name__}"
    return _first_line(str(exc)) or type(exc).__name__


def redact(text: str) -> str:
    """A traceback or message with SQL, parameters and DETAIL lines removed (for logs)."""
    return _REDACTED.sub(r"\1[database details hidden]", text)


def describe(exc: BaseException, url: str | None = None) -> str | None:
    """One line (what is wrong, what to do) for a database or OS problem; None if it is not one."""
    if isinstance(exc, sa_exc.NoSuchModuleError) or (isinstance(exc, sa_exc.ArgumentError) and "URL" in str(exc)):
        return (
            "the database URL is not valid: use sqlite:///PATH/inbox.sqlite3 or "
            f"postgresql+psycopg://USER@HOST:PORT/DATABASE {_WHERE}"
        )
    orig = getattr(exc, "orig", None) if isinstance(exc, sa_exc.DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _sqlite(code & 0xFF, _sqlite_path(url))
    if type(orig).__module__.startswith("psycopg"):
        return _postgres(orig, url)
    if isinstance(exc, ModuleNotFoundError):
        return f"the database driver {exc.name} is not installed: for PostgreSQL use postgresql+psycopg://... {_WHERE}"
    if isinstance(exc, OSError):
        return _os(exc)
    if type(exc).__name__ == "CommandError" and type(exc).__module__.startswith("alembic"):
        return (
            "this database was set up by a newer version of Inbox (its schema revision is unknown here): "
            "run the newer version, or choose another database " + _WHERE
        )
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return f"{public_text(exc)} — nothing was changed; run again with -vv for details"
    return None


def is_read_only(exc: BaseException) -> bool:
    """Whether the database refused a write because it is read-only (a file or folder, a standby):
    waiting will not help, unlike a lost connection or a lock."""
    orig = getattr(exc, "orig", None) if isinstance(exc, sa_exc.DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == _SQLITE_READONLY
    return getattr(getattr(orig, "diag", None), "sqlstate", None) == "25006"


def _sqlite(code: int, path: Path | None) -> str:
    where = f" {path}" if path else ""
    if code == _SQLITE_CANTOPEN:
        if path and not path.parent.is_dir():
            return f"the folder {path.parent} does not exist: create it, or choose another database {_WHERE}"
        return f"cannot open the SQLite database{where}: check that you may read it and its folder {_WHERE}"
    if code == _SQLITE_READONLY:
        return (
            f"the database{where} is read-only and this command changes it: run it where the file and its "
            "folder are writable (commands that only read still work)"
        )
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return (
            f"the database{where} is locked by another process: try again when it has finished "
            "(a long import or backup?), or stop the process holding it"
        )
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _disk_full(path)):
        return f"the disk holding the database{where} is full: free some space, then try again (nothing was saved)"
    if code == _SQLITE_IOERR:
        return f"could not read or write the database{where} (disk I/O error): check the disk and its free space"
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return f"{path or 'the file'} is not a readable Inbox database: choose another file {_WHERE}"
    return f"SQLite error {code} on the database{where}: run again with -vv for details"


def _postgres(orig: BaseException, url: str | None) -> str:
    state = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(orig, "sqlstate", None) or ""
    server = _server(url)
    message = _first_line(str(orig))
    if state == "53100":
        return f"the PostgreSQL server{server} has no disk space left: free some space on it, then try again"
    if not state:  # a failed connection carries no SQLSTATE: the server's words are in the text
        lowered = str(orig).lower()
        state = "3D000" if "database" in lowered and "does not exist" in lowered else state
        login = ("authentication failed", "no password", "role ")
        state = "28000" if any(w in lowered for w in login) else state
    if state.startswith("28"):
        return (
            f"PostgreSQL{server} refused the login: check the user in the URL and the password "
            f"(in the URL, ~/.pgpass, or the keyring: `inbox team connect`) {_WHERE}"
        )
    if state == "42501":  # a team database's roles (store.privileges): the login may not do this
        return f"your database login may not do this ({message}): ask an admin — nothing was changed"
    if state == "3D000":
        return f"PostgreSQL{server} has no such database: create it or fix the URL {_WHERE}"
    if state == "25006":
        return f"the PostgreSQL database{server} is read-only (a standby?) and this command changes it"
    if state.startswith("08") or not state:
        return f"cannot connect to PostgreSQL{server}: is the server running, and is the URL right? {_WHERE}"
    return f"database error: {message} — nothing was changed; run again with -vv for details"


def _os(exc: OSError) -> str:
    name = f" {exc.filename}" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"no space left to write{name}: free some disk space, then try again"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"not allowed to write{name} ({exc.strerror}): choose a place you may write to"
    if exc.errno == errno.ENOENT:
        return f"no such file or folder{name}"
    return f"{exc.strerror or type(exc).__name__}{name}"


def _disk_full(path: Path | None) -> bool:
    """SQLite reports a write that found no space as an I/O error when it hits the -wal or -shm file."""
    if path is None:
        return False
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _sqlite_path(url: str | None) -> Path | None:
    if not url:
        return None
    try:
        database = make_url(url).database
    except sa_exc.ArgumentError:
        return None
    return Path(database) if database and database != ":memory:" else None


def _server(url: str | None) -> str:
    if not url:
        return ""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        return ""
    port = f":{parsed.port}" if parsed.port else ""
    return f" at {parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""
