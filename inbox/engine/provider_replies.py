"""What the provider told the customer on its own: Twilio answers STOP, START and HELP itself (the
channel's "who answers STOP" = provider), and those texts belong in the thread like any other.

Two halves, so nothing is lost and nothing is recorded twice:

- `record`, inside the ingest transaction of the keyword: the reply is written at once, inferred
  from the provider's documented standard text and marked as the provider's (author kind
  `provider`, author "Twilio"). It is a thread row, never an outbox row: nothing sends it. One per
  (MO, author) by the messages' UNIQUE(reply_to_id, author), so a replayed MO records nothing more.
- `link`, after a poll: Twilio lists its auto-replies among the messages from our number
  (direction `outbound-reply`). Each inferred row still without a provider id is matched, oldest
  first, to such a record to that phone created since its MO that no row carries yet (the one with
  the same text, else the oldest); the
  row takes the record's id, its real text (an account may have reworded the confirmations) and its
  status. UNIQUE(channel, provider id) keeps one record on one row. Rows left unmatched after
  `LINK_WINDOW` keep the inferred text: nothing is asked for them again.

A failure while linking is logged and retried at the next poll; it never fails the poll.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import Channel, MessageStatus, ProviderMessage
from inbox.store import messages
from inbox.store.db import Database

log = logging.getLogger(__name__)

# How long after its keyword an inferred reply is looked for among the provider's records.
LINK_WINDOW = timedelta(minutes=10)
# Provider dates have a one-second resolution: a reply may carry the second before its MO's.
DATE_SLACK = timedelta(seconds=2)
AUTO_REPLY = "outbound-reply"
_NAMES = {"twilio": "Twilio"}


def author_for(channel: Channel) -> str:
    """The provider's name as the thread shows it ("Sent by Twilio")."""
    return _NAMES.get(channel.provider, channel.provider.title() or "Provider")


def record(
    session: Session,
    channel: Channel,
    *,
    conversation_id: int,
    to_number: str,
    reply_to_id: int,
    text: str,
    at: datetime,
) -> int | None:
    """Write the provider's reply to `reply_to_id` into the thread; None if it is already there."""
    return messages.record_provider_reply(
        session,
        channel_id=channel.id,
        conversation_id=conversation_id,
        from_number=channel.number,
        to_number=to_number,
        body=text,
        author=author_for(channel),
        reply_to_id=reply_to_id,
        at=at,
    )


def pending(session: Session, channel_id: int) -> bool:
    """Whether some reply of this channel recorded within `LINK_WINDOW` is still unmatched."""
    return bool(messages.unlinked_provider_replies(session, channel_id, datetime.now(UTC) - LINK_WINDOW))


def link(db: Database, channel: Channel, provider: object, events: EventBus | None = None) -> int:
    """Match inferred replies to the provider's own records (see the module doc); returns how many
    were matched. Asks the provider once per phone with an unmatched reply, never otherwise."""
    find_sent = getattr(provider, "find_sent", None)
    if not callable(find_sent):
        return 0
    now = datetime.now(UTC)
    with db.read() as session:
        pending = messages.unlinked_provider_replies(session, channel.id, now - LINK_WINDOW)
    by_phone: dict[str, list] = {}
    for row in pending:
        by_phone.setdefault(row.to_number, []).append(row)
    linked = 0
    conv_ids: set[int] = set()
    msg_ids: set[int] = set()
    for phone, rows in by_phone.items():
        try:
            found: list[ProviderMessage] = list(find_sent(phone, rows[0].created_at))
        except Exception as exc:  # noqa: BLE001 - a lookup that failed is tried at the next poll
            log.info("channel %s: could not read the provider's replies yet (%s)", channel.name, exc)
            continue
        # The listing is newest first; its order stands for texts dated in the same second.
        records = sorted(
            (m for m in reversed(found) if m.direction == AUTO_REPLY and m.from_number == channel.number),
            key=lambda m: m.date_created or m.date_sent or now,
        )
        with db.write() as session:
            taken = messages.linked_provider_ids(session, channel.id, [m.provider_message_id for m in records])
            free = [m for m in records if m.provider_message_id not in taken]
            for row in rows:
                eligible = [m for m in free if (m.date_created or now) >= row.created_at - DATE_SLACK]
                match = next((m for m in eligible if m.body == row.body), eligible[0] if eligible else None)
                if match is None:
                    continue
                free.remove(match)
                messages.set_fields(
                    session,
                    row.id,
                    provider_message_id=match.provider_message_id,
                    body=messages.storable_text(match.body) if match.body else row.body,
                    status=(match.status if match.status is not MessageStatus.QUEUED else MessageStatus.SENT).value,
                    sent_at=match.date_sent or row.sent_at,
                )
                linked += 1
                conv_ids.add(row.conversation_id)
                msg_ids.add(row.id)
    if linked and events is not None:
        events.publish(MessagesChanged(frozenset(conv_ids), frozenset(msg_ids)))
        events.publish(ConversationsChanged(frozenset(conv_ids)))
    return linked
