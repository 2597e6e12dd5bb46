"""`inbox channel add|list|edit|remove|test|set`: the provider numbers Inbox polls and sends
from, and how their new conversations are assigned.

Adding, editing and removing go through `engine/setup`, the doors the desktop's set-up and
Settings ▸ Channels use too: they validate, write the audit entry and publish the events. Before a
channel is saved, its account is asked whether the token works and it owns the number (the
connection test); `--no-check` saves without asking (set-up offline).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from inbox.cli.command import CliError, database, duration, emit, refused
from inbox.core import durations, phone, terminal

if TYPE_CHECKING:
    from inbox.engine.setup import Removal


def cmd_channel_add(args: argparse.Namespace) -> int:
    from inbox.engine import credentials, setup  # the engine, only when a command needs it

    if args.region is not None:
        args.base_url = _region_url(args)
    try:  # the engine's own checks, everything that needs no database, before asking for a token
        number = setup.check_number(args.number)
        setup.check_provider(args.provider)
        account = setup.account_for(args.provider, args.account_sid, args.base_url)
        setup.check_account_sid(account, strict=args.base_url is None and args.provider == "twilio")
        setup.check_name(args.name)
        setup.check_base_url(args.base_url, args.provider)
        setup.check_help_text(args.help_text or "")
        setup.check_dlt_id(args.dlt_entity_id)
        setup.check_dlt_id(args.dlt_sender)
        setup.check_dlt_id(args.dlt_telemarketer_id)
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    secret = _secret_name(args.provider)
    handles = args.provider_handles_opt_out or ("yes" if setup.provider_answers_stop(args.provider) else "no")
    store_token = None
    if args.auth_token_env:
        ref, token = _env_token(args.auth_token_env)
    else:
        token = _typed_token(secret)
        ref = credentials.keyring_ref()
        store_token = lambda: credentials.store_in_keyring(account, token)  # noqa: E731
    _check(args, account, token, number, args.base_url, args.auth_token_env, args.provider)
    db = database(args)
    with _refusals():
        ch = setup.add_channel(
            db,
            name=args.name,
            provider=args.provider,
            number=number,
            account_sid=account,
            base_url=args.base_url,
            auth_token_ref=ref,
            provider_handles_opt_out=handles == "yes",
            dlt_entity_id=args.dlt_entity_id,
            dlt_sender_id=args.dlt_sender,
            dlt_telemarketer_id=args.dlt_telemarketer_id,
            help_text=args.help_text or "",
            poll_interval_seconds=args.poll_interval,
            store_token=store_token,
            actor="admin",
        )
    emit(args, ch, lambda: print(f"Added channel {ch.name} ({phone.display(ch.number)}, {ch.provider})"))
    return 0


@contextmanager
def _refusals() -> Iterator[None]:
    """What the engine refuses while saving a channel, as the one-line CliError (exit 2)."""
    from inbox.engine import credentials, setup

    try:
        yield
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    except credentials.MissingCredentials as exc:
        raise CliError(str(exc)) from None


def _env_token(var: str) -> tuple[str, str | None]:
    """The reference for a token in `var`, and the token if the variable is set here."""
    from inbox.engine import credentials, setup

    try:
        ref = credentials.env_ref(setup.check_env_var(var))
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    return ref, os.environ.get(var) or None


def _typed_token(secret: str = "auth token") -> str:
    """A token typed at a hidden prompt, or the first line of stdin when it is not a terminal;
    `secret` is what the provider calls it ("API key", "password"…)."""
    token = (
        getpass.getpass(f"{secret[:1].upper()}{secret[1:]}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    )
    if not token:
        raise CliError(f"no {secret} given (type it, pipe it on stdin, or use --auth-token-env VAR)")
    return token


def _check(
    args: argparse.Namespace,
    sid: str,
    token: str | None,
    number: str,
    base_url: str | None,
    var: str | None,
    provider: str = "twilio",
):
    """The connection test before anything is saved: the account answers with this token and owns
    the number. A failure refuses the command (exit 2, nothing saved); without a token to try (a
    variable not set here) it is said and skipped."""
    from inbox.engine import setup

    if args.no_check:
        return
    if token is None:
        print(
            f"warning: {var} is not set in this environment, so the account and number were not checked: "
            "run `inbox channel test NAME` once it is",
            file=sys.stderr,
        )
        return
    try:
        sentence = setup.check_connection(sid, token, number, base_url, provider)
    except setup.ConnectionFailed as exc:
        raise CliError(
            f"connection test failed: {exc.reason}. Nothing was saved (--no-check saves without asking the provider)"
        ) from None
    if not getattr(args, "json", False):
        print(sentence)


# Where a channel without a base URL is served from, for `channel list`.
DEFAULT_HOSTS = {"sinch": "us.sms.api.sinch.com", "clicksend": "rest.clicksend.com"}


def _secret_name(provider: str) -> str:
    """What the provider calls the channel's secret, as the desktop's set-up form says it
    (``core/provider_forms``): "auth token", "API key", "API token", "password"."""
    from inbox.core import provider_forms

    return provider_forms.secret_name(provider)


def _region_url(args: argparse.Namespace) -> str:
    """--region (Sinch: us, eu, au, br, ca) as the API's base URL; --base-url wins over it."""
    if args.provider != "sinch":
        raise CliError("--region is for Sinch channels (the others take --base-url)")
    if args.base_url:
        raise CliError("give either --region or --base-url, not both")
    from inbox.providers.sinch import base_url_for

    try:
        return base_url_for(args.region)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_channel_list(args: argparse.Namespace) -> int:
    from inbox.store import channels

    db = database(args)
    with db.read() as s:
        found = channels.all_active(s) if not args.all else channels.every(s)

    def human() -> None:
        if not found:
            print("No channels yet: add one with `inbox channel add`.")
        for ch in found:
            handled = "provider answers STOP/HELP" if ch.provider_handles_opt_out else "Inbox answers STOP/HELP"
            where = ch.base_url or DEFAULT_HOSTS.get(ch.provider, "api.twilio.com")
            removed = "  REMOVED (history kept)" if not ch.active else ""
            print(f"{ch.name:20} {phone.display(ch.number):18} {ch.provider:8} {where}  ({handled}){removed}")

    emit(args, found, human)
    return 0


