"""What every `inbox` command shares: its errors, its output, its database, its typed options.

The command modules (`channels`, `keywords`, `lists`, `verify`, `engagement`, `reports`, `seed`...)
import this module and nothing of each other; this module imports none of them, and `main.py`
only assembles the parser and turns what escapes a command into one line (an import-linter
`layers` contract keeps it so). Qutebrowser's components depend on `qutebrowser/api/cmdutils.py`
the same way.

Imports of `inbox.store`, `inbox.engine` and `inbox.reports` stay inside the functions here and
in the command modules: the parser imports every command module, and `inbox --version` or
`inbox --help` must not pay for the engine (SQLAlchemy, httpx, APScheduler) it does not use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from inbox.core import durations, terminal, typed_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from inbox.store.db import Database

EXIT_REFUSED = 3  # the engine said no (opted out, quiet hours, a limit): not a usage error


class CliError(Exception):
    """A problem the person can fix; printed without a traceback, exit code 2."""


# -- output ----------------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value):
        return asdict(value)  # type: ignore[arg-type]
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def emit(args: argparse.Namespace, data: Any, human: Callable[[], None]) -> None:
    """`data` as JSON with `--json`, else what `human` prints."""
    if getattr(args, "json", False):
        print(terminal.json_safe(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)))
    else:
        human()


def refused(reason: str, args: argparse.Namespace | None = None, details: dict[str, Any] | None = None) -> int:
    """The engine refused the action (a rule, not a typo): say why on stderr, exit code 3.

    With `--json`, stdout also gets ``{"ok": false, "error": reason, ...details}``, the shape every
    failing command prints there."""
    if args is not None and getattr(args, "json", False):
        document = {"ok": False, "error": reason, **(details or {})}
        print(terminal.json_safe(json.dumps(document, default=_json_default, ensure_ascii=False)))
    print(f"Refused: {reason}", file=sys.stderr)
    return EXIT_REFUSED


# -- the database ----------------------------------------------------------------------------------
def database(args: argparse.Namespace, *, say_waiting: bool = True) -> Database:
    """The migrated database; a one-off command says so on stderr when it has to wait for a lock."""
    from inbox.store.db import Database

    db = Database(args.db, on_busy=_say_waiting if say_waiting else None)
    db.upgrade()
    _settle_identity(args, db)
    return db


def _settle_identity(args: argparse.Namespace, db: Database) -> None:
    """On a team database the agent is the login: it replaces the default name, and a different
    name typed (`--agent`, `--as`) or set (INBOX_AGENT) is refused before the command runs."""
    attr = "actor" if hasattr(args, "actor") else "agent"
    if db.is_sqlite or not hasattr(args, attr):
        return
    from inbox.core.identity import impersonation
    from inbox.store import agents

    with db.read() as s:
        login = agents.session_login(s)
    if login is None:
        return
    claimed = getattr(args, CLAIMED, None) or os.environ.get("INBOX_AGENT")
    if claimed and claimed != login:
        raise CliError(impersonation(login, claimed))
    setattr(args, attr, login)


def _say_waiting() -> None:
    from inbox.store.db import BUSY_TIMEOUT_S

    print(
        f"inbox: another process is writing to the database; waiting up to {BUSY_TIMEOUT_S} s for it to finish…",
        file=sys.stderr,
        flush=True,
    )


def channel(session: Session, ref: str) -> int:
    """The id of the channel a `--channel` option names, by name or by id; CliError if none."""
    from inbox.store import channels

    found = channels.by_name(session, ref)
    if found is None and ref.isdigit():
        found = channels.get(session, int(ref))
    if found is None:
        raise CliError(f"no channel named {ref!r} (see `inbox channel list`)")
    return found.id


def channel_id(session: Session, ref: str | None) -> int | None:
    """Like `channel`, for an optional `--channel`: None (all channels) when it is not given."""
    return channel(session, ref) if ref else None


def guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Permission and lookup problems are things the person can act on: no traceback."""

    def run(args: argparse.Namespace) -> int:
        from inbox.store.agents import PermissionDenied

        try:
            return fn(args)
        except PermissionDenied as exc:
            raise CliError(f"permission denied: {exc}") from None
        except (LookupError, ValueError) as exc:
            raise CliError(str(exc)) from None

    return run


# -- times -----------------------------------------------------------------------------------------
def moment(text: str | None, zone: tzinfo = UTC, *, day_end: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time option (None if not given); without an offset it is in `zone`.

    With `day_end`, a bare date means the end of that day (an inclusive `--to`)."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"cannot read the date {text!r}: use ISO 8601, e.g. 2025-03-01 or 2025-03-01T09:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    if day_end and len(text) == 10:
        parsed += timedelta(days=1)
    return parsed


# -- argparse types and options --------------------------------------------------------------------
ID_MAX = 2**63 - 1  # the largest id either backend stores (PostgreSQL bigint)


def id_number(what: str, minimum: int = 1) -> Callable[[str], int]:
    """An argparse type for a row's number as Inbox prints it: ASCII digits, `minimum`..ID_MAX.
    Python's int() also takes "٣" and "1_000", and a number past bigint reaches the driver as an
    OverflowError: both are refused here, with what is needed."""

    def parse(text: str) -> int:
        digits = text.strip()
        if digits.isascii() and digits.isdigit() and minimum <= int(digits) <= ID_MAX:
            return int(digits)
        raise argparse.ArgumentTypeError(f"{what} is needed ({minimum} or more, as Inbox prints them), not {text!r}")

    parse.__name__ = what
    return parse


def duration(bounds: durations.Bounds) -> Callable[[str], float]:
    """An argparse type for a duration option: a number within `bounds` (README states them)."""

    def parse(text: str) -> float:
        try:
            return bounds.check(text)
        except durations.InvalidDuration as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = bounds.what  # argparse names the type in some messages
    return parse


def agent_name(text: str) -> str:
    """The --agent type: what the replies' author column can hold, printable."""
    from inbox.engine.service import check_agent_name

    try:
        return check_agent_name(text)
    except typed_text.InvalidText as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def default_agent() -> str:
    return os.environ.get("INBOX_AGENT") or os.environ.get("USER") or "agent"


CLAIMED = "claimed_identity"  # where `Claim` notes a name the person typed


class Claim(argparse.Action):
    """Store a typed identity (`--agent`, `--as`) and note that it was typed, not defaulted:
    on a team database only a typed (or INBOX_AGENT) name that is not the login is refused."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None):  # type: ignore[override]
        setattr(namespace, self.dest, values)
        setattr(namespace, CLAIMED, values)


def add_global_options(parser: argparse.ArgumentParser, *, top: bool, agent: bool = True) -> None:
    """`--db`, `--json`, `-v` (and `--agent`), accepted before or after the subcommand.

    The top-level parser holds the defaults; a subcommand's copy (`top=False`) has none
    (SUPPRESS), so it sets only what was typed after the subcommand and never resets what was
    typed before it."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--db",
        metavar="URL",
        default=default(None),
        help="database URL (default: INBOX_DATABASE_URL or SQLite in the user data dir)",
    )
    parser.add_argument("--json", action="store_true", default=default(False), help="machine-readable output")
    parser.add_argument("-v", "--verbose", action="count", default=default(0), help="more logging (-vv for debug)")
    if agent:
        parser.add_argument(
            "--agent",
            default=default(default_agent()),
            type=agent_name,
            action=Claim,
            help="the agent name recorded on replies (printable, up to 120 characters)",
        )
