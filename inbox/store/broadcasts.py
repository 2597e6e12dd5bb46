"""Broadcasts: the row, its recipients (the idempotent fan-out key), controls and statistics;
plus the settings they read: per-channel rate and price, DLT identity and templates, quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.core import durations, quiet_hours
from inbox.core.engagement import BroadcastKind, BroadcastStatus
from inbox.core.models import Direction, MessageStatus
from inbox.store.engagement_tables import (
    BroadcastRecipientRow,
    BroadcastRow,
    ChannelSendSettingRow,
    DltTemplateRow,
    QuietHoursRow,
)
from inbox.store.models import ContactRow, ConversationRow, MessageRow, OptOutEventRow

# The enum members under the names the desktop's engagement pages use.
SCHEDULED = BroadcastStatus.SCHEDULED
FANNING_OUT = BroadcastStatus.FANNING_OUT
SENDING = BroadcastStatus.SENDING
PAUSED = BroadcastStatus.PAUSED
DONE = BroadcastStatus.DONE
CANCELLED = BroadcastStatus.CANCELLED
MARKETING = BroadcastKind.MARKETING
TRANSACTIONAL = BroadcastKind.TRANSACTIONAL
CANCELLED_REASON = "Cancelled with its broadcast before it was sent"
# A paused row waits "forever": the outbox only claims rows whose next attempt is due.
PAUSED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SendSettings:
    channel_id: int
    rate_per_second: float = 1.0
    price_per_segment: float = 0.0079
    dlt_entity_id: str | None = None
    dlt_sender_id: str | None = None
    dlt_telemarketer_id: str | None = None


@dataclass(frozen=True, slots=True)
class DltTemplate:
    channel_id: int
    template_id: str
    body: str
    category: str


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    channel_id: int
    list_name: str | None
    contact_ids: tuple[int, ...] | None
    body: str
    kind: BroadcastKind
    status: BroadcastStatus
    scheduled_at: datetime
    dlt_template_id: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    fanned_out_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BroadcastStats:
    broadcast: Broadcast
    recipients: int
    queued: int  # waiting (throttle, quiet hours or pause)
    deferred_quiet_hours: int
    in_flight: int  # sending / sent, final status unknown yet
    delivered: int
    failed: int  # failed, undelivered, refused (opted out meanwhile) or cancelled
    cancelled: int
    replies: int  # MO messages from recipients after the broadcast started
    repliers: int
    opt_outs: int  # recipients who opted out after it started

    @property
    def progress(self) -> float:
        return 0.0 if not self.recipients else (self.recipients - self.queued) / self.recipients


def _dto(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        row.id,
        row.channel_id,
        row.list_name,
        tuple(row.contact_ids) if row.contact_ids is not None else None,
        row.body,
        BroadcastKind(row.kind),
        BroadcastStatus(row.status),
        row.scheduled_at,
        row.dlt_template_id,
        row.created_by,
        row.created_at,
        row.started_at,
        row.fanned_out_at,
        row.finished_at,
    )


# -- settings ----------------------------------------------------------------------------------------
def send_settings(session: Session, channel_id: int) -> SendSettings:
    row = session.get(ChannelSendSettingRow, channel_id)
    if row is None:
        return SendSettings(channel_id)
    return SendSettings(
        row.channel_id,
        row.rate_per_second,
        row.price_per_segment,
        row.dlt_entity_id,
        row.dlt_sender_id,
        row.dlt_telemarketer_id,
    )


def configure_sending(session: Session, channel_id: int, **fields: object) -> SendSettings:
    if fields.get("rate_per_second") is not None:
        fields["rate_per_second"] = durations.SEND_RATE.check(fields["rate_per_second"])
    row = session.get(ChannelSendSettingRow, channel_id)
    if row is None:
        row = ChannelSendSettingRow(channel_id=channel_id, rate_per_second=1.0, price_per_segment=0.0079)
        session.add(row)
    for name, value in fields.items():
        if value is not None:
            setattr(row, name, value)
    session.flush()
    return send_settings(session, channel_id)


def add_dlt_template(session: Session, channel_id: int, template_id: str, body: str, category: str) -> DltTemplate:
    session.add(DltTemplateRow(channel_id=channel_id, template_id=template_id, body=body, category=category))
    session.flush()
    return DltTemplate(channel_id, template_id, body, category)


def dlt_templates(session: Session, channel_id: int) -> list[DltTemplate]:
    rows = session.scalars(select(DltTemplateRow).where(DltTemplateRow.channel_id == channel_id))
    return [DltTemplate(r.channel_id, r.template_id, r.body, r.category) for r in rows]


def quiet_hours_config(session: Session) -> quiet_hours.QuietHours:
    default = quiet_hours.Window()
    fallback = quiet_hours.FALLBACK_ZONE
    regions: dict[str, quiet_hours.Window] = {}
    for row in session.scalars(select(QuietHoursRow)):
        window = quiet_hours.Window(quiet_hours.parse_hhmm(row.start), quiet_hours.parse_hhmm(row.end), row.timezone)
        if row.region == "*":
            default = quiet_hours.Window(window.start, window.end)
            fallback = row.timezone or fallback
        else:
            regions[row.region] = window
    return quiet_hours.QuietHours(default, regions, fallback)


def set_quiet_hours(session: Session, region: str, start: str, end: str, timezone: str | None = None) -> None:
    quiet_hours.parse_hhmm(start), quiet_hours.parse_hhmm(end)  # validate
    row = session.get(QuietHoursRow, region.upper())
    if row is None:
        row = QuietHoursRow(region=region.upper(), start=start, end=end, timezone=timezone)
        session.add(row)
    row.start, row.end, row.timezone = start, end, timezone
    session.flush()


# -- broadcasts --------------------------------------------------------------------------------------
def create(
    session: Session,
    *,
    channel_id: int,
    body: str,
    kind: BroadcastKind,
    scheduled_at: datetime,
    created_by: str,
    list_name: str | None = None,
    contact_ids: list[int] | None = None,
    dlt_template_id: str | None = None,
    dlt_category: str | None = None,
) -> Broadcast:
    row = BroadcastRow(
        channel_id=channel_id,
        list_name=list_name,
        contact_ids=contact_ids,
        body=body,
        kind=BroadcastKind(kind).value,
        status=BroadcastStatus.SCHEDULED.value,
        scheduled_at=scheduled_at,
        dlt_template_id=dlt_template_id,
        dlt_category=dlt_category,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return _dto(row)


def get(session: Session, broadcast_id: int) -> Broadcast | None:
    row = session.get(BroadcastRow, broadcast_id)
    return _dto(row) if row else None


def set_status(
    session: Session,
    broadcast_id: int,
    status: BroadcastStatus,
    *,
    started_at: datetime | None = None,
    fanned_out_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Move a broadcast to `status`, stamping the given moments (the others are left as they are)."""
    row = session.get(BroadcastRow, broadcast_id)
    if row is None:
        return
    row.status = status.value
    if started_at is not None:
        row.started_at = started_at
    if fanned_out_at is not None:
        row.fanned_out_at = fanned_out_at
    if finished_at is not None:
        row.finished_at = finished_at