def cmd_channel_edit(args: argparse.Namespace) -> int:
    from inbox.engine import credentials, setup

    given = ("name", "number", "account_sid", "base_url", "auth_token_env", "provider_handles_opt_out", "help_text")
    if all(getattr(args, k) is None for k in given) and args.poll_interval is None and not args.new_token:
        raise CliError("nothing to change: give what to change, e.g. --number or --new-token (see --help)")
    db = database(args)
    try:
        current = setup.find_channel(db, args.channel)
        if not current.active:
            raise setup.SetupRefused(f"Channel {current.name} was removed; add a new channel instead")
        url = current.base_url if args.base_url is None else setup.check_base_url(args.base_url)
        sid = (
            current.account_sid
            if args.account_sid is None
            else setup.check_account_sid(args.account_sid, strict=url is None)
        )
        number = current.number if args.number is None else setup.check_number(args.number)
        if args.name is not None:
            setup.check_name(args.name)
        if args.help_text is not None:
            setup.check_help_text(args.help_text)
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    ref, token, store_token = None, None, None
    if args.auth_token_env:
        ref, token = _env_token(args.auth_token_env)
    elif args.new_token:
        token = _typed_token(_secret_name(current.provider))
        ref = credentials.keyring_ref()
        store_token = lambda: credentials.store_in_keyring(sid, token)  # noqa: E731
    reaches = (sid, number, url, ref) != (current.account_sid, current.number, current.base_url, None)
    if reaches:  # the account, number, address or token changes: ask the provider first
        if token is None:
            try:
                token = credentials.resolve(ref or current.auth_token_ref, sid)
            except credentials.MissingCredentials:
                token = None
        _check(args, sid, token, number, url, args.auth_token_env or ref or current.auth_token_ref, current.provider)
    with _refusals():
        ch = setup.edit_channel(
            db,
            current.id,
            name=args.name,
            number=args.number,
            account_sid=args.account_sid,
            base_url=args.base_url if args.base_url is not None else setup.KEEP,
            auth_token_ref=ref,
            provider_handles_opt_out=None
            if args.provider_handles_opt_out is None
            else args.provider_handles_opt_out == "yes",
            help_text=args.help_text,
            poll_interval_seconds=args.poll_interval,
            store_token=store_token,
            actor="admin",
        )
    emit(args, ch, lambda: print(f"Saved channel {ch.name} ({phone.display(ch.number)})"))
    return 0


