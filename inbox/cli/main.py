"""`inbox` on the command line: set-up, scripting and the headless daemon."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from inbox import __version__
from inbox.core import durations, phone, terminal, typed_text
from inbox.core.events import EventBus
from inbox.core.models import ConversationStatus

log = logging.getLogger("inbox")

GuiCommand = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A problem the person can fix; printed without a traceback, exit code 2."""


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value):
        return asdict(value)  # type: ignore[arg-type]
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def emit(args: argparse.Namespace, data: Any, human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        print(terminal.json_safe(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)))
    else:
        human()


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


def _database(args: argparse.Namespace, *, say_waiting: bool = True):
    """The migrated database; a one-off command says so on stderr when it has to wait for a lock."""
    from inbox.store.db import Database

    db = Database(args.db, on_busy=_say_waiting if say_waiting else None)
    db.upgrade()
    return db


def _say_waiting() -> None:
    from inbox.store.db import BUSY_TIMEOUT_S

    print(
        f"inbox: another process is writing to the database; waiting up to {BUSY_TIMEOUT_S} s for it to finish…",
        file=sys.stderr,
        flush=True,
    )


# -- channels ------------------------------------------------------------------------------------
def cmd_channel_add(args: argparse.Namespace) -> int:
    from inbox.engine import credentials, setup

    try:
        number = phone.normalize(args.number)
    except phone.InvalidPhoneNumber as exc:
        raise CliError(str(exc)) from None
    if args.provider != "twilio":
        raise CliError(f"unknown provider {args.provider!r} (available: twilio)")
    if not args.account_sid.startswith("AC") or len(args.account_sid) != 34:
        raise CliError("the account SID looks wrong: it is 'AC' followed by 32 hex characters")
    try:  # everything that needs no database, before asking for a token
        setup.check_name(args.name)
        setup.check_base_url(args.base_url)
        setup.check_help_text(args.help_text or "")
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    store_token = None
    if args.auth_token_env:
        try:
            ref = credentials.env_ref(setup.check_env_var(args.auth_token_env))
        except setup.SetupRefused as exc:
            raise CliError(exc.reason) from None
        if not os.environ.get(args.auth_token_env):
            print(f"warning: {args.auth_token_env} is not set in this environment", file=sys.stderr)
    else:
        if sys.stdin.isatty():
            import getpass

            token = getpass.getpass("Auth token: ")
        else:
            token = sys.stdin.readline().strip()
        if not token:
            raise CliError("no auth token given (type it, pipe it on stdin, or use --auth-token-env VAR)")
        ref = credentials.keyring_ref()
        store_token = lambda: credentials.store_in_keyring(args.account_sid, token)  # noqa: E731
    db = _database(args)
    try:
        ch = setup.add_channel(
            db,
            name=args.name,
            provider=args.provider,
            number=number,
            account_sid=args.account_sid,
            base_url=args.base_url,
            auth_token_ref=ref,
            provider_handles_opt_out=args.provider_handles_opt_out == "yes",
            help_text=args.help_text or "",
            poll_interval_seconds=args.poll_interval,
            store_token=store_token,
            audit_actor="admin",
        )
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    except credentials.MissingCredentials as exc:
        raise CliError(str(exc)) from None
    emit(args, ch, lambda: print(f"Added channel {ch.name} ({phone.display(ch.number)}, {ch.provider})"))
    return 0


def cmd_channel_list(args: argparse.Namespace) -> int:
    from inbox.store import channels

    db = _database(args)
    with db.read() as s:
        found = channels.all_active(s)

    def human() -> None:
        if not found:
            print("No channels yet: add one with `inbox channel add`.")
        for ch in found:
            handled = "provider answers STOP/HELP" if ch.provider_handles_opt_out else "Inbox answers STOP/HELP"
            where = ch.base_url or "api.twilio.com"
            print(f"{ch.name:20} {phone.display(ch.number):18} {ch.provider:8} {where}  ({handled})")

    emit(args, found, human)
    return 0


# -- messaging -----------------------------------------------------------------------------------
def _service(args: argparse.Namespace, db=None):
    from inbox.engine.service import InboxService

    return InboxService(db or _database(args), EventBus(), agent=args.agent)