def all_broadcasts(session: Session) -> list[Broadcast]:
    return [_dto(r) for r in session.scalars(select(BroadcastRow).order_by(BroadcastRow.id))]


def due(session: Session, now: datetime) -> list[int]:
    """Broadcasts to fan out: scheduled and due, or interrupted mid fan-out (a crash)."""
    return list(
        session.scalars(
            select(BroadcastRow.id)
            .where(
                ((BroadcastRow.status == BroadcastStatus.SCHEDULED.value) & (BroadcastRow.scheduled_at <= now))
                | (BroadcastRow.status == BroadcastStatus.FANNING_OUT.value)
            )
            .order_by(BroadcastRow.scheduled_at, BroadcastRow.id)
        )
    )


def already_queued(session: Session, broadcast_id: int) -> set[int]:
    return set(
        session.scalars(
            select(BroadcastRecipientRow.contact_id).where(BroadcastRecipientRow.broadcast_id == broadcast_id)
        )
    )


def last_planned_at(session: Session, broadcast_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(MessageRow.next_attempt_at))
        .join(BroadcastRecipientRow, BroadcastRecipientRow.message_id == MessageRow.id)
        .where(BroadcastRecipientRow.broadcast_id == broadcast_id, BroadcastRecipientRow.deferred.is_(False))
    )