def _consequences(removal: Removal) -> str:
    convs = f"{removal.conversations} conversation(s) stay readable (history, search, exports)"
    queued = (
        f"; {removal.failed_queued} queued message(s) will not be sent (marked failed)" if removal.failed_queued else ""
    )
    return f"{convs}, but no texts arrive or leave through it any more{queued}. Its token stays where it is."


def cmd_channel_remove(args: argparse.Namespace) -> int:
    from inbox.engine import setup

    db = database(args)
    try:
        current = setup.find_channel(db, args.channel)
        if not current.active:
            raise setup.SetupRefused(f"Channel {current.name} was already removed")
        preview = setup.removal_preview(db, current.id)
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(f"removing channel {current.name} needs confirmation: add --yes (no terminal to ask on)")
        print(f"Remove channel {current.name} ({phone.display(current.number)})? {_consequences(preview)}")
        answer = input(f"Type the channel's name ({current.name}) to remove it: ")
        if answer.strip() != current.name:
            print("Not removed.")
            return 1
    try:
        done = setup.remove_channel(db, current.id, actor="admin")
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    emit(
        args,
        {"channel": done.channel, "conversations_kept": done.conversations, "queued_failed": done.failed_queued},
        lambda: print(f"Removed channel {done.channel.name}. {_consequences(done)}"),
    )
    return 0


def cmd_channel_test(args: argparse.Namespace) -> int:
    from inbox.engine import credentials, setup

    db = database(args)
    try:
        current = setup.find_channel(db, args.channel)
        sentence = setup.test_channel(current)
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    except credentials.MissingCredentials as exc:
        raise CliError(f"channel {current.name}: {exc}") from None
    except setup.ConnectionFailed as exc:
        if getattr(args, "json", False):
            print(terminal.json_safe(json.dumps({"ok": False, "error": exc.reason}, ensure_ascii=False)))
        print(f"inbox: channel {current.name}: {exc.reason}", file=sys.stderr)
        return 1
    emit(args, {"ok": True, "detail": sentence}, lambda: print(f"{current.name}: {sentence}"))
    return 0


def cmd_channel_set(args: argparse.Namespace) -> int:
    from inbox.core.presence import InvalidAssignmentSetting
    from inbox.engine import assignment
    from inbox.store.agents import PermissionDenied, UnknownAgent

    db = database(args)
    try:
        saved = assignment.configure(
            db,
            args.name,
            auto_assign=None if args.auto_assign is None else args.auto_assign == "on",
            capacity=args.capacity,
            when_offline=args.when_offline,
            assign_on_reply=args.assign_on_reply,
            actor=args.agent,
        )
    except (InvalidAssignmentSetting, assignment.ChannelNotFound) as exc:
        raise CliError(str(exc)) from None
    except (PermissionDenied, UnknownAgent) as exc:
        return refused(str(exc), args)

    def human() -> None:
        state = "on" if saved.auto_assign else "off"
        print(
            f"Channel {terminal.visible(args.name)}: auto-assign {state}, capacity {saved.capacity} open "
            f"per agent, when an agent goes offline: {saved.when_offline.value}; "
            f"replying to an unassigned conversation assigns it: {'yes' if saved.assign_on_reply else 'no'}"
        )

    emit(args, saved, human)
    return 0


