"""`inbox channel add|list|set`: the provider numbers Inbox polls and sends from, and how their
new conversations are assigned.

Adding goes through `engine/setup.add_channel`, the door the desktop's set-up uses too: it
validates, writes the audit entry and publishes `ChannelHealthChanged`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from inbox.cli.command import CliError, database, duration, emit, refused
from inbox.core import durations, phone, terminal


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
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    secret = SECRET_NAMES.get(args.provider, "Auth token")
    handles = args.provider_handles_opt_out or ("yes" if setup.provider_answers_stop(args.provider) else "no")
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
            token = getpass.getpass(f"{secret}: ")
        else:
            token = sys.stdin.readline().strip()
        if not token:
            raise CliError(f"no {secret.lower()} given (type it, pipe it on stdin, or use --auth-token-env VAR)")
        ref = credentials.keyring_ref()
        store_token = lambda: credentials.store_in_keyring(account, token)  # noqa: E731
    if args.test_connection:
        try:
            said = setup.check_connection(
                account,
                token if not args.auth_token_env else os.environ.get(args.auth_token_env, ""),
                number,
                args.base_url,
                args.provider,
            )
        except setup.ConnectionFailed as exc:
            raise CliError(f"connection test failed: {exc}; nothing was added") from None
        print(said, file=sys.stderr)
    db = database(args)
    try:
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
            help_text=args.help_text or "",
            poll_interval_seconds=args.poll_interval,
            store_token=store_token,
            actor="admin",
        )
    except setup.SetupRefused as exc:
        raise CliError(exc.reason) from None
    except credentials.MissingCredentials as exc:
        raise CliError(str(exc)) from None
    emit(args, ch, lambda: print(f"Added channel {ch.name} ({phone.display(ch.number)}, {ch.provider})"))
    return 0


# Where a channel without a base URL is served from, for `channel list`.
DEFAULT_HOSTS = {"sinch": "us.sms.api.sinch.com", "clicksend": "rest.clicksend.com"}
SECRET_NAMES = {
    "infobip": "API key",
    "sinch": "API token",
    "clicksend": "API key",
    "textlocal": "API key",
    "android-gateway": "Password",
}


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
        found = channels.all_active(s)

    def human() -> None:
        if not found:
            print("No channels yet: add one with `inbox channel add`.")
        for ch in found:
            handled = "provider answers STOP/HELP" if ch.provider_handles_opt_out else "Inbox answers STOP/HELP"
            where = ch.base_url or DEFAULT_HOSTS.get(ch.provider, "api.twilio.com")
            print(f"{ch.name:20} {phone.display(ch.number):18} {ch.provider:8} {where}  ({handled})")

    emit(args, found, human)
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
        "--test-connection",
        action="store_true",
        help="ask the provider first (Infobip: its logs, never the inbox) and add nothing if it refuses",
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
