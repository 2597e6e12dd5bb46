"""Messages: inbound as received, outbound as the outbox's work queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from inbox.core import segments
from inbox.core.models import (
    FINAL_STATUSES,
    AuthorKind,
    Direction,
    InboundMessage,
    Message,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    ProviderMessage,
)
from inbox.store.models import MessageRow, utcnow
from inbox.store.upsert import insert_ignore

NOTE_STATUS = "note"
REPLACEMENT = "\ufffd"
MAX_SEGMENTS = 1000  # a 1,600-character text is at most 25 segments; more is a provider's bad count


class Unstorable(ValueError):
    """An MO whose identifiers the schema cannot hold as they are; it is set aside, not stored."""


def storable_text(text: str) -> str:
    """`text` as every backend can hold it: NUL (refused by PostgreSQL) and lone surrogates (not
    UTF-8 at all, refused by both drivers) become U+FFFD, the way a decoder marks what it cannot read."""
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join(REPLACEMENT if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def fit_inbound(msg: InboundMessage) -> InboundMessage:
    """The MO as every backend stores it alike, or Unstorable (why, without the value).

    Identifiers must fit as they are (a provider id cut short could be another message's, a number
    cut short someone else's), so those are refused. The text is kept, with what no backend can
    hold replaced: a customer's STOP must not be lost to a stray NUL. A segment count out of range
    is dropped (we count segments ourselves). SQLite would take an over-long id that PostgreSQL
    refuses; both refuse it, so a record never depends on the backend.
    """
    columns = MessageRow.__table__.c
    for name, value, limit in (
        ("provider id", msg.provider_message_id, columns.provider_message_id.type.length),
        ("sender number", msg.from_number, columns.from_number.type.length),
    ):
        if not value:
            raise Unstorable(f"empty {name}")
        if len(value) > limit:
            raise Unstorable(f"{name} longer than {limit} characters")
        if storable_text(value) != value:
            raise Unstorable(f"{name} with a character no database can store")
    body = storable_text(msg.body)
    count = msg.num_segments if 1 <= msg.num_segments <= MAX_SEGMENTS else 0
    if body == msg.body and count == msg.num_segments:
        return msg
    return replace(msg, body=body, num_segments=count)


def to_dto(row: MessageRow) -> Message:
    status = MessageStatus.SENT if row.status == NOTE_STATUS else MessageStatus(row.status)
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        direction=Direction(row.direction) if row.direction != "internal" else Direction.OUTBOUND,
        body=row.body,
        status=status,
        author_kind=AuthorKind(row.author_kind),
        author=row.author,
        created_at=row.created_at,
        provider_message_id=row.provider_message_id,
        error_code=row.error_code,
        error_message=row.error_message,
        encoding=row.encoding,
        num_segments=row.num_segments,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        masked=row.masked,
        kind=_kind(row.kind),
        retry_of_id=row.retry_of_id,
    )


def _with_retried(session: Session, rows: Iterable[MessageRow]) -> list[Message]:
    """DTOs of `rows`, the failed ones that were retried marked so (one indexed look-up)."""
    dtos = [to_dto(r) for r in rows]
    failed = [m.id for m in dtos if m.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED)]
    if not failed:
        return dtos
    retried = set(session.scalars(select(MessageRow.retry_of_id).where(MessageRow.retry_of_id.in_(failed))))
    return [replace(m, retried=True) if m.id in retried else m for m in dtos]


def retry_of(session: Session, message_id: int) -> int | None:
    """The id of the copy that retried this message, if it was retried."""
    return session.scalar(select(MessageRow.id).where(MessageRow.retry_of_id == message_id))


def _outbound(row: MessageRow) -> OutboundMessage:
    return OutboundMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        to_number=row.to_number,
        from_number=row.from_number,
        body=row.body,
        author=row.author,
        masked=row.masked,
        status=MessageStatus(row.status),
        attempts=row.attempts,
        provider_message_id=row.provider_message_id,
        error_message=row.error_message,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
    )


def _kind(stored: str | None) -> MessageKind | None:
    """A kind this version does not know (written by a newer one) is shown as no kind, not an error."""
    try:
        return MessageKind(stored) if stored else None
    except ValueError:
        return None


def inbound_values(channel_id: int, conversation_id: int, msg: InboundMessage, to_number: str) -> dict:
    """The row an MO is stored as: one definition for the single insert and the bulk ingest path."""
    info = segments.analyze(msg.body)
    return {
        "conversation_id": conversation_id,
        "channel_id": channel_id,
        "direction": Direction.INBOUND.value,
        "body": msg.body,
        "provider_message_id": msg.provider_message_id,
        "status": MessageStatus.RECEIVED.value,
        "encoding": info.encoding,
        "num_segments": msg.num_segments or info.segments,
        "author_kind": AuthorKind.CUSTOMER.value,
        "author": None,
        "from_number": msg.from_number,
        "to_number": to_number,
        "masked": False,
        "reply_to_id": None,
        "attempts": 0,
        "created_at": msg.date_sent,
        "sent_at": msg.date_sent,
        "updated_at": utcnow(),
    }


def insert_inbound(
    session: Session, channel_id: int, conversation_id: int, msg: InboundMessage, to_number: str
) -> int | None:
    """Store an MO; None when this provider id is already stored for the channel (a replay)."""
    values = inbound_values(channel_id, conversation_id, msg, to_number)
    return insert_ignore(session, MessageRow.__table__, values, ["channel_id", "provider_message_id"])


def exists(session: Session, channel_id: int, provider_message_id: str) -> bool:
    return (
        session.scalar(
            select(MessageRow.id).where(
                MessageRow.channel_id == channel_id, MessageRow.provider_message_id == provider_message_id
            )
        )
        is not None
    )


def queue_outbound(
    session: Session,
    *,
    channel_id: int,
    conversation_id: int,
    from_number: str,
    to_number: str,
    body: str,
    author_kind: AuthorKind,
    author: str | None,
    reply_to_id: int | None = None,
    masked: bool = False,
    kind: MessageKind | None = None,
    at: datetime | None = None,
    status: MessageStatus = MessageStatus.QUEUED,
    retry_of_id: int | None = None,
) -> int | None:
    """Queue an MT. With `reply_to_id`, an (MO, author) pair queues at most once: None if it already did.
    Any `status` but queued writes a row the outbox never sends (`record_provider_reply`)."""
    info = segments.analyze(body)
    now = at or utcnow()
    values = {
        "conversation_id": conversation_id,
        "channel_id": channel_id,
        "direction": Direction.OUTBOUND.value,
        "body": body,
        "provider_message_id": None,
        "status": status.value,
        "encoding": info.encoding,
        "num_segments": info.segments,
        "author_kind": author_kind.value,
        "author": author,
        "from_number": from_number,
        "to_number": to_number,
        "masked": masked,
        "kind": None if kind is None else kind.value,
        "reply_to_id": reply_to_id,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "sent_at": None if status is MessageStatus.QUEUED else now,
        "retry_of_id": retry_of_id,
    }
    return insert_ignore(session, MessageRow.__table__, values, ["reply_to_id", "author"])


def record_provider_reply(
    session: Session,
    *,
    channel_id: int,
    conversation_id: int,
    from_number: str,
    to_number: str,
    body: str,
    author: str,
    reply_to_id: int,
    at: datetime,
) -> int | None:
    """Record a text the provider sent the customer on its own in answer to `reply_to_id` (never
    queued: status `sent`, which the outbox never sends). Once per (MO, author): None if it is
    already recorded."""
    new_id = queue_outbound(
        session,
        channel_id=channel_id,
        conversation_id=conversation_id,
        from_number=from_number,
        to_number=to_number,
        body=body,
        author_kind=AuthorKind.PROVIDER,
        author=author,
        reply_to_id=reply_to_id,
        at=at,
        status=MessageStatus.SENT,
    )
    return new_id


def unlinked_provider_replies(session: Session, channel_id: int, since: datetime) -> list[OutboundMessage]:
    """Provider replies recorded from the keyword alone, not yet matched to the provider's own
    record of them, created since `since`, oldest first."""
    stmt = (
        select(MessageRow)
        .where(
            # Recorded as sent and left so until matched: the status index finds the few (not a scan).
            MessageRow.status == MessageStatus.SENT.value,
            MessageRow.channel_id == channel_id,
            MessageRow.author_kind == AuthorKind.PROVIDER.value,
            MessageRow.provider_message_id.is_(None),
            MessageRow.created_at >= since,
        )
        .order_by(MessageRow.created_at, MessageRow.id)
    )
    return [_outbound(row) for row in session.scalars(stmt)]


def add_note(
    session: Session, *, channel_id: int, conversation_id: int, body: str, author: str, at: datetime | None = None
) -> int:
    now = at or utcnow()
    row = MessageRow(
        conversation_id=conversation_id,
        channel_id=channel_id,
        direction="internal",
        body=body,
        status=NOTE_STATUS,
        author_kind=AuthorKind.NOTE.value,
        author=author,
        from_number="",
        to_number="",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def page(session: Session, conversation_id: int, before_id: int | None, limit: int) -> list[Message]:
    stmt = select(MessageRow).where(MessageRow.conversation_id == conversation_id)
    if before_id is not None:
        stmt = stmt.where(MessageRow.id < before_id)
    rows = list(session.scalars(stmt.order_by(MessageRow.id.desc()).limit(limit)))
    rows.reverse()
    return _with_retried(session, rows)


def in_conversation(session: Session, conversation_id: int, message_id: int) -> bool:
    return (
        session.scalar(
            select(MessageRow.id).where(MessageRow.id == message_id, MessageRow.conversation_id == conversation_id)
        )
        is not None
    )


def newer_for(session: Session, conversation_id: int, after: int, agent: str) -> list[Message]:
    """What `agent` has not seen since message `after`, oldest first: the customer's texts and the
    texts others sent (colleagues and automations). Their own texts and private notes are left out."""
    theirs = (MessageRow.author_kind == AuthorKind.AGENT.value) & (func.coalesce(MessageRow.author, "") == agent)
    stmt = (
        select(MessageRow)
        .where(MessageRow.conversation_id == conversation_id, MessageRow.id > after)
        .where(MessageRow.direction.in_([Direction.INBOUND.value, Direction.OUTBOUND.value]))
        .where(~theirs)
        .order_by(MessageRow.id)
    )
    return _with_retried(session, session.scalars(stmt))


def latest_inbound_id(session: Session, conversation_id: int) -> int | None:
    """The customer's newest text in the conversation (what an agent's opt-out acts on)."""
    return session.scalar(
        select(func.max(MessageRow.id)).where(
            MessageRow.conversation_id == conversation_id, MessageRow.direction == Direction.INBOUND.value
        )
    )


def get_many(session: Session, ids: Iterable[int]) -> list[Message]:
    id_list = list(ids)
    if not id_list:
        return []
    rows = session.scalars(select(MessageRow).where(MessageRow.id.in_(id_list)).order_by(MessageRow.id))
    return _with_retried(session, rows)


def outbound(session: Session, message_id: int) -> OutboundMessage | None:
    """One MT as the outbox sees it (None for an unknown id or a message that is not outbound)."""
    row = session.get(MessageRow, message_id)
    return _outbound(row) if row is not None and row.direction == Direction.OUTBOUND.value else None


def claim_due(session: Session, now: datetime, limit: int, channel_id: int | None = None) -> list[OutboundMessage]:
    """Move due queued MTs to `sending` and return them. The caller commits before any HTTP call,
    so a crash after this point leaves evidence (`sending`) that reconciliation looks at."""
    stmt = (
        select(MessageRow)
        .where(MessageRow.status == MessageStatus.QUEUED.value)
        .where(MessageRow.direction == Direction.OUTBOUND.value)
        # A provider id means the provider has it (its own "queued"): never ours to send again.
        .where(MessageRow.provider_message_id.is_(None))
        .where(or_(MessageRow.next_attempt_at.is_(None), MessageRow.next_attempt_at <= now))
        .order_by(MessageRow.id)
        .limit(limit)
    )
    if channel_id is not None:
        stmt = stmt.where(MessageRow.channel_id == channel_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.status = MessageStatus.SENDING.value
        row.attempts += 1
        row.updated_at = now
    session.flush()
    return [_outbound(row) for row in rows]


def touch_sending(session: Session, message_id: int, now: datetime) -> bool:
    """Renew a claimed row's `sending` mark just before its HTTP call; False if it is no longer
    ours to send (recovery marked it unknown, or it already has a provider id)."""
    result = session.execute(
        update(MessageRow)
        .where(
            MessageRow.id == message_id,
            MessageRow.status == MessageStatus.SENDING.value,
            MessageRow.provider_message_id.is_(None),
        )
        .values(updated_at=now)
    )
    return int(result.rowcount or 0) == 1


def undefer(session: Session, channel_ids: Iterable[int], reason_prefix: str) -> int:
    """Queued MTs of these channels held back with an error starting `reason_prefix`: due now."""
    ids = list(channel_ids)
    if not ids:
        return 0
    result = session.execute(
        update(MessageRow)
        .where(
            MessageRow.channel_id.in_(ids),
            MessageRow.status == MessageStatus.QUEUED.value,
            MessageRow.direction == Direction.OUTBOUND.value,
            MessageRow.provider_message_id.is_(None),
            MessageRow.error_message.startswith(reason_prefix, autoescape=True),
        )
        .values(next_attempt_at=None)
    )
    return int(result.rowcount or 0)


def count_queued(session: Session, channel_id: int) -> int:
    """Queued MTs of a channel the provider does not have yet (what `fail_queued` would fail)."""
    return int(
        session.scalar(
            select(func.count()).where(
                MessageRow.channel_id == channel_id,
                MessageRow.status == MessageStatus.QUEUED.value,
                MessageRow.direction == Direction.OUTBOUND.value,
                MessageRow.provider_message_id.is_(None),
            )
        )
        or 0
    )


def fail_queued(session: Session, channel_id: int, reason: str) -> int:
    """Fail every queued MT of a channel that the provider does not have yet (removing the
    channel: nothing queued may go out from it afterwards). Rows already `sending` are in flight
    and finish as their request does; `unknown` ones stay for the record. Returns how many."""
    result = session.execute(
        update(MessageRow)
        .where(
            MessageRow.channel_id == channel_id,
            MessageRow.status == MessageStatus.QUEUED.value,
            MessageRow.direction == Direction.OUTBOUND.value,
            MessageRow.provider_message_id.is_(None),
        )
        .values(status=MessageStatus.FAILED.value, error_message=reason, next_attempt_at=None, updated_at=utcnow())
    )
    return int(result.rowcount or 0)


def _with_status(session: Session, status: MessageStatus, channel_id: int | None, limit: int) -> list[MessageRow]:
    stmt = select(MessageRow).where(MessageRow.status == status.value, MessageRow.provider_message_id.is_(None))
    if channel_id is not None:
        stmt = stmt.where(MessageRow.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(MessageRow.id).limit(limit)))


def with_status(
    session: Session, status: MessageStatus, channel_id: int | None = None, limit: int = 500
) -> list[OutboundMessage]:
    """Outbound rows in `status` that the provider has not acknowledged (no provider id yet)."""
    return [_outbound(row) for row in _with_status(session, status, channel_id, limit)]


def mark_interrupted(session: Session, cutoff: datetime, reason: str, limit: int = 500) -> int:
    """Rows in `sending` (no provider id) not renewed since `cutoff` become `unknown` with `reason`:
    their sender died mid-request, so only the provider's records can say whether they went out."""
    count = 0
    for row in _with_status(session, MessageStatus.SENDING, None, limit):
        if row.updated_at <= cutoff:
            row.status = MessageStatus.UNKNOWN.value
            row.error_message = reason
            count += 1
    session.flush()
    return count


