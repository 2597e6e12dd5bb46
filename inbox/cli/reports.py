"""`inbox report|review|export|retention|contacts`: supervision and data governance.

Identity: `retention` and `contacts` use the usual `--agent NAME` (INBOX_AGENT). In
`report`, `review` and `export`, `--agent A` is a filter (conversations assigned to A), as in the
issue, so the person asking is given with `--as NAME` (default INBOX_AGENT, then USER).

PDF: Qt may only be imported by inbox.ui, so `export --format pdf` is handed to a writer that the
launcher mounts from inbox.ui.commands under the name "export"; `register` takes it out of the GUI
commands (so it is not mounted as a command of its own) and calls it for PDF only.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.cli.command import (
    Claim,
    CliError,
    add_global_options,
    channel_id,
    database,
    default_agent,
    duration,
    emit,
    guarded,
    moment,
)
from inbox.core import durations, phone
from inbox.core.models import ConversationStatus

GuiCommand = Callable[[argparse.Namespace], int]


def _zone(args: argparse.Namespace) -> tzinfo:
    if getattr(args, "tz", None):
        try:
            return ZoneInfo(args.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CliError(f"unknown time zone {args.tz!r} (e.g. Europe/Paris)") from None
    return datetime.now().astimezone().tzinfo or UTC


def _when(text: str | None, zone: tzinfo, *, end: bool) -> datetime | None:
    """A date (the whole day; `--to` is inclusive) or a date-time, in the viewer's zone."""
    parsed = moment(text, zone, day_end=end)
    return parsed.astimezone(UTC) if parsed else None


def _channel_id(db, value: str | None) -> int | None:
    with db.read() as s:
        return channel_id(s, value)


def _filter(args: argparse.Namespace, db, zone: tzinfo):
    from inbox.reports.filters import ReportFilter

    return ReportFilter(
        start=_when(args.since, zone, end=False),
        end=_when(args.until, zone, end=True),
        channel_id=_channel_id(db, args.channel),
        agent=args.agent,
        label=getattr(args, "label", None),
        conversation_id=getattr(args, "conversation", None),
    )


def _minutes(seconds: float | None) -> str:
    """A duration people read at a glance: minutes, then hours, then days."""
    if seconds is None:
        return "—"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


# -- report --------------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from inbox.reports import metrics

    db = database(args)
    zone = _zone(args)
    flt = _filter(args, db, zone)
    if args.by:
        rows = metrics.breakdown(db, args.actor, flt, args.by, tz=zone)
        emit(args, [{args.by: k, **_flat(m)} for k, m in rows], lambda: _print_breakdown(args.by, rows))
        return 0
    rep = metrics.report(db, args.actor, flt, period=args.period, tz=zone)
    emit(args, rep, lambda: _print_report(rep, zone))
    return 0


def _flat(m) -> dict[str, Any]:
    return asdict(m)


def _print_breakdown(by: str, rows) -> None:
    print(f"{by:20} {'MO':>6} {'MT':>6} {'1st resp (med)':>15} {'resp p90':>10} {'auto':>5}")
    for key, m in rows:
        print(
            f"{key:20} {m.mo:6} {m.mt:6} {_minutes(m.first_response.median):>15} "
            f"{_minutes(m.response.p90):>10} {_pct(m.automation_share):>5}"
        )


def _print_report(rep, zone: tzinfo) -> None:
    t = rep.total
    print(f"{t.start.astimezone(zone):%Y-%m-%d %H:%M} → {t.end.astimezone(zone):%Y-%m-%d %H:%M} ({rep.timezone})")
    if rep.period:
        print(f"\n{'period':12} {'MO':>6} {'MT':>6} {'new':>5} {'1st resp med':>13} {'resp p90':>10}")
        for b in rep.buckets:
            print(
                f"{b.start.astimezone(zone):%Y-%m-%d}   {b.mo:6} {b.mt:6} {b.new_conversations:5} "
                f"{_minutes(b.first_response.median):>13} {_minutes(b.response.p90):>10}"
            )
        print()
    print(f"Messages: {t.mo} in (MO), {t.mt} out (MT); {t.new_conversations} new conversation(s)")
    print(f"First response: median {_minutes(t.first_response.median)}, p90 {_minutes(t.first_response.p90)}")
    print(
        f"Response: median {_minutes(t.response.median)}, p90 {_minutes(t.response.p90)} ({t.response.count} answered)"
    )
    print(f"Resolution: median {_minutes(t.resolution.median)}, p90 {_minutes(t.resolution.p90)}")
    print(f"Replies: {t.agent_replies} by agents, {t.automated_replies} automated ({_pct(t.automation_share)})")
    print(f"Opt-outs {t.opt_outs}, opt-ins {t.opt_ins}")
    if t.verifications is not None:
        print(f"Verification: {t.verifications_succeeded}/{t.verifications} ({_pct(t.verification_success_rate)})")
    print(
        f"Delivery: {t.delivered} delivered, {t.undelivered} undelivered, {t.failed} failed "
        f"({_pct(t.delivery_success_rate)}); {t.segments_sent} segment(s) sent"
    )
    for r in t.failure_reasons[:5]:
        print(f"  {r.count:5} × {r.error_code or ''} {r.error_message or ''}")
    w = rep.waiting
    print(f"Waiting now: {w.conversations} conversation(s), oldest for {_minutes(w.oldest_wait_seconds)}")


