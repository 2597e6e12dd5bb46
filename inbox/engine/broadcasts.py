"""Broadcasts: preview, create, fan out into the outbox, pause, resume, cancel.

Fan-out writes, per recipient and in the same transaction, the (broadcast, contact) key and the
outbox row, so a process killed mid fan-out resumes where it stopped and nobody is queued twice.
Pacing needs no change to the outbox: each row gets a `next_attempt_at` — the throttle slot at the
channel's configured rate, moved to the next allowed local time for marketing inside quiet hours —
and the outbox (which only claims due `queued` rows and re-checks opt-outs) does the rest. A
scheduled broadcast is just a row with `scheduled_at`; the runner's cycle fans out what is due, so
a schedule survives restarts without a separate job store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from inbox.core import engagement, quiet_hours
from inbox.core.engagement import BroadcastKind, BroadcastStatus
from inbox.engine import replies
from inbox.store import audit, channels, conversations, lists, messages
from inbox.store import broadcasts as store
from inbox.store.db import Database
from inbox.store.models import ContactRow, ConversationRow, OptOutRow

log = logging.getLogger(__name__)

CHUNK = 50  # short write transactions: the lease renewal and the outbox share the database


class BroadcastRefused(ValueError):
    """A broadcast that must not go out as asked (DLT mismatch, unknown list, ...)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    contact_id: int
    phone: str


@dataclass(frozen=True, slots=True)
class Preview:
    recipients: int
    excluded: int  # members opted out or flagged
    sample: tuple[str, ...]  # masked numbers
    cost: engagement.CostEstimate
    deferred_now: int  # marketing recipients inside quiet hours if sent now
    dlt_template_id: str | None


