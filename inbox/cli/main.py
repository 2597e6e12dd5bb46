"""`inbox` on the command line: the parser assembled from the command modules, and the one
place that turns whatever escapes a command into one line (never a traceback).

What commands share (errors, output, the database, typed options) lives in `inbox.cli.command`;
each command module adds its own subcommands with `register(subparsers, common)`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from inbox import __version__
from inbox.cli import channels, daemon, demo, engagement, keywords, lists, messaging, reports, seed, team, verify, watch
from inbox.cli.command import CliError, add_global_options
from inbox.core import phone, terminal
from inbox.simulator.dialects import DIALECTS

log = logging.getLogger("inbox")

GuiCommand = Callable[[argparse.Namespace], int]


class _VisibleStream:
    """stdout/stderr for people: every character printed goes through `core.terminal.visible`.

    Customer text reaches the terminal from many commands (threads, previews, poll answers,
    provider errors); escaping at the stream means no command can forget it. Newlines and tabs of
    our own layout pass; inside a customer's text they are escaped where it is formatted (`show`).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal.visible(text, keep="\n\t"))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# -- parser --------------------------------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong and where to look, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser(gui_commands: dict[str, tuple[str, GuiCommand]] | None = None) -> argparse.ArgumentParser:
    common = Parser(add_help=False)  # every subcommand's copy of the global options
    add_global_options(common, top=False)

    parser = Parser(prog="inbox", description="Inbox: a two-way SMS support inbox.")
    parser.add_argument("--version", action="version", version=f"inbox {__version__}")
    add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for module in (channels, messaging, daemon, keywords, lists, verify, engagement, seed, team, watch):
        module.register(sub, common)
    gui_commands = dict(gui_commands or {})
    reports.register(sub, common, gui_commands)
    helper = sub.add_parser("help", help="what a command does and takes: `inbox help channel add`")
    helper.add_argument("topic", nargs="*", metavar="COMMAND", help="a command (and subcommand); none: all commands")
    helper.set_defaults(
        func=lambda args: _help(parser, args.topic)
    )  # takes the PDF writer ("export") out of gui_commands

    if "demo" not in gui_commands:
        gui_commands["demo"] = ("headless demo: simulator + daemon + scripted customers", demo.run_headless_demo)
    for name, (help_text, fn) in gui_commands.items():
        p = sub.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(func=fn)
        if name == "demo":
            p.add_argument("--headless", action="store_true", help="no window: print what happens")
            p.add_argument(
                "--dialect", choices=sorted(DIALECTS), default="twilio", help="the provider the simulator plays"
            )
    return parser


class _RedactingFormatter(logging.Formatter):
    """Log lines and tracebacks without SQL parameters or PostgreSQL DETAIL lines (customer data),
    and with a mistyped phone number masked: the person who typed it reads it in clear on
    screen ("not a phone number: '+1 555 12'"), the log keeps `InvalidPhoneNumber.masked`."""

    def format(self, record: logging.LogRecord) -> str:
        from inbox.store.problems import redact

        text = redact(super().format(record))
        for invalid in _invalid_numbers(record.exc_info[1] if record.exc_info else None):
            text = text.replace(str(invalid), invalid.masked)
        return text


def _invalid_numbers(exc: BaseException | None) -> list[phone.InvalidPhoneNumber]:
    """The InvalidPhoneNumber errors in `exc`'s chain (a SendRefused raised from one quotes it)."""
    found, seen = [], set()
    while exc is not None and id(exc) not in seen and len(seen) < 20:
        seen.add(id(exc))
        if isinstance(exc, phone.InvalidPhoneNumber):
            found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


class _SchedulerRoutine(logging.Filter):
    """Drops APScheduler's notes on what the runner means to happen: a tick that found the previous
    run of its job still going ("maximum number of running instances reached") or came late after a
    busy moment or a suspended laptop ("was missed by") — jobs run one at a time and coalesce."""

    ROUTINE = ("maximum number of running instances", "was missed by")

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("apscheduler") or record.levelno > logging.WARNING:
            return True
        message = record.getMessage()
        return not any(part in message for part in self.ROUTINE)


def configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        if verbose < 3:
            handler.addFilter(_SchedulerRoutine())
    # Third-party request logs carry URLs with phone numbers (To=...): keep them out of INFO.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose < 3 else logging.DEBUG)


def _help(parser: argparse.ArgumentParser, topic: list[str]) -> int:
    """`inbox help [COMMAND...]`: the same text as `inbox [COMMAND...] --help` (an unknown command
    is the same one-line error as typing it)."""
    if not topic:
        parser.print_help()
        return 0
    parser.parse_args([*topic, "--help"])  # prints and exits 0, or says what is unknown and exits 2
    return 0


def _quiet_stdout() -> None:
    """The reader of our stdout is gone (`inbox show 1 | head`): point the descriptor at devnull
    so that the interpreter's last flush at exit has nowhere to fail (the recipe in Python's
    `signal` documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())


def main(argv: Sequence[str] | None = None, gui_commands: dict[str, tuple[str, GuiCommand]] | None = None) -> int:
    """Every command, `--help` and parse errors included: a closed pipe ends it quietly, exit 0."""
    try:
        try:
            code = _main(argv, gui_commands)
        finally:  # buffered output goes now, where a closed pipe is caught, not at interpreter exit
            sys.__stdout__.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    return code


def _main(argv: Sequence[str] | None, gui_commands: dict[str, tuple[str, GuiCommand]] | None) -> int:
    parser = build_parser(gui_commands)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    verbose = getattr(args, "verbose", 0)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _VisibleStream(sys.stdout), _VisibleStream(sys.stderr)  # type: ignore[assignment]
    try:
        configure_logging(max(verbose, 1) if args.command == "daemon" else verbose)
        return _run(args)
    finally:
        sys.stdout, sys.stderr = saved


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"inbox: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `inbox conversations | head`: the reader has all it wanted
        _quiet_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place no command may leak a traceback from
        return _failed(args, exc)


def _failed(args: argparse.Namespace, exc: Exception) -> int:
    """A database or environment problem: one line (what is wrong, what to do), exit code 1.

    Anything else is a bug: still one line, and the traceback (redacted) only with -vv.
    """
    from inbox.store import db as store_db  # SQLAlchemy: only once something has gone wrong
    from inbox.store.problems import describe

    url = getattr(args, "db", None) or os.environ.get(store_db.ENV_URL) or store_db.default_url(create=False)
    message = describe(exc, url)
    if message is None:
        message = f"unexpected error ({type(exc).__name__}): please report it; run again with -vv for the details"
    log.debug("the command failed", exc_info=exc)
    if getattr(args, "json", False):
        print(terminal.json_safe(json.dumps({"ok": False, "error": message}, ensure_ascii=False)))
    print(f"inbox: {message}", file=sys.stderr)
    return 1
