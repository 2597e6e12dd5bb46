"""`inbox send|retry|conversations|show|mentions`: the agent's side of the inbox from a terminal.

They go through `engine/service.InboxService`, the object the desktop's windows use.
"""

from __future__ import annotations

import argparse

from inbox.cli.command import EXIT_REFUSED, CliError, database, emit, id_number, refused
from inbox.core import phone, terminal
from inbox.core.events import EventBus
from inbox.core.models import ConversationStatus


def _service(args: argparse.Namespace, db=None):
    from inbox.engine.service import InboxService

    return InboxService(db or database(args), EventBus(), agent=args.agent)


def cmd_send(args: argparse.Namespace) -> int:
    from inbox.engine.service import NoSuchChannel, SendRefused, StaleReply, UnknownAfter

    try:
        to = phone.normalize(args.to)
    except phone.InvalidPhoneNumber as exc:
        raise CliError(str(exc)) from None
    try:
        msg = _service(args).send_to(args.channel, to, args.text, after=args.after, force=args.force)
    except (NoSuchChannel, UnknownAfter) as exc:
        raise CliError(exc.reason) from None
    except StaleReply as exc:
        # The line quotes customer text: escaped, and it never names the number.
        advice = f"read it (`inbox show`), then send again with --after {exc.newer[-1].id}, or add --force"
        return refused(f"{terminal.visible(exc.landed)} — {advice}", args, _held(exc))
    except SendRefused as exc:
        return refused(exc.reason, args)
    return _queued(args, msg, f"to {phone.display(to)} ({msg.num_segments} segment(s), {msg.encoding})")


def _queued(args: argparse.Namespace, msg, what: str) -> int:  # type: ignore[no-untyped-def]
    """Say what was queued (or print it as JSON) and when it leaves."""
    emit(
        args,
        msg,
        lambda: print(
            f"Queued message {msg.id} {what}. It leaves with the next `inbox sync --once` or the running daemon."
        ),
    )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    """Send a failed message again, once: a message already retried is refused (exit code 3)."""
    from inbox.engine.service import SendRefused

    try:
        msg = _service(args).retry(args.message_id)
    except SendRefused as exc:
        return refused(exc.reason, args)
    return _queued(args, msg, f"(a copy of message {args.message_id})")


def _held(exc) -> dict:  # type: ignore[no-untyped-def]
    """What `--json` says about the messages that held a reply: enough to decide, no numbers."""
    from inbox.core import unseen

    return {
        "held": True,
        "newer": [
            {
                "id": m.id,
                "author_kind": m.author_kind.value,
                "author": m.author,
                "created_at": m.created_at,
                "body": unseen.MASK if m.masked else m.body,
            }
            for m in exc.newer
        ],
    }


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
            print(f"        {terminal.visible(c.preview_for(args.agent)[:90])}")

    emit(args, rows, human)
    return 0


def cmd_mentions(args: argparse.Namespace) -> int:
    """The current agent's unseen mentions, newest first (they stay until the conversation is opened)."""
    rows = _service(args).my_mentions()

    def human() -> None:
        if not rows:
            print("No unseen mentions.")
        for m in rows:
            who = terminal.visible(m.author or "?")
            print(f"#{m.conversation_id:<5} {m.created_at:%Y-%m-%d %H:%M}  {who}: {terminal.visible(m.body[:90])}")

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

    db = database(args)
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
                    "provider": f"sent by {m.author or 'the provider'}",
                }.get(m.author_kind.value, m.author_kind.value)
                failed = m.status.value in ("failed", "undelivered") and m.error_message
                reason = f": {m.error_message}" if failed else ""
                reason += " · retried" if m.retried else ""
                status = "" if m.direction.value == "inbound" else f" [{m.status.value}{reason}]"
                text = terminal.visible(body)  # a newline in a text must not fake a line of ours
                # The id is what `inbox send --after` takes: "the newest message I read".
                print(f"  #{m.id:<6} {m.created_at.astimezone():%d %b %H:%M}  {who}: {text}{status}")

    emit(args, {"contact": contact, "conversations": [{"conversation": c, "messages": m} for c, m in threads]}, human)
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox send`, `inbox conversations`, `inbox mentions` and `inbox show` to the main parser."""
    send = subparsers.add_parser("send", help="queue a reply as an agent", parents=[common])
    send.add_argument("--channel", required=True)
    send.add_argument("--to", required=True)
    send.add_argument(
        "--after",
        type=id_number("a message id"),
        metavar="MESSAGE_ID",
        help="the newest message you read (see `inbox show`): if the customer wrote or someone else "
        f"answered since, nothing is sent and the exit code is {EXIT_REFUSED}",
    )
    send.add_argument("--force", action="store_true", help="with --after: send even if something landed since")
    send.add_argument("text")
    send.set_defaults(func=cmd_send)

    retry = subparsers.add_parser(
        "retry", help="send a failed message again (once: a second retry is refused)", parents=[common]
    )
    retry.add_argument("message_id", type=id_number("a message id"), metavar="MESSAGE_ID")
    retry.set_defaults(func=cmd_retry)

    convs = subparsers.add_parser("conversations", help="list conversations", parents=[common])
    convs.add_argument("--status", choices=[s.value for s in ConversationStatus] + ["all", "mine", "unassigned"])
    convs.add_argument("--limit", type=int, default=50)
    convs.set_defaults(func=cmd_conversations)

    mentions = subparsers.add_parser(
        "mentions", help="private notes that mention you (@name) and you have not seen", parents=[common]
    )
    mentions.set_defaults(func=cmd_mentions)

    show = subparsers.add_parser("show", help="a contact's thread", parents=[common])
    show.add_argument("contact", help="phone number or contact id")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(func=cmd_show)