def author_for(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def recipients(
    session: Session, channel_id: int, list_name: str | None, contact_ids: Sequence[int] | None
) -> list[Recipient]:
    """Who would receive it now: list members on this channel (or the given contacts), never anyone
    opted out of the channel or whose conversation is flagged for a possible opt-out."""
    if list_name is not None:
        if lists.get(session, list_name) is None:
            raise BroadcastRefused(f"no list named {list_name}")
        return [
            Recipient(m.contact_id, m.phone)
            for m in lists.members(session, list_name, sendable_only=True)
            if m.channel_id == channel_id
        ]
    ids = sorted(set(contact_ids or ()))
    if not ids:
        return []
    from sqlalchemy import and_, select

    rows = session.execute(
        select(ContactRow.id, ContactRow.phone)
        .outerjoin(OptOutRow, and_(OptOutRow.contact_id == ContactRow.id, OptOutRow.channel_id == channel_id))
        .outerjoin(
            ConversationRow, and_(ConversationRow.contact_id == ContactRow.id, ConversationRow.channel_id == channel_id)
        )
        .where(ContactRow.id.in_(ids))
        .where((OptOutRow.opted_out.is_(None)) | (OptOutRow.opted_out.is_(False)))
        .where((ConversationRow.flagged.is_(None)) | (ConversationRow.flagged.is_(False)))
        .order_by(ContactRow.id)
    )
    return [Recipient(i, p) for i, p in rows]


def check_dlt(session: Session, channel_id: int, body: str, template_id: str | None) -> str | None:
    """Refuse a text that does not match its registered DLT template. A channel with a DLT entity ID
    (an Indian sender) must match some registered template; returns the matching template id."""
    settings = store.send_settings(session, channel_id)
    templates = store.dlt_templates(session, channel_id)
    if template_id is not None:
        found = [t for t in templates if t.template_id == template_id]
        if not found:
            raise BroadcastRefused(f"DLT template {template_id} is not registered on this channel")
        if not engagement.matches_dlt(found[0].body, body):
            raise BroadcastRefused(f"the text does not match DLT template {template_id}")
        return template_id
    if settings.dlt_entity_id:
        for t in templates:
            if engagement.matches_dlt(t.body, body):
                return t.template_id
        raise BroadcastRefused("the text matches no registered DLT template for this channel")
    return None


def preview(
    session: Session,
    *,
    channel_id: int,
    body: str,
    list_name: str | None = None,
    contact_ids: list[int] | None = None,
    kind: str = BroadcastKind.MARKETING,
    dlt_template_id: str | None = None,
    at: datetime | None = None,
) -> Preview:
    from inbox.core import phone

    template = check_dlt(session, channel_id, body, dlt_template_id)
    people = recipients(session, channel_id, list_name, contact_ids)
    total = len(lists.members(session, list_name)) if list_name else len(set(contact_ids or ()))
    settings = store.send_settings(session, channel_id)
    now = at or datetime.now(UTC)
    deferred = 0
    if kind == BroadcastKind.MARKETING:
        config = store.quiet_hours_config(session)
        deferred = sum(1 for p in people if quiet_hours.defer_until(p.phone, now, config) > now)
    return Preview(
        recipients=len(people),
        excluded=max(0, total - len(people)),
        sample=tuple(phone.mask(p.phone) for p in people[:5]),
        cost=engagement.estimate(body, len(people), settings.price_per_segment),
        deferred_now=deferred,
        dlt_template_id=template,
    )


def create(
    db: Database,
    *,
    channel_id: int,
    body: str,
    created_by: str,
    list_name: str | None = None,
    contact_ids: list[int] | None = None,
    kind: str = BroadcastKind.MARKETING,
    at: datetime | None = None,
    dlt_template_id: str | None = None,
) -> store.Broadcast:
    """Record a broadcast (checked now: DLT, list); it is fanned out when due by `run_due`."""
    if kind not in tuple(BroadcastKind):
        raise BroadcastRefused("a broadcast is marketing or transactional")
    with db.write() as session:
        if channels.get(session, channel_id) is None:
            raise BroadcastRefused(f"no channel {channel_id}")
        if list_name is not None and lists.get(session, list_name) is None:
            raise BroadcastRefused(f"no list named {list_name}")
        template = check_dlt(session, channel_id, body, dlt_template_id)
        category = None
        if template is not None:
            category = next(t.category for t in store.dlt_templates(session, channel_id) if t.template_id == template)
        bc = store.create(
            session,
            channel_id=channel_id,
            body=body,
            kind=BroadcastKind(kind),
            scheduled_at=at or datetime.now(UTC),
            created_by=created_by,
            list_name=lists.list_key(list_name) if list_name else None,
            contact_ids=contact_ids,
            dlt_template_id=template,
            dlt_category=category,
        )
        audit.record(session, created_by, "broadcast_created", f"broadcast:{bc.id}", kind=kind, list=bc.list_name)
    return bc


def run_due(db: Database, now: datetime | None = None, chunk: int = CHUNK) -> int:
    """Fan out every due broadcast (and finish any interrupted one). Returns rows queued."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        ids = store.due(session, now)
    queued = 0
    for broadcast_id in ids:
        queued += fan_out(db, broadcast_id, now=now, chunk=chunk)
    return queued


def fan_out(db: Database, broadcast_id: int, *, now: datetime | None = None, chunk: int = CHUNK) -> int:
    now = now or datetime.now(UTC)
    with db.write() as session:
        bc = store.get(session, broadcast_id)
        if bc is None or bc.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.FANNING_OUT):
            return 0
        if bc.status == BroadcastStatus.SCHEDULED:
            store.set_status(session, broadcast_id, BroadcastStatus.FANNING_OUT, started_at=now)
        channel = channels.get(session, bc.channel_id)
        if channel is None:
            store.set_status(session, broadcast_id, BroadcastStatus.CANCELLED)
            return 0
        try:
            check_dlt(session, bc.channel_id, bc.body, bc.dlt_template_id)
        except BroadcastRefused as exc:
            store.set_status(session, broadcast_id, BroadcastStatus.CANCELLED)
            audit.record(session, "engine", "broadcast_refused", f"broadcast:{broadcast_id}", reason=str(exc))
            return 0
        people = recipients(session, bc.channel_id, bc.list_name, bc.contact_ids)
        done = store.already_queued(session, broadcast_id)
        settings = store.send_settings(session, bc.channel_id)
        config = store.quiet_hours_config(session)
        slot_after = store.last_planned_at(session, broadcast_id)
        body, kind, conv_channel = bc.body, bc.kind, bc.channel_id
    todo = [p for p in people if p.contact_id not in done]
    plan = _plan_times(todo, kind, settings.rate_per_second, config, now, slot_after)
    count = 0
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        with db.write() as session:
            for person in part:
                if not store.add_recipient(session, broadcast_id, person.contact_id):
                    continue  # someone (a previous run) queued this person already
                when, deferred = plan[person.contact_id]
                conv_id = conversations.get_or_create(session, person.contact_id, conv_channel, now)
                msg_id = replies.queue(
                    session,
                    channel,
                    contact_id=person.contact_id,
                    conversation_id=conv_id,
                    to_number=person.phone,
                    text=body,
                    author=author_for(broadcast_id),
                    at=now,
                    touch_conversation=False,  # thousands of threads must not all jump to the top
                )
                if msg_id is None:
                    continue  # opted out since the list was read: never texted (the outbox would refuse it)
                messages.set_fields(session, msg_id, next_attempt_at=when)
                store.link_message(session, broadcast_id, person.contact_id, msg_id, deferred)
                count += 1
    with db.write() as session:
        bc = store.get(session, broadcast_id)
        if bc is not None and bc.status == BroadcastStatus.FANNING_OUT:
            store.set_status(session, broadcast_id, BroadcastStatus.SENDING, fanned_out_at=datetime.now(UTC))
    log.info("broadcast %d: queued %d messages", broadcast_id, count)
    return count


def _plan_times(
    people: list[Recipient],
    kind: str,
    rate: float,
    config: quiet_hours.QuietHours,
    now: datetime,
    slot_after: datetime | None,
) -> dict[int, tuple[datetime, bool]]:
    """Per contact: when the outbox may send it, and whether quiet hours pushed it back."""
    ready = []
    deferred = []
    for p in people:
        allowed = quiet_hours.defer_until(p.phone, now, config) if kind == BroadcastKind.MARKETING else now
        ready.append(allowed)
        deferred.append(allowed > now)
    start = [max(t, slot_after) if slot_after else t for t in ready]
    times = engagement.throttle(start, rate)
    return {p.contact_id: (times[i], deferred[i]) for i, p in enumerate(people)}


# -- controls ----------------------------------------------------------------------------------------
def pause(db: Database, broadcast_id: int, actor: str) -> int:
    with db.write() as session:
        bc = store.get(session, broadcast_id)
        live = (BroadcastStatus.SCHEDULED, BroadcastStatus.FANNING_OUT, BroadcastStatus.SENDING)
        if bc is None or bc.status not in live:
            raise BroadcastRefused("only a scheduled or sending broadcast can be paused")
        store.set_status(session, broadcast_id, BroadcastStatus.PAUSED)
        held = store.hold_queued(session, broadcast_id)
        audit.record(session, actor, "broadcast_paused", f"broadcast:{broadcast_id}", held=held, was=bc.status.value)
    return held


def resume(db: Database, broadcast_id: int, actor: str, now: datetime | None = None) -> int:
    """Re-plan every held row from now (throttle and quiet hours again), then finish any fan-out."""
    now = now or datetime.now(UTC)
    with db.write() as session:
        bc = store.get(session, broadcast_id)
        if bc is None or bc.status != BroadcastStatus.PAUSED:
            raise BroadcastRefused("only a paused broadcast can be resumed")
        if bc.fanned_out_at:
            store.set_status(session, broadcast_id, BroadcastStatus.SENDING)
        elif bc.started_at:
            store.set_status(session, broadcast_id, BroadcastStatus.FANNING_OUT)
        else:
            store.set_status(session, broadcast_id, BroadcastStatus.SCHEDULED)
        held = store.queued_messages(session, broadcast_id)
        settings = store.send_settings(session, bc.channel_id)
        config = store.quiet_hours_config(session)
        people = [Recipient(mid, number) for mid, number, _ in held]
        plan = _plan_times(people, bc.kind, settings.rate_per_second, config, now, None)
        store.set_next_attempt(session, [(mid, *plan[mid]) for mid, _, _ in held])
        audit.record(session, actor, "broadcast_resumed", f"broadcast:{broadcast_id}", rows=len(held))
    run_due(db, now)
    return len(held)


def cancel(db: Database, broadcast_id: int, actor: str) -> int:
    with db.write() as session:
        bc = store.get(session, broadcast_id)
        if bc is None or bc.status == BroadcastStatus.CANCELLED:
            raise BroadcastRefused("no such broadcast, or already cancelled")
        store.set_status(session, broadcast_id, BroadcastStatus.CANCELLED, finished_at=datetime.now(UTC))
        cancelled = store.cancel_queued(session, broadcast_id, datetime.now(UTC))
        audit.record(session, actor, "broadcast_cancelled", f"broadcast:{broadcast_id}", cancelled=cancelled)
    return cancelled


def finish_sent(db: Database) -> None:
    """Mark sending broadcasts done once nothing of theirs waits in the outbox."""
    with db.write() as session:
        for bc in store.all_broadcasts(session):
            if bc.status == BroadcastStatus.SENDING and not store.queued_messages(session, bc.id):
                store.set_status(session, bc.id, BroadcastStatus.DONE, finished_at=datetime.now(UTC))


def dlt_fields(session: Session, message_author: str | None) -> dict[str, str]:
    """The DLT identity of a broadcast MT, for adapters whose provider takes it (Indian gateways:
    PE_ID, header, template id). Twilio's API has no such fields, so its adapter ignores them; they
    stay recorded on the broadcast and channel for audits."""
    if not message_author or not message_author.startswith("broadcast:"):
        return {}
    bc = store.get(session, int(message_author.split(":", 1)[1]))
    if bc is None:
        return {}
    settings = store.send_settings(session, bc.channel_id)
    fields = {
        "dlt_entity_id": settings.dlt_entity_id,
        "dlt_sender_id": settings.dlt_sender_id,
        "dlt_template_id": bc.dlt_template_id,
    }
    return {k: v for k, v in fields.items() if v}