# -- review --------------------------------------------------------------------------------------
def cmd_review(args: argparse.Namespace) -> int:
    from inbox.reports import review

    db = database(args)
    zone = _zone(args)
    flt = review.ReviewFilter(
        agent=args.agent,
        status=ConversationStatus(args.status) if args.status else None,
        label=args.label,
        channel_id=_channel_id(db, args.channel),
        waiting_longer_than=timedelta(minutes=args.waiting_min) if args.waiting_min is not None else None,
        no_reply_within=timedelta(minutes=args.no_reply_min) if args.no_reply_min is not None else None,
        opted_out=True if args.opted_out else None,
        reviewed={"yes": True, "no": False}.get(args.reviewed or ""),
        start=_when(args.since, zone, end=False),
        end=_when(args.until, zone, end=True),
        limit=args.limit,
    )
    items = review.queue(db, args.actor, flt)

    def human() -> None:
        if not items:
            print("No conversations match.")
        for it in items:
            c = it.conversation
            who = c.contact_name or phone.mask(c.contact_phone)
            flags = " [opted out]" if c.opted_out else ""
            reviewed = f" reviewed ×{it.reviews}" if it.reviews else ""
            print(
                f"#{c.id:<5} {c.status.value:9} {c.assignee or '(unassigned)':14} {who:24} "
                f"longest wait {_minutes(it.longest_wait_seconds)}{flags}{reviewed}"
            )

    emit(args, items, human)
    return 0


def cmd_review_note(args: argparse.Namespace) -> int:
    from inbox.reports import review

    note = review.add_note(database(args), args.actor, args.conversation_id, args.text)
    emit(args, note, lambda: print(f"Review note {note.id} added to conversation #{note.conversation_id}"))
    return 0


# -- export --------------------------------------------------------------------------------------
def _progress(args: argparse.Namespace) -> Callable[[int, int], None] | None:
    if args.json or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{done:,}/{total:,} rows", end="", file=sys.stderr, flush=True)

    return show


def make_export(pdf: GuiCommand | None) -> GuiCommand:
    def cmd_export(args: argparse.Namespace) -> int:
        from inbox.reports import exports

        if args.format == "pdf":
            if args.conversation is None:
                raise CliError("a PDF is one thread's transcript: give --conversation ID")
            if pdf is None:
                raise CliError("PDF export needs the desktop part of Inbox (PySide6): it is not available here")
            return pdf(args)
        db = database(args)
        zone = _zone(args)
        flt = _filter(args, db, zone)
        cancel = threading.Event()
        try:
            if args.what == "metrics":
                if args.format != "xlsx":
                    raise CliError("the metrics summary is exported as XLSX")
                result = exports.export_metrics(db, args.actor, flt, args.out, period=args.period, tz=zone)
            else:
                fn = exports.export_messages if args.what == "messages" else exports.export_conversations
                result = fn(db, args.actor, flt, args.format, args.out, _progress(args), cancel, tz=zone)
        except KeyboardInterrupt:
            cancel.set()
            raise
        if _progress(args):
            print(file=sys.stderr)
        emit(args, result, lambda: print(f"Wrote {result.rows:,} row(s) to {result.path}"))
        return 0

    return cmd_export


# -- retention and erasure -----------------------------------------------------------------------
def cmd_retention_set(args: argparse.Namespace) -> int:
    from inbox.reports import privacy

    privacy.set_retention_days(database(args), args.agent, None if args.forever else args.days)
    days = None if args.forever else args.days
    emit(args, {"retention_days": days}, lambda: print(f"Message text kept for {days or 'ever'} day(s)"))
    return 0


def cmd_retention_show(args: argparse.Namespace) -> int:
    from inbox.reports import privacy

    days = privacy.retention_days(database(args))
    emit(args, {"retention_days": days}, lambda: print(f"Retention: {f'{days} day(s)' if days else 'forever'}"))
    return 0


def cmd_retention_run(args: argparse.Namespace) -> int:
    from inbox.reports import privacy

    result = privacy.purge(database(args), args.agent)
    if result is None:
        emit(args, None, lambda: print("No retention period set (`inbox retention set --days N`): nothing purged."))
        return 0
    emit(
        args,
        result,
        lambda: print(f"Purged the text of {result.messages_purged:,} message(s) older than {result.cutoff:%Y-%m-%d}"),
    )
    return 0