def cmd_send(args: argparse.Namespace) -> int:
    from inbox.engine.service import NoSuchChannel, SendRefused

    try:
        to = phone.normalize(args.to)
    except phone.InvalidPhoneNumber as exc:
        raise CliError(str(exc)) from None
    try:
        msg = _service(args).send_to(args.channel, to, args.text)
    except NoSuchChannel as exc:
        raise CliError(exc.reason) from None
    except SendRefused as exc:
        print(f"Refused: {exc.reason}", file=sys.stderr)
        return 3
    emit(
        args,
        msg,
        lambda: print(
            f"Queued message {msg.id} to {phone.display(to)} ({msg.num_segments} segment(s), {msg.encoding}). "
            "It leaves with the next `inbox sync --once` or the running daemon."
        ),
    )
    return 0


def cmd_conversations(args: argparse.Namespace) -> int:
    from inbox.engine.service import ConversationFilter

    svc = _service(args)
    view = args.status or "all"
    rows = svc.conversations_page(ConversationFilter(view=view), 0, args.limit)

    def human() -> None:
        if not rows:
            print("No conversations.")
        for c in rows:
            who = c.contact_name or phone.display(c.contact_phone)
            flags = "".join([" [opted out]" if c.opted_out else "", " [flagged]" if c.flagged else ""])
            unread = f" ({c.unread_count} unread)" if c.unread_count else ""
            print(f"#{c.id:<5} {c.status.value:9} {who:28} {c.last_activity_at:%Y-%m-%d %H:%M}{unread}{flags}")
            print(f"        {c.last_message_preview[:90]}")

    emit(args, rows, human)
    return 0


def _find_contact(s, query: str):
    from inbox.store import contacts

    if query.isdigit() and len(query) < 7:
        found = contacts.get(s, int(query))
        if found:
            return found
    try:
        return contacts.by_phone(s, phone.normalize(query))
    except phone.InvalidPhoneNumber:
        return None


def cmd_show(args: argparse.Namespace) -> int:
    from inbox.store import conversations, messages, optouts

    db = _database(args)
    with db.read() as s:
        contact = _find_contact(s, args.contact)
        if contact is None:
            raise CliError(f"no contact {args.contact!r}")
        convs = conversations.for_contact(s, contact.id)
        threads = [(c, messages.page(s, c.id, None, args.limit)) for c in convs]
        states = {o.channel_id: o for o in optouts.for_contact(s, contact.id)}

    def human() -> None:
        print(f"{contact.display_name or phone.display(contact.phone)}  {phone.display(contact.phone)}")
        for conv, msgs in threads:
            state = states.get(conv.channel_id)
            opted = (
                f" · opted out {state.changed_at:%d %b %H:%M} ({state.keyword or state.source.value})"
                if state and state.opted_out
                else ""
            )
            print(f"\n— {conv.channel_name} · {conv.status.value}{opted}")
            for m in msgs:
                body = "••••••" if m.masked else m.body
                who = {
                    "customer": "customer",
                    "agent": m.author or "agent",
                    "automation": f"⚙ {m.author}",
                    "note": f"note by {m.author}",
                }.get(m.author_kind.value, m.author_kind.value)
                failed = m.status.value in ("failed", "undelivered") and m.error_message
                reason = f": {m.error_message}" if failed else ""
                status = "" if m.direction.value == "inbound" else f" [{m.status.value}{reason}]"
                text = terminal.visible(body)  # a newline in a text must not fake a line of ours
                print(f"  {m.created_at.astimezone():%d %b %H:%M}  {who}: {text}{status}")

    emit(args, {"contact": contact, "conversations": [{"conversation": c, "messages": m} for c, m in threads]}, human)
    return 0


# -- engine --------------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    from inbox.engine.runner import Runner

    if not args.once:
        raise CliError("use `inbox sync --once` for one cycle, or `inbox daemon` to keep running")
    from inbox.engine.leadership import Leadership

    db = _database(args)
    leadership = Leadership(db)
    runner = Runner(db, leadership=leadership)
    try:
        report = runner.sync_once()
    finally:
        runner.pool.close()
        if leadership.is_leader:
            leadership.release()
    stored = sum(r.stored for r in report.ingest.values())
    data = {
        "ok": report.ok,
        "inbound_stored": stored,
        "replies_queued": sum(r.replies_queued for r in report.ingest.values()),
        "sent": report.send.sent,
        "failed": report.send.failed,
        "refused_opted_out": report.send.refused_opted_out,
        "deferred": report.send.deferred,
        "unknown": report.send.unknown,
        "statuses_changed": report.statuses_changed,
        "errors": report.errors,
    }

    def human() -> None:
        print(
            f"Fetched {stored} new message(s); sent {report.send.sent}, failed {report.send.failed}, "
            f"refused (opted out) {report.send.refused_opted_out}, waiting to retry {report.send.deferred}; "
            f"{report.statuses_changed} delivery update(s)."
        )
        for err in report.errors:
            print(f"error: {err}", file=sys.stderr)

    emit(args, data, human)
    return 0 if report.ok else 1


