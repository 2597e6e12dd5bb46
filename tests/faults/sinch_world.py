"""A Sinch channel on the simulator's sinch dialect, for the engine's tests of that provider."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.models import AuthorKind, Channel
from inbox.store import channels, contacts, conversations, messages

TOKEN_ENV = "INBOX_FAULTS_SINCH_TOKEN"
PLAN = "f3a1c2d4e5b60718293a4b5c6d7e8f90"
TOKEN = "sinch-api-token-for-tests"
OURS = "+15550001111"
CUSTOMER = "+15557654321"
HELP_TEXT = "Acme support: reply STOP to opt out."


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    with db.write() as s:
        return channels.add(
            s,
            name="sinch",
            provider="sinch",
            number=OURS,
            account_sid=PLAN,
            base_url=url,
            auth_token_ref=f"env:{TOKEN_ENV}",
            provider_handles_opt_out=False,  # the default for Sinch: Inbox answers STOP
            help_text=HELP_TEXT,
            poll_interval_seconds=poll_interval,
        )


def queue(db, channel: Channel, body: str, to: str = CUSTOMER) -> int:  # type: ignore[no-untyped-def]
    """An agent's reply to `to` from the channel's number, queued as the composer does."""
    with db.write() as s:
        contact = contacts.get_or_create(s, to)
        conv = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        msg_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv,
            from_number=channel.number,
            to_number=to,
            body=body,
            author_kind=AuthorKind.AGENT,
            author="ana",
        )
    assert msg_id is not None
    return msg_id
