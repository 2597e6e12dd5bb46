"""Automatic replies to an inbound message: the one way every automation step answers a customer.

Queued in the ingest transaction as an outbox row tied to the MO (`reply_to_id`) and its author, so a
replay or a crash can never make the same step answer the same message twice; the conversation's
last line is updated to show it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core.models import AuthorKind, Channel
from inbox.store import conversations, messages


def queue(
    session: Session,
    channel: Channel,
    *,
    conversation_id: int,
    message_id: int,
    to_number: str,
    text: str,
    author: str,
    at: datetime,
) -> int | None:
    """The new outbox row's id, or None when this author already answered this message."""
    new_id = messages.queue_outbound(
        session,
        channel_id=channel.id,
        conversation_id=conversation_id,
        from_number=channel.number,
        to_number=to_number,
        body=text,
        author_kind=AuthorKind.AUTOMATION,
        author=author,
        reply_to_id=message_id,
        at=at,
    )
    if new_id is not None:
        conversations.touch_outbound(session, conversation_id, at, text, by_agent=False)
    return new_id