def cmd_daemon(args: argparse.Namespace) -> int:
    from inbox.engine.leadership import Leadership
    from inbox.engine.runner import Runner
    from inbox.store.problems import is_read_only

    db = _database(args, say_waiting=False)  # a daemon waits its turn quietly, again and again
    leadership = Leadership(db, period=args.lease_seconds)
    runner = Runner(db, poll_interval=args.poll_interval, leadership=leadership)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received signal %d, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    if leadership.last_failure is not None and is_read_only(leadership.last_failure):
        runner.shutdown()  # it could never lead, poll or send: say so (one line) instead of idling
        raise leadership.last_failure
    log.info("daemon running (pid %d); stop with Ctrl+C or SIGTERM", os.getpid())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        runner.shutdown()
        log.info("daemon stopped cleanly")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    svc = _service(args)
    rows = svc.channel_health()
    now = datetime.now(UTC)

    def human() -> None:
        if not rows:
            print("No channels yet: add one with `inbox channel add`.")
        for h in rows:
            synced = f"synced {_ago(now, h.last_poll_ok_at)}" if h.last_poll_ok_at else "never synced"
            line = f"{h.channel_name}: {synced}; {h.backlog} message(s) waiting to send"
            if h.last_error:
                retry = (
                    f", retrying in {max(0, (h.next_retry_at - now).total_seconds()):.0f} s" if h.next_retry_at else ""
                )
                line += f"\n  failing{retry}: {h.last_error}"  # polling or sending; not always the provider
            print(line)

    emit(args, rows, human)
    return 0


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    return f"{then.astimezone():%d %b %H:%M}"


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from inbox.store.migrations import current

    db = _database(args)
    print(f"Database at revision {current(db.engine)}: {make_url(db.url).render_as_string(hide_password=True)}")
    return 0


def cmd_simulator(args: argparse.Namespace) -> int:
    from inbox.simulator import cli as simulator_cli

    return simulator_cli.run(args)


def cmd_demo_headless(args: argparse.Namespace) -> int:
    from inbox.cli.demo import run_headless_demo

    return run_headless_demo(args)


# -- parser --------------------------------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong and where to look, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


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