def add_recipient(session: Session, broadcast_id: int, contact_id: int) -> bool:
    """Claim the (broadcast, contact) key; False if this person was already queued."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(BroadcastRecipientRow.__table__)
        .values(broadcast_id=broadcast_id, contact_id=contact_id, message_id=None, deferred=False)
        .on_conflict_do_nothing(index_elements=["broadcast_id", "contact_id"])
    )
    return session.execute(stmt.returning(BroadcastRecipientRow.contact_id)).scalar_one_or_none() is not None


def link_message(session: Session, broadcast_id: int, contact_id: int, message_id: int, deferred: bool) -> None:
    session.execute(
        update(BroadcastRecipientRow)
        .where(BroadcastRecipientRow.broadcast_id == broadcast_id, BroadcastRecipientRow.contact_id == contact_id)
        .values(message_id=message_id, deferred=deferred)
    )


def queued_messages(session: Session, broadcast_id: int) -> list[tuple[int, str, bool]]:
    """(message id, recipient number, deferred) of rows the outbox has not claimed yet."""
    rows = session.execute(
        select(MessageRow.id, MessageRow.to_number, BroadcastRecipientRow.deferred)
        .join(BroadcastRecipientRow, BroadcastRecipientRow.message_id == MessageRow.id)
        .where(BroadcastRecipientRow.broadcast_id == broadcast_id, MessageRow.status == MessageStatus.QUEUED.value)
        .where(MessageRow.provider_message_id.is_(None))  # with a provider id it is the provider's "queued"
        .order_by(MessageRow.id)
    )
    return [(i, n, d) for i, n, d in rows]


def _queued_ids(broadcast_id: int):
    return (
        select(BroadcastRecipientRow.message_id)
        .where(BroadcastRecipientRow.broadcast_id == broadcast_id, BroadcastRecipientRow.message_id.is_not(None))
        .scalar_subquery()
    )


def hold_queued(session: Session, broadcast_id: int) -> int:
    """Pause: queued rows wait until resumed (the outbox claims only due `queued` rows)."""
    result = session.execute(
        update(MessageRow)
        .where(MessageRow.id.in_(_queued_ids(broadcast_id)), MessageRow.status == MessageStatus.QUEUED.value)
        .where(MessageRow.provider_message_id.is_(None))
        .values(next_attempt_at=PAUSED_UNTIL)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def cancel_queued(session: Session, broadcast_id: int, now: datetime) -> int:
    """Cancel: rows not yet claimed by the outbox fail with a clear reason, in one statement."""
    result = session.execute(
        update(MessageRow)
        .where(MessageRow.id.in_(_queued_ids(broadcast_id)), MessageRow.status == MessageStatus.QUEUED.value)
        .where(MessageRow.provider_message_id.is_(None))
        .values(status=MessageStatus.FAILED.value, error_message=CANCELLED_REASON, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def set_next_attempt(session: Session, plan: list[tuple[int, datetime, bool]]) -> None:
    for message_id, when, deferred in plan:
        session.execute(
            update(MessageRow)
            .where(MessageRow.id == message_id, MessageRow.status == MessageStatus.QUEUED.value)
            .where(MessageRow.provider_message_id.is_(None))
            .values(next_attempt_at=when)
        )
        session.execute(
            update(BroadcastRecipientRow)
            .where(BroadcastRecipientRow.message_id == message_id)
            .values(deferred=deferred)
        )


def stats(session: Session, broadcast_id: int) -> BroadcastStats | None:
    bc = session.get(BroadcastRow, broadcast_id)
    if bc is None:
        return None
    by_status: dict[str, int] = {}
    cancelled = 0
    deferred = 0
    rows = session.execute(
        select(
            MessageRow.status, MessageRow.error_message, BroadcastRecipientRow.deferred, MessageRow.provider_message_id
        )
        .join(BroadcastRecipientRow, BroadcastRecipientRow.message_id == MessageRow.id)
        .where(BroadcastRecipientRow.broadcast_id == broadcast_id)
    )
    total = 0
    for status, error, was_deferred, provider_id in rows:
        total += 1
        if status == MessageStatus.QUEUED.value and provider_id is not None:
            status = "sent"  # accepted by the provider (its own "queued"): in flight, not waiting here
        by_status[status] = by_status.get(status, 0) + 1
        if status == MessageStatus.FAILED.value and error == CANCELLED_REASON:
            cancelled += 1
        if status == MessageStatus.QUEUED.value and was_deferred:
            deferred += 1
    replies = repliers = opt_outs = 0
    if bc.started_at is not None:
        recipient_contacts = select(BroadcastRecipientRow.contact_id).where(
            BroadcastRecipientRow.broadcast_id == broadcast_id
        )
        replies, repliers = session.execute(
            select(func.count(MessageRow.id), func.count(func.distinct(ConversationRow.contact_id)))
            .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
            .where(
                MessageRow.direction == Direction.INBOUND.value,
                MessageRow.channel_id == bc.channel_id,
                MessageRow.created_at >= bc.started_at,
                ConversationRow.contact_id.in_(recipient_contacts),
            )
        ).one()
        opt_outs = (
            session.scalar(
                select(func.count(func.distinct(OptOutEventRow.contact_id))).where(
                    OptOutEventRow.channel_id == bc.channel_id,
                    OptOutEventRow.opted_out.is_(True),
                    OptOutEventRow.at >= bc.started_at,
                    OptOutEventRow.contact_id.in_(recipient_contacts),
                )
            )
            or 0
        )
    failed = sum(by_status.get(s, 0) for s in ("failed", "undelivered"))
    return BroadcastStats(
        broadcast=_dto(bc),
        recipients=total,
        queued=by_status.get("queued", 0),
        deferred_quiet_hours=deferred,
        in_flight=sum(by_status.get(s, 0) for s in ("sending", "sent", "unknown")),
        delivered=by_status.get("delivered", 0),
        failed=failed,
        cancelled=cancelled,
        replies=replies,
        repliers=repliers,
        opt_outs=opt_outs,
    )


def contact_phones(session: Session, contact_ids: list[int]) -> dict[int, str]:
    if not contact_ids:
        return {}
    return dict(session.execute(select(ContactRow.id, ContactRow.phone).where(ContactRow.id.in_(contact_ids))).all())
