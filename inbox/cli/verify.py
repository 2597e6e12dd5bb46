"""`inbox verify`: identity verification by one-time code (start, expect, status, cancel)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from inbox.cli.command import CliError, channel_id, database, duration, emit, refused
from inbox.core import durations, phone
from inbox.core.events import EventBus
from inbox.core.verification import CodePolicy


def _verifier(args: argparse.Namespace):
    from inbox.engine.verification import Verifier

    return Verifier(database(args), EventBus())


def _policy(args: argparse.Namespace) -> CodePolicy:
    try:
        return CodePolicy(length=args.length, lifetime=timedelta(minutes=args.lifetime))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _channel_id(args: argparse.Namespace, value: str | None) -> int | None:
    """A channel by id or by name."""
    if value is None:
        return None
    with database(args).read() as session:
        return channel_id(session, value)


def cmd_start(args: argparse.Namespace) -> int:
    from inbox.engine.verification import VerificationRefused

    try:
        challenge = _verifier(args).start(
            _channel_id(args, args.channel), args.to, args.purpose or "", args.agent, policy=_policy(args)
        )
    except VerificationRefused as exc:
        return refused(exc.reason)
    emit(
        args,
        challenge,
        lambda: print(
            f"Code queued for {phone.display(challenge.phone)} (verification {challenge.id}, send {challenge.sends} "
            f"of {challenge.max_sends}); it expires at {challenge.expires_at.astimezone():%H:%M}. "
            "It leaves with the next `inbox sync --once` or the running daemon."
        ),
    )
    return 0


def cmd_expect(args: argparse.Namespace) -> int:
    from inbox.engine.verification import VerificationRefused

    code = args.code
    if code == "-":
        code = sys.stdin.readline().strip()
    try:
        found = _verifier(args).expect(
            args.to, _channel_id(args, args.channel), code, args.purpose or "", args.agent, policy=_policy(args)
        )
    except VerificationRefused as exc:
        return refused(exc.reason)
    shown = None if args.code else found.code  # print a generated code once; never echo one we were given

    def human() -> None:
        if shown:
            print(f"Code to give the customer: {shown}")
        print(
            f"Waiting for {phone.display(found.challenge.phone)} to text it in "
            f"until {found.challenge.expires_at.astimezone():%H:%M} (verification {found.challenge.id})."
        )

    emit(args, {"challenge": found.challenge, "code": shown}, human)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from inbox.engine.verification import VerificationRefused

    try:
        status = _verifier(args).status(args.to, _channel_id(args, args.channel))
    except VerificationRefused as exc:
        raise CliError(exc.reason) from None
    emit(args, status, lambda: print(f"{phone.display(status.phone)}: {status.text}"))
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from inbox.engine.verification import VerificationRefused

    try:
        challenge = _verifier(args).cancel(args.to, _channel_id(args, args.channel), args.agent)
    except VerificationRefused as exc:
        raise CliError(exc.reason) from None
    when = datetime.now(UTC)
    emit(
        args,
        challenge,
        lambda: print(
            "Nothing pending." if challenge is None else f"Cancelled verification {challenge.id} ({when:%H:%M})."
        ),
    )
    return 0


def register(subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser) -> None:
    """Add `inbox verify ...` to the main parser."""
    verify = subparsers.add_parser("verify", help="identity verification by one-time code", parents=[common_parent])
    sub = verify.add_subparsers(dest="verify_command", required=True)

    def code_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--length", type=int, default=6, help="digits in a generated code, 6–10 (default 6)")
        p.add_argument(
            "--lifetime",
            type=duration(durations.CODE_LIFETIME),
            default=10.0,
            metavar="MINUTES",
            help=f"minutes a code lives, {durations.CODE_LIFETIME.describe()} (default 10)",
        )
        p.add_argument("--purpose", help="why (recorded in the audit trail), e.g. 'refund approval'")

    start = sub.add_parser("start", help="text a code to the customer; their reply verifies", parents=[common_parent])
    start.add_argument("--channel", required=True, help="channel id or name the code is sent on")
    start.add_argument("--to", required=True, help="the customer's number (E.164)")
    code_options(start)
    start.set_defaults(func=cmd_start)

    expect = sub.add_parser(
        "expect", help="wait for the customer to text in a code shown elsewhere", parents=[common_parent]
    )
    expect.add_argument("--to", required=True, help="the number the code must come from")
    expect.add_argument("--channel", help="only accept it on this channel (id or name; default: any)")
    expect.add_argument("--code", help="the code to expect ('-' reads stdin); default: generate and print one")
    code_options(expect)
    expect.set_defaults(func=cmd_expect)

    status = sub.add_parser("status", help="the number's verification state", parents=[common_parent])
    status.add_argument("--to", required=True)
    status.add_argument("--channel", help="channel id or name")
    status.set_defaults(func=cmd_status)

    cancel = sub.add_parser("cancel", help="cancel the number's pending verification", parents=[common_parent])
    cancel.add_argument("--to", required=True)
    cancel.add_argument("--channel", help="channel id or name")
    cancel.set_defaults(func=cmd_cancel)