def set_fields(session: Session, message_id: int, **values: object) -> None:
    values.setdefault("updated_at", utcnow())
    session.execute(update(MessageRow).where(MessageRow.id == message_id).values(**values))


def awaiting_status(session: Session, channel_id: int, limit: int = 200) -> list[OutboundMessage]:
    """Sent MTs whose final delivery state we do not know yet."""
    stmt = (
        select(MessageRow)
        .where(MessageRow.channel_id == channel_id)
        .where(MessageRow.direction == Direction.OUTBOUND.value)
        .where(MessageRow.provider_message_id.is_not(None))
        .where(
            MessageRow.status.in_([MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.SENT.value])
        )
        .order_by(MessageRow.id)
        .limit(limit)
    )
    return [_outbound(row) for row in session.scalars(stmt)]


def apply_status(session: Session, message_id: int, update_: ProviderMessage) -> OutboundMessage | None:
    """Apply a provider status; never move a final status backwards. Returns the message as it now
    stands if this changed it, None if it did not (or there is no such message)."""
    row = session.get(MessageRow, message_id)
    if row is None:
        return None
    if MessageStatus(row.status) in FINAL_STATUSES and update_.status not in FINAL_STATUSES:
        return None
    changed = row.status != update_.status.value or row.error_code != update_.error_code
    if not changed:
        return None
    row.status = update_.status.value
    row.error_code = update_.error_code
    row.error_message = update_.error_message
    now = utcnow()
    if update_.status in (MessageStatus.SENT, MessageStatus.DELIVERED) and row.sent_at is None:
        row.sent_at = update_.date_sent or now
    if update_.status == MessageStatus.DELIVERED:
        row.delivered_at = now
    row.updated_at = now
    session.flush()
    return _outbound(row)


