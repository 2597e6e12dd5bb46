"""An Infobip channel on the simulator's infobip dialect, for the engine's tests of that provider."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.models import AuthorKind, Channel
from inbox.store import channels, contacts, conversations, messages

KEY_ENV = "INBOX_FAULTS_INFOBIP_KEY"
KEY = "infobip-api-key-for-tests"
OURS = "+919000000001"
CUSTOMER = "+919876543210"
HELP_TEXT = "Acme support: reply STOP to opt out."


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    with db.write() as s:
        return channels.add(
            s,
            name="infobip",
            provider="infobip",
            number=OURS,
            account_sid="127.0.0.1",
            base_url=url,
            auth_token_ref=f"env:{KEY_ENV}",
            provider_handles_opt_out=False,  # Infobip does not answer STOP: Inbox does
            help_text=HELP_TEXT,
            poll_interval_seconds=poll_interval,
        )


def queue(db, channel: Channel, body: str, to: str = CUSTOMER) -> int:  # type: ignore[no-untyped-def]
    with db.write() as s:
        contact = contacts.get_or_create(s, to)
        conv = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        msg_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv,
            from_number=OURS,
            to_number=to,
            body=body,
            author_kind=AuthorKind.AGENT,
            author="ana",
        )
    assert msg_id is not None
    return msg_id
