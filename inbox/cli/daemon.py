"""`inbox sync|daemon|status|db|simulator`: running the engine and looking after its database."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime

from inbox.cli.command import CliError, database, duration, emit
from inbox.core import durations
from inbox.core.events import EventBus
from inbox.simulator import cli as simulator_cli  # argparse and the stdlib only: cheap to import

log = logging.getLogger("inbox")

NARROWED = (
    "this login is an agent's on a team whose agents see only their own conversations: it cannot do the "
    "whole inbox's background work; run it with an admin's or a service login"
)


def cmd_sync(args: argparse.Namespace) -> int:
    if not args.once:
        raise CliError("use `inbox sync --once` for one cycle, or `inbox daemon` to keep running")
    from inbox.engine.leadership import Leadership
    from inbox.engine.runner import Runner

    db = database(args)
    leadership = Leadership(db)
    runner = Runner(db, leadership=leadership)
    try:
        report = runner.sync_once()
    finally:
        runner.pool.close()
        if leadership.is_leader:
            leadership.release()
    if leadership.waits_for_daemon:
        raise CliError(f"inbox sync: {NARROWED}")
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

    db = database(args, say_waiting=False)  # a daemon waits its turn quietly, again and again
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
    if leadership.waits_for_daemon:  # it would wait forever for itself
        runner.shutdown()
        raise CliError(f"inbox daemon: {NARROWED}")
    log.info("daemon running (pid %d); stop with Ctrl+C or SIGTERM", os.getpid())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        runner.shutdown()
        log.info("daemon stopped cleanly")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from inbox.engine.service import InboxService

    svc = InboxService(database(args), EventBus(), agent=args.agent)
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

    db = database(args)
    print(f"Database at revision {current(db.engine)}: {make_url(db.url).render_as_string(hide_password=True)}")
    return 0


def cmd_simulator(args: argparse.Namespace) -> int:
    return simulator_cli.run(args)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox sync`, `daemon`, `status`, `db` and `simulator` to the main parser."""
    sync = subparsers.add_parser("sync", help="fetch, answer and send once", parents=[common])
    sync.add_argument("--once", action="store_true", help="one full cycle, then exit (non-zero on failure)")
    sync.set_defaults(func=cmd_sync)

    daemon = subparsers.add_parser("daemon", help="keep polling and sending until SIGTERM", parents=[common])
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

    status = subparsers.add_parser("status", help="provider health per channel", parents=[common])
    status.set_defaults(func=cmd_status)

    db = subparsers.add_parser("db", help="database maintenance", parents=[common])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations", parents=[common]).set_defaults(func=cmd_db_upgrade)

    sim = subparsers.add_parser("simulator", help="a Twilio-compatible SMS provider on loopback, for demos and tests")
    simulator_cli.build_parser(sim)
    sim.set_defaults(func=cmd_simulator)
