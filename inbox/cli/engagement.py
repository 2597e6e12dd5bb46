"""`inbox polls|surveys|contests|csat|broadcast|broadcasts ...`: engagement from a terminal.

Every command is a thin wrapper over the store and engine functions the desktop views use too.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from inbox.cli.command import CliError, channel, database, duration, emit, moment
from inbox.core import durations, phone, private_files
from inbox.core.engagement import PollRefused, parse_option, parse_question
from inbox.reports.cells import xlsx_text


def _now_second() -> datetime:
    """Providers date messages to the second: a poll opened "now" must accept a vote sent this second."""
    return datetime.now(UTC).replace(microsecond=0)


# -- polls ---------------------------------------------------------------------------------------------
def cmd_polls_create(args: argparse.Namespace) -> int:
    from inbox.store import polls

    db = database(args)
    try:
        options = [parse_option(o) for o in args.option]
        with db.write() as s:
            poll = polls.create(
                s,
                channel_id=channel(s, args.channel),
                question=args.question,
                options=options,
                opens_at=moment(args.opens) or _now_second(),
                closes_at=moment(args.closes),
                last_vote_counts=args.last_vote_counts,
            )
    except (PollRefused, ValueError) as exc:
        raise CliError(str(exc)) from None
    emit(args, asdict(poll), lambda: print(f"Created poll {poll.id}: {poll.question} ({poll.choices()})"))
    return 0


def cmd_polls_list(args: argparse.Namespace) -> int:
    from inbox.store import polls

    with database(args).read() as s:
        found = polls.all_polls(s)
    now = datetime.now(UTC)

    def human() -> None:
        for p in found:
            print(f"{p.id:>4}  {'open  ' if p.is_open(now) else 'closed'}  {p.question}  [{p.choices()}]")

    emit(args, [asdict(p) for p in found], human)
    return 0


def cmd_polls_results(args: argparse.Namespace) -> int:
    from inbox.store import polls

    with database(args).read() as s:
        results = polls.results(s, args.id)
    if results is None:
        raise CliError(f"no poll {args.id}")
    if args.csv or args.xlsx:
        rows = [("option", "label", "votes", "share")] + [
            (o.key, o.label, o.votes, round(o.share, 4)) for o in results.options
        ]
        _write_table(Path(args.csv or args.xlsx), rows, xlsx=bool(args.xlsx))

    def human() -> None:
        print(f"Poll {results.poll.id}: {results.poll.question} — {results.total} votes")
        for o in results.options:
            print(f"  {o.key:<6} {o.label:<20} {o.votes:>6}  {o.share:6.1%}")

    emit(args, asdict(results), human)
    return 0


def cmd_polls_close(args: argparse.Namespace) -> int:
    from inbox.store import polls

    with database(args).write() as s:
        closed = polls.close(s, args.id, datetime.now(UTC))
    emit(args, {"closed": closed}, lambda: print(f"Poll {args.id} closed." if closed else "Already closed."))
    return 0


def _write_table(path: Path, rows: list[tuple], *, xlsx: bool) -> None:
    private_files.reserve(path)  # answers and masked numbers: for the owner's eyes (0600)
    if xlsx:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        for row in rows:
            ws.append([xlsx_text(v) if isinstance(v, str) else v for v in row])
        wb.save(path)
        return
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


# -- surveys -------------------------------------------------------------------------------------------
def cmd_surveys_create(args: argparse.Namespace) -> int:
    from inbox.store import surveys

    db = database(args)
    try:
        questions = [parse_question(q) for q in args.question]
        with db.write() as s:
            survey = surveys.create(
                s,
                channel_id=channel(s, args.channel),
                name=args.name,
                questions=questions,
                trigger_keyword=args.keyword,
                timeout_seconds=int(args.timeout_minutes * 60),
            )
    except (PollRefused, ValueError) as exc:
        raise CliError(str(exc)) from None
    emit(args, {"id": survey.id}, lambda: print(f"Created survey {survey.id} ({len(questions)} questions)"))
    return 0


def cmd_surveys_invite(args: argparse.Namespace) -> int:
    from inbox.engine import engagement

    try:
        numbers = [phone.normalize(n) for n in args.to]
        started = engagement.invite(database(args), args.id, numbers)
    except ValueError as exc:  # a number that is not one, our own number, no such survey
        raise CliError(str(exc)) from None
    emit(args, {"started": started}, lambda: print(f"Invited {started} of {len(numbers)}; the daemon sends them."))
    return 0


def cmd_surveys_responses(args: argparse.Namespace) -> int:
    from inbox.store import surveys

    with database(args).read() as s:
        survey = surveys.get(s, args.id)
        rows = surveys.responses(s, args.id)
    if survey is None:
        raise CliError(f"no survey {args.id}")
    table = [("phone", "state", "started_at", *[q.text for q in survey.questions])]
    table += [(r.phone, r.state, r.started_at.isoformat(), *r.answers) for r in rows]
    if args.csv or args.xlsx:
        _write_table(Path(args.csv or args.xlsx), table, xlsx=bool(args.xlsx))

    def human() -> None:
        for r in rows:
            print(f"{phone.mask(r.phone):<16} {r.state:<10} " + " | ".join(a or "-" for a in r.answers))

    emit(args, [asdict(r) for r in rows], human)
    return 0


# -- contests ------------------------------------------------------------------------------------------
def cmd_contests_create(args: argparse.Namespace) -> int:
    from inbox.store import contests

    db = database(args)
    try:
        with db.write() as s:
            contest = contests.create(
                s,
                channel_id=channel(s, args.channel),
                name=args.name,
                keyword=args.keyword,
                uses_codes=args.codes,
                max_entries=args.max_entries,
                period_seconds=int(args.period_hours * 3600) if args.period_hours else None,
                opens_at=moment(args.opens) or _now_second(),
                closes_at=moment(args.closes),
            )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    emit(args, {"id": contest.id}, lambda: print(f"Created contest {contest.id}: {contest.name}"))
    return 0


def cmd_contests_import(args: argparse.Namespace) -> int:
    from inbox.store import contests

    source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", newline="")
    with source:
        codes = [row[0] for row in csv.reader(source) if row and row[0].strip().lower() != "code"]
    with database(args).write() as s:
        report = contests.import_codes(s, args.id, codes)
    emit(args, asdict(report), lambda: print(f"Imported {report.added} codes ({report.duplicates} duplicates)."))
    return 0


def cmd_contests_entrants(args: argparse.Namespace) -> int:
    from inbox.store import contests

    with database(args).read() as s:
        rows = contests.entrants(s, args.id)

    def human() -> None:
        for e in rows:
            print(
                f"contact {e.contact_id:>6}  {phone.mask(e.phone):<16} {e.entries} entries since {e.first_at:%Y-%m-%d}"
            )

    emit(args, [asdict(e) for e in rows], human)
    return 0


def cmd_contests_draw(args: argparse.Namespace) -> int:
    from inbox.engine.contests import draw_winners

    try:
        result = draw_winners(database(args), args.id, count=args.winners, actor=args.agent)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    emit(
        args,
        asdict(result),
        lambda: print(f"Draw {result.id}: winners (contact ids) {list(result.winners)}; seed {result.seed}"),
    )
    return 0


# -- CSAT ----------------------------------------------------------------------------------------------
def cmd_csat(args: argparse.Namespace) -> int:
    from inbox.store import csat

    with database(args).write() as s:
        setting = csat.configure(s, channel(s, args.channel), enabled=not args.off, prompt=args.prompt)
    emit(args, asdict(setting), lambda: print(f"CSAT {'on' if setting.enabled else 'off'}: {setting.prompt}"))
    return 0


# -- broadcasts ----------------------------------------------------------------------------------------
def cmd_broadcast(args: argparse.Namespace) -> int:
    from inbox.engine import broadcasts as engine
    from inbox.store import broadcasts as store

    kind = store.TRANSACTIONAL if args.transactional else store.MARKETING
    db = database(args)
    try:
        with db.read() as s:
            where = channel(s, args.channel)
            preview = engine.preview(
                s,
                channel_id=where,
                body=args.text,
                list_name=args.list,
                kind=kind,
                dlt_template_id=args.dlt_template,
            )
        if args.preview:
            c = preview.cost

            def human() -> None:
                print(f"{preview.recipients} recipients ({preview.excluded} excluded: opted out or flagged)")
                print(
                    f"{c.segments_each} segment(s) each ({c.encoding}), {c.total_segments} in all, ~{c.total_cost:.2f}"
                )
                print(f"{preview.deferred_now} would wait for quiet hours to end if sent now")
                print("e.g. " + ", ".join(preview.sample))

            emit(args, asdict(preview), human)
            return 0
        bc = engine.create(
            db,
            channel_id=where,
            body=args.text,
            created_by=args.agent,
            list_name=args.list,
            kind=kind,
            at=moment(args.at),
            dlt_template_id=args.dlt_template,
        )
    except engine.BroadcastRefused as exc:
        raise CliError(str(exc)) from None
    emit(
        args,
        asdict(bc),
        lambda: print(f"Broadcast {bc.id} to {preview.recipients} recipients, due {bc.scheduled_at:%Y-%m-%d %H:%M %Z}"),
    )
    return 0


def cmd_broadcasts(args: argparse.Namespace) -> int:
    from inbox.store import broadcasts as store

    with database(args).read() as s:
        stats = [store.stats(s, b.id) for b in store.all_broadcasts(s)]

    def human() -> None:
        for st in stats:
            b = st.broadcast
            print(
                f"{b.id:>4} {b.status:<11} {st.progress:6.1%}  {st.recipients} recipients: {st.delivered} delivered, "
                f"{st.failed} failed, {st.queued} waiting ({st.deferred_quiet_hours} quiet hours), "
                f"{st.repliers} replied, {st.opt_outs} opted out  — {b.body[:40]!r}"
            )

    emit(args, [asdict(st) | {"progress": st.progress} for st in stats], human)
    return 0


def _control(action: str):
    def run(args: argparse.Namespace) -> int:
        from inbox.engine import broadcasts as engine

        try:
            count = getattr(engine, action)(database(args), args.id, args.agent)
        except engine.BroadcastRefused as exc:
            raise CliError(str(exc)) from None
        emit(args, {action: count}, lambda: print(f"Broadcast {args.id}: {action} ({count} messages)"))
        return 0

    return run


def cmd_send_settings(args: argparse.Namespace) -> int:
    from inbox.store import broadcasts as store

    with database(args).write() as s:
        where = channel(s, args.channel)
        settings = store.configure_sending(
            s,
            where,
            rate_per_second=args.rate,
            price_per_segment=args.price,
            dlt_entity_id=args.dlt_entity,
            dlt_sender_id=args.dlt_sender,
        )
        if args.dlt_template:
            template_id, category, body = args.dlt_template
            store.add_dlt_template(s, where, template_id, body, category)
        if args.quiet_hours:
            region, start, end = args.quiet_hours
            store.set_quiet_hours(s, region, start, end, args.timezone)
    emit(args, asdict(settings), lambda: print(f"Channel {where}: {settings}"))
    return 0


def register(subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser) -> None:
    """Add the engagement commands to the main parser."""
    c = [common_parent]
    polls = subparsers.add_parser("polls", help="text-in polls", parents=c).add_subparsers(
        dest="polls_command", required=True
    )
    p = polls.add_parser("create", help="open a poll on a channel", parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--question", required=True)
    p.add_argument("--option", action="append", required=True, help='KEY="Label" (repeat), e.g. A="Pizza"')
    p.add_argument("--opens", help="ISO time (default now)")
    p.add_argument("--closes", help="ISO time (default: until closed)")
    p.add_argument("--last-vote-counts", action="store_true", help="a second vote replaces the first")
    p.set_defaults(func=cmd_polls_create)
    polls.add_parser("list", parents=c).set_defaults(func=cmd_polls_list)
    p = polls.add_parser("results", help="counts and shares (CSV/XLSX export)", parents=c)
    p.add_argument("id", type=int)
    p.add_argument("--csv", metavar="FILE")
    p.add_argument("--xlsx", metavar="FILE")
    p.set_defaults(func=cmd_polls_results)
    p = polls.add_parser("close", parents=c)
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_polls_close)

    surveys = subparsers.add_parser("surveys", help="multi-question SMS surveys", parents=c).add_subparsers(
        dest="surveys_command", required=True
    )
    p = surveys.add_parser("create", parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--keyword", help="the word that starts it")
    p.add_argument(
        "--question",
        action="append",
        required=True,
        help="choice:TEXT:A=Yes,B=No | number:TEXT:0-10 | text:TEXT (repeat, in order)",
    )
    p.add_argument(
        "--timeout-minutes",
        type=duration(durations.SURVEY_TIMEOUT),
        default=1440.0,
        help=f"an unfinished survey expires, {durations.SURVEY_TIMEOUT.describe()} (default 1440)",
    )
    p.set_defaults(func=cmd_surveys_create)
    p = surveys.add_parser("invite", help="send the first question to these numbers", parents=c)
    p.add_argument("id", type=int)
    p.add_argument("--to", action="append", required=True)
    p.set_defaults(func=cmd_surveys_invite)
    p = surveys.add_parser("responses", help="one row per respondent (CSV/XLSX export)", parents=c)
    p.add_argument("id", type=int)
    p.add_argument("--csv", metavar="FILE")
    p.add_argument("--xlsx", metavar="FILE")
    p.set_defaults(func=cmd_surveys_responses)

    contests = subparsers.add_parser("contests", help="keyword and code contests", parents=c).add_subparsers(
        dest="contests_command", required=True
    )
    p = contests.add_parser("create", parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--keyword")
    p.add_argument("--codes", action="store_true", help="entries need a single-use code (import-codes)")
    p.add_argument("--max-entries", type=int, default=1, help="per contact per period (default 1)")
    p.add_argument(
        "--period-hours",
        type=duration(durations.CONTEST_PERIOD),
        help=f"the limit's period, {durations.CONTEST_PERIOD.describe()} (default: the whole contest)",
    )
    p.add_argument("--opens")
    p.add_argument("--closes")
    p.set_defaults(func=cmd_contests_create)
    p = contests.add_parser("import-codes", help="CSV, first column (header 'code' skipped)", parents=c)
    p.add_argument("id", type=int)
    p.add_argument("file", help="CSV file or - for stdin")
    p.set_defaults(func=cmd_contests_import)
    p = contests.add_parser("entrants", parents=c)
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_contests_entrants)
    p = contests.add_parser("draw", help="random winners, seed recorded for audit", parents=c)
    p.add_argument("id", type=int)
    p.add_argument("--winners", type=int, default=1)
    p.set_defaults(func=cmd_contests_draw)

    p = subparsers.add_parser("csat", help='ask "Rate us 1-5" after a conversation is resolved', parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--off", action="store_true")
    p.add_argument("--prompt")
    p.set_defaults(func=cmd_csat)

    p = subparsers.add_parser("broadcast", help="send a message to a subscription list", parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--list", required=True)
    p.add_argument("--at", help="ISO time to send (default now; the daemon sends it)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--marketing", action="store_true", help="(default) respects recipients' quiet hours")
    kind.add_argument("--transactional", action="store_true", help="may be sent during quiet hours")
    p.add_argument("--dlt-template", help="registered DLT template id (India)")
    p.add_argument("--preview", "--dry-run", action="store_true", help="recipients, segments and cost; send nothing")
    p.add_argument("text")
    p.set_defaults(func=cmd_broadcast)

    bcs = subparsers.add_parser("broadcasts", help="broadcasts with progress and results", parents=c)
    bcs.set_defaults(func=cmd_broadcasts)
    bsub = bcs.add_subparsers(dest="broadcasts_command")
    for action in ("pause", "resume", "cancel"):
        p = bsub.add_parser(action, parents=c)
        p.add_argument("id", type=int)
        p.set_defaults(func=_control(action))

    p = subparsers.add_parser("send-settings", help="per-channel rate, price, DLT identity, quiet hours", parents=c)
    p.add_argument("--channel", required=True)
    p.add_argument("--rate", type=duration(durations.SEND_RATE), help=durations.SEND_RATE.describe())
    p.add_argument("--price", type=float, help="price per segment, for estimates")
    p.add_argument("--dlt-entity", help="India DLT principal entity ID")
    p.add_argument("--dlt-sender", help="India DLT header / sender ID")
    p.add_argument("--dlt-template", nargs=3, metavar=("ID", "CATEGORY", "TEXT"), help="register a DLT template")
    p.add_argument("--quiet-hours", nargs=3, metavar=("REGION", "START", "END"), help='allowed window, "*" = default')
    p.add_argument("--timezone", help="with --quiet-hours: the zone to use for that region")
    p.set_defaults(func=cmd_send_settings)