NO_CHECK = "--no-check"
NO_CHECK_HELP = "save without asking the provider whether the token works and the account owns the number"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox channel ...` to the main parser."""
    channel = subparsers.add_parser("channel", help="provider numbers", parents=[common])
    channel_sub = channel.add_subparsers(dest="channel_command", required=True)
    add = channel_sub.add_parser("add", help="add a number", parents=[common])
    add.add_argument("--name", required=True, help="printable, up to 80 characters")
    add.add_argument(
        "--provider",
        default="twilio",
        help="twilio (default), infobip, sinch, clicksend, textlocal, android-gateway, or an adapter "
        "installed through the entry point",
    )
    add.add_argument("--number", required=True, help="our number in E.164 (+15550001111)")
    add.add_argument(
        "--account-sid",
        help="the provider's account id (Twilio: AC…; Sinch: the service plan id; ClickSend: the username; "
        "SMS Gateway for Android: the app's user; Infobip: none, the base URL's host)",
    )
    add.add_argument("--region", help="Sinch: the region of your service plan, us (default), eu, au, br or ca")
    add.add_argument(
        "--base-url", help="API base URL (the simulator, a Twilio-compatible provider, your Infobip account's own URL)"
    )
    add.add_argument(
        "--auth-token-env",
        "--api-key-env",
        metavar="VAR",
        help="read the auth token (Infobip: the API key) from this environment variable at run time",
    )
    add.add_argument(
        "--provider-handles-opt-out",
        choices=["yes", "no"],
        help="does the provider answer STOP/START/HELP itself? (default: yes for Twilio, no for Infobip)",
    )
    add.add_argument(
        "--inbox-id",
        dest="account_sid",
        help="Textlocal: the inbox the channel reads (get_inboxes; --test-connection lists them)",
    )
    add.add_argument("--dlt-entity-id", help="India DLT principal entity (PE) ID of this sender")
    add.add_argument("--sender", "--dlt-sender", dest="dlt_sender", help="India DLT header (sender ID) to send from")
    add.add_argument(
        "--dlt-telemarketer-id", help="India DLT telemarketer ID, where your provider gave you one (Infobip sends it)"
    )
    add.add_argument(
        "--test-connection",
        action="store_true",
        help="ask the provider first and add nothing if it refuses (the default now; kept for scripts)",
    )
    add.add_argument("--help-text", help="reply to HELP/INFO, at most 1,600 characters (one provider message)")
    add.add_argument(
        "--poll-interval",
        type=duration(durations.POLL_INTERVAL),
        default=5.0,
        help=f"seconds between polls, {durations.POLL_INTERVAL.describe()} (default 5)",
    )
    add.add_argument(NO_CHECK, action="store_true", help=NO_CHECK_HELP)
    add.set_defaults(func=cmd_channel_add)
    lst = channel_sub.add_parser("list", help="list numbers", parents=[common])
    lst.add_argument("--all", action="store_true", help="removed channels too (their history is kept)")
    lst.set_defaults(func=cmd_channel_list)
    edit = channel_sub.add_parser(
        "edit", help="change a channel's name, number, credentials or settings", parents=[common]
    )
    edit.add_argument("channel", help="the channel's name (see `inbox channel list`)")
    edit.add_argument("--name", help="a new name: printable, up to 80 characters")
    edit.add_argument("--number", help="our number in E.164 (+15550001111) or a 5-6 digit short code")
    edit.add_argument("--account-sid")
    edit.add_argument("--base-url", help="API base URL; empty for Twilio's own")
    token = edit.add_mutually_exclusive_group()
    token.add_argument("--auth-token-env", metavar="VAR", help="read the auth token from this environment variable")
    token.add_argument(
        "--new-token", action="store_true", help="type a new auth token (or pipe it on stdin): kept in the OS keyring"
    )
    edit.add_argument("--provider-handles-opt-out", choices=["yes", "no"], help="who answers STOP/START/HELP")
    edit.add_argument("--help-text", help="reply to HELP/INFO, at most 1,600 characters; empty for the default")
    edit.add_argument(
        "--poll-interval",
        type=duration(durations.POLL_INTERVAL),
        help=f"seconds between polls, {durations.POLL_INTERVAL.describe()}",
    )
    edit.add_argument(NO_CHECK, action="store_true", help=NO_CHECK_HELP)
    edit.set_defaults(func=cmd_channel_edit)
    rm = channel_sub.add_parser(
        "remove", help="stop polling and sending from a channel; its conversations stay readable", parents=[common]
    )
    rm.add_argument("channel", help="the channel's name (see `inbox channel list`)")
    rm.add_argument("--yes", action="store_true", help="remove without asking (needed without a terminal)")
    rm.set_defaults(func=cmd_channel_remove)
    test = channel_sub.add_parser(
        "test", help="ask the provider whether the token works and the account owns the number", parents=[common]
    )
    test.add_argument("channel", help="the channel's name (see `inbox channel list`)")
    test.set_defaults(func=cmd_channel_test)
    st = channel_sub.add_parser("set", help="change how a channel assigns new conversations", parents=[common])
    st.add_argument("name", help="the channel's name (see `inbox channel list`)")
    st.add_argument(
        "--auto-assign",
        choices=["on", "off"],
        help="assign new and reopened conversations round robin to agents who are online (default off)",
    )
    st.add_argument("--capacity", metavar="N", help="open conversations an agent holds before being skipped (1-1000)")
    st.add_argument(
        "--when-offline",
        metavar="keep|unassign",
        help="what happens to an agent's open conversations when they go offline (default keep)",
    )
    st.add_argument(
        "--assign-on-reply",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="replying to an unassigned conversation assigns it to whoever replied (default: no)",
    )
    st.set_defaults(func=cmd_channel_set)
