"""Command line of the simulator: `serve`, `text` (be a customer) and `phone` (read a handset).

The app's own CLI mounts this as `inbox simulator ...` through `build_parser` and `run`; with no
subcommand it serves, so `inbox simulator --port 8765 --account-sid AC... --number +1...` works.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading

from inbox.simulator.client import SimulatorClient, SimulatorError
from inbox.simulator.config import Faults, SimulatorConfig
from inbox.simulator.dialects import DIALECTS
from inbox.simulator.server import SimulatorServer

DEFAULT_URL = os.environ.get("INBOX_SIMULATOR_URL", "http://127.0.0.1:8765")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
NEEDS_ACCOUNT = frozenset({"twilio"})  # dialects whose requests name an account (checked on serve)
# Dialects whose requests name an account of any shape (Sinch: the service plan id in the path).
NAMES_ACCOUNT = frozenset({"sinch", "clicksend"})  # ClickSend: the username of Basic auth
# Dialects whose provider answers STOP/START/HELP itself by default (Infobip does not: a keyword
# auto-reply is something its customer configures), so `--opt-out-handling` defaults to off there.
ANSWERS_STOP = frozenset({"twilio"})


def _add_serve_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Serve options; on the parent parser they are SUPPRESSed so a subcommand's values win."""
    default = argparse.SUPPRESS if suppress else None

    def opt(*names: str, **kw: object) -> None:
        kw.setdefault("default", default)
        parser.add_argument(*names, **kw)  # type: ignore[arg-type]

    opt("--dialect", choices=sorted(DIALECTS), help="which provider's API to speak (default twilio)")
    opt("--host", help="address to bind (default 127.0.0.1; the control API answers loopback only)")
    opt("--port", type=int, help="port to listen on (default 8765; 0 picks a free one)")
    opt(
        "--account-sid",
        help="the provider's account identifier clients must use (Twilio: AC + 32 hex; ignored where there is none)",
    )
    opt("--auth-token", help="the secret clients must authenticate with (Twilio's auth token, Infobip's API key)")
    opt("--number", action="append", help="one of the account's numbers, E.164 (repeatable)")
    opt(
        "--opt-out-handling",
        choices=("on", "off"),
        help="the provider answers STOP/START/HELP, blocks opted-out numbers (default on for twilio, off for infobip)",
    )
    opt("--delivery-delay", type=float, help="seconds from queued to delivered (default 0.3)")
    opt("--undelivered-rate", type=float, help="fraction of sends ending undelivered")
    opt("--failed-rate", type=float, help="fraction of sends ending failed")
    opt("--fail-rate", type=float, help="fraction of API requests answered 500")
    opt("--latency-ms", type=int, help="delay added to every API request")
    opt("--rate-limit", type=float, help="API requests per second before 429")
    opt("--reset-rate", type=float, help="fraction of API requests whose connection is dropped after acting")
    opt("--garbage-rate", type=float, help="fraction of API requests answered with malformed JSON")
    opt("--seed", type=int, help="seed for every random draw (reproducible runs)")


def build_parser(parser: argparse.ArgumentParser) -> None:
    """Add the serve/text/phone subcommands (and the serve options, for no subcommand) to `parser`."""
    _add_serve_options(parser, suppress=True)
    parser.set_defaults(_sim_parser=parser)  # no subcommand: sim_command is None, which serves
    sub = parser.add_subparsers(dest="sim_command", metavar="{serve,text,phone}")
    serve = sub.add_parser("serve", help="run a provider simulator (Twilio unless --dialect) until interrupted")
    _add_serve_options(serve, suppress=False)
    serve.set_defaults(_sim_parser=serve)

    text = sub.add_parser("text", help="text one of our numbers as a customer's phone")
    text.add_argument("--url", default=DEFAULT_URL, help=f"simulator URL (default {DEFAULT_URL})")
    text.add_argument("--from", dest="from_number", required=True, help="the customer's phone, E.164")
    text.add_argument("--to", dest="to_number", required=True, help="our number, E.164")
    text.add_argument("body", help="the text")
    text.set_defaults(_sim_parser=text)

    phone = sub.add_parser("phone", help="show what a customer's phone received")
    phone.add_argument("--url", default=DEFAULT_URL, help=f"simulator URL (default {DEFAULT_URL})")
    phone.add_argument("--json", action="store_true", help="print JSON instead of text")
    phone.add_argument("number", help="the phone, E.164")
    phone.set_defaults(_sim_parser=phone)