def build_parser(gui_commands: dict[str, tuple[str, GuiCommand]] | None = None) -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "--db", metavar="URL", help="database URL (default: INBOX_DATABASE_URL or SQLite in the user data dir)"
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    common.add_argument(
        "--agent",
        default=os.environ.get("INBOX_AGENT") or os.environ.get("USER") or "agent",
        type=agent_name,
        help="the agent name recorded on replies (printable, up to 120 characters)",
    )

    parser = Parser(prog="inbox", description="Inbox: a two-way SMS support inbox.")
    parser.add_argument("--version", action="version", version=f"inbox {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    channel = sub.add_parser("channel", help="provider numbers", parents=[common])
    channel_sub = channel.add_subparsers(dest="channel_command", required=True)
    add = channel_sub.add_parser("add", help="add a number", parents=[common])
    add.add_argument("--name", required=True, help="printable, up to 80 characters")
    add.add_argument("--provider", default="twilio")
    add.add_argument("--number", required=True, help="our number in E.164 (+15550001111)")
    add.add_argument("--account-sid", required=True)
    add.add_argument("--base-url", help="API base URL (for the simulator or a Twilio-compatible provider)")
    add.add_argument(
        "--auth-token-env", metavar="VAR", help="read the auth token from this environment variable at run time"
    )
    add.add_argument(
        "--provider-handles-opt-out",
        choices=["yes", "no"],
        default="yes",
        help="does the provider answer STOP/START/HELP itself? (Twilio does by default)",
    )
    add.add_argument("--help-text", help="reply to HELP/INFO, at most 1,600 characters (one provider message)")
    add.add_argument(
        "--poll-interval",
        type=duration(durations.POLL_INTERVAL),
        default=5.0,
        help=f"seconds between polls, {durations.POLL_INTERVAL.describe()} (default 5)",
    )
    add.set_defaults(func=cmd_channel_add)
    lst = channel_sub.add_parser("list", help="list numbers", parents=[common])
    lst.set_defaults(func=cmd_channel_list)

    send = sub.add_parser("send", help="queue a reply as an agent", parents=[common])
    send.add_argument("--channel", required=True)
    send.add_argument("--to", required=True)
    send.add_argument("text")
    send.set_defaults(func=cmd_send)

    convs = sub.add_parser("conversations", help="list conversations", parents=[common])
    convs.add_argument("--status", choices=[s.value for s in ConversationStatus] + ["all", "mine", "unassigned"])
    convs.add_argument("--limit", type=int, default=50)
    convs.set_defaults(func=cmd_conversations)

    show = sub.add_parser("show", help="a contact's thread", parents=[common])
    show.add_argument("contact", help="phone number or contact id")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(func=cmd_show)

    sync = sub.add_parser("sync", help="fetch, answer and send once", parents=[common])
    sync.add_argument("--once", action="store_true", help="one full cycle, then exit (non-zero on failure)")
    sync.set_defaults(func=cmd_sync)

    daemon = sub.add_parser("daemon", help="keep polling and sending until SIGTERM", parents=[common])
    daemon.add_argument(
        "--poll-interval",
        type=duration(durations.POLL_INTERVAL),
        help=f"seconds between polls, {durations.POLL_INTERVAL.describe()} (default: per channel)",
    )
    daemon.add_argument(
        "--lease-seconds",
        type=duration(durations.LEASE_PERIOD),
        default=15.0,
        help="leadership lease period: one daemon polls and sends; another takes over within "
        f"two periods of its death; {durations.LEASE_PERIOD.describe()} (default 15)",
    )
    daemon.set_defaults(func=cmd_daemon)

    status = sub.add_parser("status", help="provider health per channel", parents=[common])
    status.set_defaults(func=cmd_status)

    db = sub.add_parser("db", help="database maintenance", parents=[common])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations", parents=[common]).set_defaults(func=cmd_db_upgrade)

    from inbox.simulator import cli as simulator_cli

    sim = sub.add_parser("simulator", help="a Twilio-compatible SMS provider on loopback, for demos and tests")
    simulator_cli.build_parser(sim)
    sim.set_defaults(func=cmd_simulator)

    from inbox.cli import keywords as keywords_cli

    keywords_cli.register(sub, common)

    from inbox.cli import verify as verify_cli

    verify_cli.register(sub, common)

    from inbox.cli import engagement as engagement_cli

    engagement_cli.register(sub, common)

    from inbox.cli import seed as seed_cli

    seed_cli.register(sub, common)

    gui_commands = dict(gui_commands or {})
    from inbox.cli import reports as reports_cli

    reports_cli.register(sub, common, gui_commands)  # takes the PDF writer ("export") out of gui_commands

    if "demo" not in gui_commands:
        gui_commands["demo"] = ("headless demo: simulator + daemon + scripted customers", cmd_demo_headless)
    for name, (help_text, fn) in gui_commands.items():
        p = sub.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(func=fn)
        if name == "demo":
            p.add_argument("--headless", action="store_true", help="no window: print what happens")
    return parser


class _RedactingFormatter(logging.Formatter):
    """Log lines and tracebacks without SQL parameters or PostgreSQL DETAIL lines (customer data)."""

    def format(self, record: logging.LogRecord) -> str:
        from inbox.store.problems import redact

        return redact(super().format(record))


def configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Third-party request logs carry URLs with phone numbers (To=...): keep them out of INFO.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose < 3 else logging.DEBUG)


def main(argv: Sequence[str] | None = None, gui_commands: dict[str, tuple[str, GuiCommand]] | None = None) -> int:
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
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())  # nothing left to flush into a closed pipe at exit
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place no command may leak a traceback from
        return _failed(args, exc)


def _failed(args: argparse.Namespace, exc: Exception) -> int:
    """A database or environment problem: one line (what is wrong, what to do), exit code 1.

    Anything else is a bug: still one line, and the traceback (redacted) only with -vv.
    """
    from inbox.store import db as store_db
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
