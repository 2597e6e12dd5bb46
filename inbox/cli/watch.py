"""`inbox watch`: the change feed for people and scripts, one line per change as it is committed.

Follows by default, like `kubectl get -w`: every process's changes (desktops, the daemon, other
commands, scripts) appear as their transactions commit. `--since SEQ` first prints what came
after change SEQ (0: everything the log still keeps); `--once` prints what is there and exits.
With `--json`, one object per line: seq, kind, conversation_id, message_id, at (ISO 8601, UTC).
A line of kind `reset` says changes were pruned from the log before they could be shown.
Ctrl-C or SIGTERM ends it with exit code 0.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from inbox.cli.command import CliError, database, id_number
from inbox.core import changes as kinds
from inbox.core import terminal

if TYPE_CHECKING:
    from inbox.core.changes import Change

_STATE_NOTES = {
    kinds.RECONNECTING: "lost the database connection; reconnecting (nothing is missed)…",
    kinds.POLLING_FALLBACK: "LISTEN does not work on this connection (a transaction pooler?); polling instead",
}
HEADER = f"{'SEQ':<10} {'AT':<25} {'KIND':<22} {'CONVERSATION':<13} MESSAGE"


change_number = id_number("a change number", minimum=0)  # the --since type


def as_json(change: Change) -> dict[str, Any]:
    return {
        "seq": change.seq,
        "kind": change.kind,
        "conversation_id": change.conversation_id,
        "message_id": change.message_id,
        "at": change.at.isoformat(),
    }


def as_line(change: Change) -> str:
    at = change.at.astimezone().isoformat(timespec="milliseconds")
    conversation = "-" if change.conversation_id is None else str(change.conversation_id)
    message = "-" if change.message_id is None else str(change.message_id)
    line = f"{change.seq:<10} {at:<25} {change.kind:<22} {conversation:<13} {message}"
    return line + ("   (older changes were pruned from the log)" if change.is_reset else "")


class _Printer:
    """Writes each batch as it arrives (from the listener's thread), flushed at once."""

    def __init__(self, as_json_lines: bool, stop: threading.Event) -> None:
        self.json = as_json_lines
        self.stop = stop
        self.broken = False
        self.state: str | None = None

    def changes(self, batch: list[Change]) -> None:
        if self.broken:
            return
        try:
            for change in batch:
                if self.json:
                    print(terminal.json_safe(json.dumps(as_json(change))))
                else:
                    print(as_line(change))
            sys.stdout.flush()
        except BrokenPipeError:  # `inbox watch | head`: the reader has all it wanted
            self.broken = True
            self.stop.set()

    def on_state(self, state: str) -> None:
        note = _STATE_NOTES.get(state)
        if note is None and state == kinds.CONNECTED and self.state == kinds.RECONNECTING:
            note = "connected again"
        self.state = state
        if note:
            print(f"inbox watch: {note}", file=sys.stderr, flush=True)


def cmd_watch(args: argparse.Namespace) -> int:
    from inbox.store import feed

    db = database(args)
    try:
        latest = feed.latest_seq(db)
        since = latest if args.since is None else args.since
        if since > latest:
            raise CliError(f"--since {since} is after the newest change ({latest}); use a number it printed")
        stop = threading.Event()
        printer = _Printer(args.json, stop)
        if not args.json:
            print(HEADER, flush=True)
        if not args.follow:
            while batch := feed.changes_since(db, since):
                printer.changes(batch)
                since = batch[-1].seq
                if printer.broken:
                    break
        else:
            _follow(db, since, printer, stop)
        if printer.broken:
            raise BrokenPipeError
        return 0
    finally:
        db.dispose()


def _follow(db: Any, since: int, printer: _Printer, stop: threading.Event) -> None:
    from inbox.store import feed

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    saved = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    listener = feed.FeedListener(db, printer.changes, on_state=printer.on_state, since=since, name="inbox-watch")
    try:
        listener.start()
        while not stop.wait(0.5):
            pass
    finally:
        listener.stop()
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox watch` to the main parser."""
    watch = subparsers.add_parser(
        "watch", help="follow every committed change, one line each (like `kubectl get -w`)", parents=[common]
    )
    watch.add_argument(
        "--since",
        metavar="SEQ",
        type=change_number,
        help="first print the changes after this number (0: all the log keeps); default: from now on",
    )
    watch.add_argument(
        "--once",
        "--no-follow",
        dest="follow",
        action="store_false",
        help="print what is there and exit instead of following",
    )
    watch.set_defaults(func=cmd_watch)
