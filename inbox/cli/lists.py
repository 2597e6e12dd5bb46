"""`inbox lists ...`: the subscription lists customers JOIN and LEAVE by keyword."""

from __future__ import annotations

import argparse

from inbox.cli.command import CliError, database, emit
from inbox.core import phone


def cmd_lists_add(args: argparse.Namespace) -> int:
    from inbox.store import lists

    db = database(args)
    try:
        with db.write() as s:
            lst = lists.create(s, args.name, double_opt_in=args.double_opt_in, description=args.description or "")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    emit(args, lst, lambda: print(f"Added list {lst.name}" + (" (double opt-in)" if lst.double_opt_in else "") + "."))
    return 0


def cmd_lists_list(args: argparse.Namespace) -> int:
    from inbox.store import lists

    db = database(args)
    with db.read() as s:
        found = [(lst, len(lists.members(s, lst.name, sendable_only=True))) for lst in lists.all_lists(s)]
    emit(
        args,
        [{"list": lst, "members": n} for lst, n in found],
        lambda: (
            [
                print(f"{lst.name:16} {n:>6} member(s){'  double opt-in' if lst.double_opt_in else ''}")
                for lst, n in found
            ]
            or print("No lists yet: `inbox lists add NEWS`.")
        ),
    )
    return 0


def cmd_lists_members(args: argparse.Namespace) -> int:
    from inbox.store import lists

    db = database(args)
    with db.read() as s:
        if lists.get(s, args.name) is None:
            raise CliError(f"no list named {args.name!r}")
        found = lists.members(s, args.name, sendable_only=not args.all)

    def human() -> None:
        for m in found:
            print(f"{phone.display(m.phone):20} {m.state:8} since {m.changed_at.astimezone():%Y-%m-%d %H:%M}")
        print(f"{len(found)} {'row(s)' if args.all else 'reachable member(s)'}")

    emit(args, found, human)
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox lists ...` to the main parser."""
    lst = subparsers.add_parser("lists", help="subscription lists (JOIN/LEAVE)", parents=[common])
    lsub = lst.add_subparsers(dest="lists_command", required=True)
    ladd = lsub.add_parser("add", help="create a list", parents=[common])
    ladd.add_argument("name")
    ladd.add_argument("--double-opt-in", action="store_true", help="members confirm with YES")
    ladd.add_argument("--description")
    ladd.set_defaults(func=cmd_lists_add)
    lsub.add_parser("list", help="lists and member counts", parents=[common]).set_defaults(func=cmd_lists_list)
    mem = lsub.add_parser("members", help="who is on a list", parents=[common])
    mem.add_argument("name")
    mem.add_argument("--all", action="store_true", help="include pending, left, opted-out and flagged")
    mem.set_defaults(func=cmd_lists_members)