def add_arguments(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Mount as a `simulator` subcommand of another CLI; `args.func(args)` runs it."""
    parser = subparsers.add_parser("simulator", help="the SMS provider simulator (Twilio, Infobip dialects)")
    build_parser(parser)
    parser.set_defaults(func=run)
    return parser


def _config(args: argparse.Namespace) -> SimulatorConfig:
    parser: argparse.ArgumentParser = args._sim_parser

    def get(name: str, default: object = None):  # type: ignore[no-untyped-def]
        value = getattr(args, name, None)
        return default if value is None else value

    dialect = get("dialect", "twilio")
    account_sid, token, numbers = get("account_sid"), get("auth_token"), get("number")
    if dialect in NEEDS_ACCOUNT:
        if not account_sid or not token or not numbers:
            parser.error("serving needs --account-sid, --auth-token and at least one --number")
        if not _ACCOUNT_SID.match(account_sid):
            parser.error("--account-sid must be AC followed by 32 hex digits")
    elif dialect in NAMES_ACCOUNT and (not account_sid or not token or not numbers):
        parser.error(f"serving the {dialect} dialect needs --account-sid, --auth-token and at least one --number")
    elif not token or not numbers:
        parser.error(f"serving the {dialect} dialect needs --auth-token (its API key) and at least one --number")
    try:
        faults = Faults().updated(
            {
                "fail_rate": get("fail_rate", 0.0),
                "latency_ms": get("latency_ms", 0),
                "rate_limit_per_s": get("rate_limit"),
                "reset_rate": get("reset_rate", 0.0),
                "garbage_rate": get("garbage_rate", 0.0),
            }
        )
    except ValueError as exc:
        parser.error(str(exc))
    return SimulatorConfig(
        account_sid=account_sid or "",
        auth_token=token,
        numbers=tuple(numbers),
        opt_out_handling=get("opt_out_handling", "on" if dialect in ANSWERS_STOP else "off") == "on",
        dialect=dialect,
        delivery_delay=get("delivery_delay", 0.3),
        undelivered_rate=get("undelivered_rate", 0.0),
        failed_rate=get("failed_rate", 0.0),
        seed=get("seed"),
        faults=faults,
    )


def _serve(args: argparse.Namespace) -> int:
    config = _config(args)
    host = getattr(args, "host", None) or "127.0.0.1"
    port = getattr(args, "port", None)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with SimulatorServer(config, host=host, port=8765 if port is None else port) as server:
        print(server.url, flush=True)
        stop.wait()
    return 0


def _print_phone(number: str, received: list[dict[str, object]], opted_out_from: list[str]) -> None:
    print(f"{number}: {len(received)} message(s) received")
    for item in received:
        print(f"  [{item['date']}] from {item['from']} ({item['status']}): {item['body']}")
    if opted_out_from:
        print(f"  opted out from: {', '.join(opted_out_from)}")


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; returns the process exit code."""
    command = getattr(args, "sim_command", None) or "serve"
    if command == "serve":
        return _serve(args)
    client = SimulatorClient(args.url)
    try:
        if command == "text":
            print(client.text(args.from_number, args.to_number, args.body))
            return 0
        state = client.phone_state(args.number)
    except (SimulatorError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(state, indent=2, ensure_ascii=False))
    else:
        _print_phone(args.number, state["received"], state["opted_out_from"])  # type: ignore[arg-type]
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inbox.simulator", description=__doc__.splitlines()[0])
    build_parser(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run(args)