def cmd_contacts_erase(args: argparse.Namespace) -> int:
    from inbox.reports import privacy

    if not args.yes:
        raise CliError("erasing cannot be undone: add --yes to confirm")
    try:
        result = privacy.erase_contact(database(args), args.agent, args.number)
    except phone.InvalidPhoneNumber as exc:
        raise CliError(str(exc)) from None
    kept = " The number stays on the opt-out (suppression) list." if result.phone_kept_for_suppression else ""
    emit(
        args,
        result,
        lambda: print(
            f"Erased contact #{result.contact_id}: {result.conversations_deleted} conversation(s), "
            f"{result.messages_deleted} message(s).{kept}"
        ),
    )
    return 0


# -- parser --------------------------------------------------------------------------------------
def _viewer_parent() -> argparse.ArgumentParser:
    """The global options without `--agent` (here a filter): `--as` says who is asking."""
    p = argparse.ArgumentParser(add_help=False)
    add_global_options(p, top=False, agent=False)
    p.add_argument(
        "--as",
        dest="actor",
        metavar="NAME",
        default=default_agent(),
        action=Claim,
        help="who is asking (default INBOX_AGENT): decides what you may see",
    )
    p.add_argument("--tz", metavar="ZONE", help="time zone for dates and times (default: this computer's)")
    return p


def _range_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="since", metavar="DATE", help="from this date (YYYY-MM-DD) or date-time")
    p.add_argument("--to", dest="until", metavar="DATE", help="up to and including this date")
    p.add_argument("--channel", metavar="N", help="channel name or id")
    p.add_argument("--agent", metavar="A", help="conversations assigned to this agent")
    p.add_argument("--label", metavar="L", help="conversations with this label")


def register(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser, gui_commands: dict[str, Any] | None = None
) -> None:
    """Add the commands; takes the PDF writer ("export") out of `gui_commands` if the launcher gave one."""
    pdf_entry = gui_commands.pop("export", None) if gui_commands is not None else None
    pdf = pdf_entry[1] if pdf_entry else None
    viewer = _viewer_parent()

    rep = sub.add_parser("report", help="response and engagement metrics", parents=[viewer])
    _range_args(rep)
    rep.add_argument("--period", choices=["day", "week", "month"], help="split the range into periods")
    rep.add_argument("--by", choices=["agent", "channel", "label"], help="compare agents, channels or labels")
    rep.set_defaults(func=guarded(cmd_report))

    rev = sub.add_parser("review", help="the supervisors' review queue", parents=[viewer])
    _range_args(rev)
    rev.add_argument("--status", choices=["open", "pending", "snoozed", "resolved"])
    age = duration(durations.REVIEW_AGE)
    rev.add_argument("--waiting-min", type=age, metavar="M", help="waiting now for more than M minutes (0–525600)")
    rev.add_argument("--no-reply-min", type=age, metavar="M", help="a customer waited more than M minutes (0–525600)")
    rev.add_argument("--opted-out", action="store_true", help="customers who opted out")
    rev.add_argument("--reviewed", choices=["yes", "no"])
    rev.add_argument("--limit", type=int, default=50)
    rev.set_defaults(func=guarded(cmd_review))
    rev_sub = rev.add_subparsers(dest="review_command")
    note = rev_sub.add_parser("note", help="leave a review note on a thread", parents=[viewer])
    note.add_argument("conversation_id", type=int)
    note.add_argument("text")
    note.set_defaults(func=guarded(cmd_review_note))

    exp = sub.add_parser(
        "export", help="conversations, messages or metrics as CSV/XLSX; a thread as PDF", parents=[viewer]
    )
    exp.add_argument("--format", choices=["csv", "xlsx", "pdf"], required=True)
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.add_argument("--what", choices=["messages", "conversations", "metrics"], default="messages")
    exp.add_argument("--conversation", type=int, metavar="ID", help="one conversation (required for PDF)")
    exp.add_argument("--period", choices=["day", "week", "month"], help="metrics: split into periods")
    _range_args(exp)
    exp.set_defaults(func=guarded(make_export(pdf)))

    ret = sub.add_parser("retention", help="how long message text is kept (admins)", parents=[common])
    ret_sub = ret.add_subparsers(dest="retention_command", required=True)
    rset = ret_sub.add_parser("set", help="set the retention period", parents=[common])
    group = rset.add_mutually_exclusive_group(required=True)
    group.add_argument("--days", type=int)
    group.add_argument("--forever", action="store_true")
    rset.set_defaults(func=guarded(cmd_retention_set))
    ret_sub.add_parser("show", help="the retention period", parents=[common]).set_defaults(
        func=guarded(cmd_retention_show)
    )
    ret_sub.add_parser("run", help="purge text older than the period", parents=[common]).set_defaults(
        func=guarded(cmd_retention_run)
    )

    con = sub.add_parser("contacts", help="customer data requests", parents=[common])
    con_sub = con.add_subparsers(dest="contacts_command", required=True)
    erase = con_sub.add_parser("erase", help="erase a customer's messages and identifiers (admins)", parents=[common])
    erase.add_argument("number", help="the customer's number (E.164)")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.set_defaults(func=guarded(cmd_contacts_erase))