def sending_to(session: Session, channel_id: int, to_number: str) -> bool:
    """Whether an MT to this number is mid-send: its provider record may look like an unknown row's."""
    stmt = select(MessageRow.id).where(
        MessageRow.channel_id == channel_id,
        MessageRow.to_number == to_number,
        MessageRow.status == MessageStatus.SENDING.value,
        MessageRow.provider_message_id.is_(None),
    )
    return session.scalar(stmt.limit(1)) is not None


def provider_id_taken(session: Session, channel_id: int, provider_message_id: str, message_id: int) -> bool:
    """Whether another message of the channel already carries this provider id (UNIQUE would refuse
    it): a provider that hands out one SID for two sends must not make us lose track of either."""
    stmt = select(MessageRow.id).where(
        MessageRow.channel_id == channel_id,
        MessageRow.provider_message_id == provider_message_id,
        MessageRow.id != message_id,
    )
    return session.scalar(stmt.limit(1)) is not None


def linked_provider_ids(session: Session, channel_id: int, ids: Iterable[str]) -> set[str]:
    id_list = list(ids)
    if not id_list:
        return set()
    return set(
        session.scalars(
            select(MessageRow.provider_message_id).where(
                MessageRow.channel_id == channel_id, MessageRow.provider_message_id.in_(id_list)
            )
        )
    )


def ids_by_provider_id(session: Session, channel_id: int, ids: Iterable[str]) -> dict[str, int]:
    """Our outbound row ids of the channel's messages with these provider ids (a delivery report
    names messages by the provider's id only)."""
    id_list = list(ids)
    if not id_list:
        return {}
    rows = session.execute(
        select(MessageRow.provider_message_id, MessageRow.id).where(
            MessageRow.channel_id == channel_id, MessageRow.provider_message_id.in_(id_list)
        )
    )
    return {str(pid): int(mid) for pid, mid in rows}
