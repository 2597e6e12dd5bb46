"""`inbox seed`: fill a database with a large realistic inbox, for load tests and benchmarks."""

from __future__ import annotations

import argparse
import sys

from inbox.cli.command import CliError, database, emit


def cmd_seed(args: argparse.Namespace) -> int:
    from inbox.engine.sample.bulk import SeedError, SeedPlan, seed

    if args.conversations < 1 or args.messages < args.conversations:
        raise CliError("--messages must be at least --conversations (every conversation has a message)")
    plan = SeedPlan(
        conversations=args.conversations,
        messages=args.messages,
        channel_name=args.channel,
        long_thread=args.long_thread,
        random_seed=args.seed,
    )
    quiet = args.json

    def progress(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    try:
        report = seed(database(args), plan, progress)
    except SeedError as exc:
        raise CliError(str(exc)) from None
    emit(
        args,
        report,
        lambda: print(
            f"Seeded {report.conversations:,} conversations and {report.messages:,} messages on channel "
            f"{args.channel!r} in {report.seconds:.1f} s ({report.opted_out:,} opted-out contacts; "
            f"the {plan.long_thread:,}-message thread is conversation #{report.long_conversation_id})."
        ),
    )
    return 0


def register(subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser) -> None:
    """Add `inbox seed` to the command line."""
    p = subparsers.add_parser(
        "seed", help="generate a large realistic inbox (load tests, benchmarks)", parents=[common_parent]
    )
    p.add_argument("--conversations", type=int, default=100_000, help="how many (default 100,000)")
    p.add_argument("--messages", type=int, default=1_000_000, help="how many in all (default 1,000,000)")
    p.add_argument("--channel", default="seed", help="channel name to create and fill (default: seed)")
    p.add_argument("--long-thread", type=int, default=10_000, help="messages in the one long thread (default 10,000)")
    p.add_argument("--seed", type=int, default=6, help="random seed, for reproducible data")
    p.set_defaults(func=cmd_seed)
