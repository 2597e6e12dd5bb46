"""Inbound: provider batch → stored, threaded, answered, cursor advanced — one transaction per chunk.

Chunks go oldest first and each commits its own cursor, so a crash between chunks loses nothing
(the next poll starts after the last committed chunk) and a replay changes nothing (provider ids
are unique per channel, automation replies are unique per MO and rule).

One record the database refuses must not hold back the others: records are fitted to the schema
before they are stored (`messages.fit_inbound`), and should the database still refuse a chunk for
a value it holds, the chunk is split until the culprit is alone, and that record is set aside.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from inbox.core import phone
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import Channel, InboundMessage, PollCursor
from inbox.engine import assignment, automation, screening
from inbox.providers.base import InboundBatch
from inbox.store import arrivals, conversations, cursors, health, messages
from inbox.store import quarantine as quarantined
from inbox.store.db import Database
from inbox.store.problems import describe_failure

log = logging.getLogger(__name__)

# A chunk is one write transaction. Stored in bulk, 5,000 messages hold the SQLite write lock for
# about 0.7 s, so lease renewals (a third of the shortest lease apart) and the sender still
# interleave with a big catch-up; bigger chunks amortise the per-chunk statements, the full-text
# index segment each commit writes and later merges, and repeated conversation updates
# (100k messages: 500 per chunk 15.7 s, 2,000 12.8–14.2 s, 5,000 11.5–13.7 s, 10,000 13.1 s).
CHUNK = 5000
# How a value of one record the database cannot hold shows: refused by the database (too long, NUL,
# out of range, a constraint) or not even encodable by the driver. Anything else (a lost
# connection, a locked database, a bug) fails the poll, which is retried later.
RECORD_ERRORS = (DataError, IntegrityError, UnicodeEncodeError, OverflowError)


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    replies_queued: int = 0
    provider_replies: int = 0  # the provider's own replies recorded in threads (`engine.provider_replies`)
    conversation_ids: set[int] = field(default_factory=set)
    problem: str | None = None  # the poll stored this but is not complete (see InboundBatch.incomplete)


def quarantine(db: Database, channel_id: int | None, reason: str, raw: str | bytes) -> None:
    """Keep what a provider sent that we could not use, as text, for an admin to diagnose (once per
    distinct payload, counting sightings)."""
    with db.write() as session:
        quarantined.keep(session, channel_id, reason, raw)


def ingest(
    db: Database, channel: Channel, batch: InboundBatch, events: EventBus | None = None, chunk: int = CHUNK
) -> IngestReport:
    report = IngestReport(received=len(batch.messages))
    # Oldest first; a stable sort keeps the provider's order for texts dated in the same second
    # (one-second resolution, random ids): "STOP" then "START" must stay in that order.
    items = sorted(batch.messages, key=lambda m: m.date_sent)
    # A batch cut short (`incomplete`) must not move the cursor at all: what it missed is older.
    ceiling = None if batch.incomplete else batch.cursor
    refused: list[tuple[InboundMessage, Exception]] = []
    for start in range(0, max(len(items), 1), chunk):
        _commit(db, channel, items[start : start + chunk], ceiling, report, events, refused)
    if refused:
        if not (report.stored or report.duplicates):
            # Not one record of the batch could be written: the database is the problem (a full
            # disk, a constraint or trigger on every row), not these records. Nothing is set
            # aside; the poll fails, the cursor has not moved, and they are asked for again.
            raise refused[0][1]
        for msg, exc in refused:
            log.warning(
                "channel %s: the database refused an inbound record (%s); set aside in quarantine",
                channel.name,
                describe_failure(exc),
            )
            quarantine(db, channel.id, f"could not store: {describe_failure(exc)}", json.dumps(_raw(msg)))
            report.quarantined += 1
    if ceiling is not None and ceiling.newest_date_sent:
        with db.write() as session:
            cursors.advance(session, channel.id, batch.cursor)
    if report.stored:
        log.info(
            "channel %s: stored %d new inbound, %d replays ignored, %d replies queued",
            channel.name,
            report.stored,
            report.duplicates,
            report.replies_queued,
        )
    return report


def _commit(
    db: Database,
    channel: Channel,
    part: list[InboundMessage],
    ceiling: PollCursor | None,
    report: IngestReport,
    events: EventBus | None,
    refused: list[tuple[InboundMessage, Exception]],
) -> None:
    """Store `part` (oldest first) in one transaction with the cursor it covers; if the database
    refuses a value in it, store each half in turn the same way, down to the one record it
    refuses, which goes to `refused` (set aside once the batch shows the database takes others).
    The cursor of a part never passes the batch's: a record dated in
    the future moves it no further than the poll did; with no ceiling the cursor stays."""
    attempt = IngestReport()
    try:
        with db.write() as session:
            conv_ids, msg_ids = _store_chunk(session, channel, part, attempt)
            if ceiling is not None:
                newest = max((m.date_sent for m in part), default=None)
                if newest is not None and ceiling.newest_date_sent is not None:
                    newest = min(newest, ceiling.newest_date_sent)
                cursors.advance(session, channel.id, PollCursor(newest) if newest else ceiling)
            health.poll_ok(session, channel.id, datetime.now(UTC))
    except RECORD_ERRORS as exc:
        if not part:
            raise
        if len(part) == 1:
            refused.append((part[0], exc))
            return
        half = len(part) // 2
        _commit(db, channel, part[:half], ceiling, report, events, refused)
        _commit(db, channel, part[half:], ceiling, report, events, refused)
        return
    for name in ("stored", "duplicates", "quarantined", "replies_queued", "provider_replies"):
        setattr(report, name, getattr(report, name) + getattr(attempt, name))
    report.conversation_ids |= conv_ids
    if events and conv_ids:
        events.publish(MessagesChanged(frozenset(conv_ids), frozenset(msg_ids)))
        events.publish(ConversationsChanged(frozenset(conv_ids)))


@lru_cache(maxsize=65536)
def _normalized(number: str) -> str | None:
    """E.164 of a sender, None if it is not a phone number (parsing is costly; senders repeat)."""
    try:
        return phone.normalize(number)
    except phone.InvalidPhoneNumber:
        return None


def _store_chunk(
    session: Session, channel: Channel, part: list[InboundMessage], report: IngestReport
) -> tuple[set[int], set[int]]:
    """Store one chunk (oldest first) in bulk; only messages an automation might act on run the chain.

    Bulk: drop replays, get-or-create contacts and conversations, insert the messages, and touch
    each quiet conversation once. A conversation with any message that is not quiet (a keyword, a
    code, a poll answer...) instead has all its messages of the chunk touched and run through the
    chain one by one, in arrival order, as before (STOP then START stays in order); only steps whose
    screen is sure they would do nothing are skipped (`screening.run`).
    """
    fitted: list[InboundMessage] = []
    for msg in part:
        try:
            fitted.append(messages.fit_inbound(msg))
        except messages.Unstorable as exc:
            quarantined.keep(session, channel.id, f"unstorable record: {exc}", json.dumps(_raw(msg)))
            report.quarantined += 1
    known = arrivals.known_provider_ids(session, channel.id, (m.provider_message_id for m in fitted))
    fresh: list[tuple[InboundMessage, str]] = []
    seen: set[str] = set()
    for msg in fitted:
        if msg.provider_message_id in known or msg.provider_message_id in seen:
            report.duplicates += 1
            continue
        sender = _normalized(msg.from_number)
        if sender is None:
            quarantined.keep(session, channel.id, "invalid sender number", json.dumps(_raw(msg)))
            report.quarantined += 1
            continue
        seen.add(msg.provider_message_id)
        fresh.append((msg, sender))
    if not fresh:
        return set(), set()
    contact_of = arrivals.contact_ids(session, (sender for _, sender in fresh))
    first_seen: dict[int, datetime] = {}
    for msg, sender in fresh:
        first_seen.setdefault(contact_of[sender], msg.date_sent)
    conversation_of = arrivals.conversation_ids(session, channel.id, first_seen)
    rows = [_inbound_row(channel, conversation_of[contact_of[sender]], msg) for msg, sender in fresh]
    new_ids = arrivals.insert_messages(session, rows)
    stored: list[tuple[InboundMessage, str, screening.Arrival, int]] = []
    for msg, sender in fresh:
        msg_id = new_ids.get(msg.provider_message_id)
        if msg_id is None:  # stored meanwhile by someone else
            report.duplicates += 1
            continue
        contact_id = contact_of[sender]
        arrival = screening.Arrival.of(contact_id, conversation_of[contact_id], msg.body, msg.date_sent)
        stored.append((msg, sender, arrival, msg_id))
    report.stored += len(stored)
    if not stored:
        return set(), set()
    state = screening.prefetch(
        session,
        channel,
        {a.contact_id for _, _, a, _ in stored},
        {a.conversation_id for _, _, a, _ in stored},
        stored[0][0].date_sent,
        stored[-1][0].date_sent,
    )
    busy = {a.conversation_id for _, _, a, _ in stored if not screening.quiet(state, a)}
    conv_ids = {a.conversation_id for _, _, a, _ in stored}
    # Read before the messages are applied: which threads they start or reopen (auto-assignment).
    starting = assignment.awaiting(session, channel.id, conv_ids)
    msg_ids = {msg_id for *_, msg_id in stored}
    touches: dict[int, list[tuple[InboundMessage, int]]] = {}
    for msg, sender, arrival, msg_id in stored:
        if arrival.conversation_id not in busy:
            touches.setdefault(arrival.conversation_id, []).append((msg, msg_id))
            continue
        before = conversations.touch_inbound(session, arrival.conversation_id, msg.date_sent, msg.body)
        ctx = automation.InboundContext(
            session=session,
            channel=channel,
            contact_id=arrival.contact_id,
            conversation_id=arrival.conversation_id,
            message_id=msg_id,
            contact_phone=sender,
            body=msg.body,
            at=msg.date_sent,
            before=before,
        )
        screening.run(state, arrival, ctx)
        report.replies_queued += len(ctx.queued_ids)
        msg_ids.update(ctx.queued_ids)
        msg_ids.update(ctx.recorded_ids)
        report.provider_replies += len(ctx.recorded_ids)
    arrivals.touch_inbound_many(session, [_touch(conv_id, run) for conv_id, run in touches.items()])
    if starting:
        assignment.assign_arrivals(session, channel.id, starting, datetime.now(UTC))
    return conv_ids, msg_ids


def _touch(conversation_id: int, run: list[tuple[InboundMessage, int]]) -> arrivals.InboundTouch:
    newest = run[0][0]
    for msg, _ in run:
        if msg.date_sent >= newest.date_sent:  # the last of the newest, as touch_inbound in order would
            newest = msg
    return arrivals.InboundTouch(
        conversation_id=conversation_id,
        count=len(run),
        newest_at=newest.date_sent,
        newest_preview=conversations.preview_of(newest.body),
        first_at=run[0][0].date_sent,
    )


def _inbound_row(channel: Channel, conversation_id: int, msg: InboundMessage) -> dict[str, Any]:
    return messages.inbound_values(channel.id, conversation_id, msg, channel.number)


def _raw(msg: InboundMessage) -> dict:
    return {
        "sid": msg.provider_message_id,
        "from": msg.from_number,
        "to": msg.to_number,
        "body": msg.body,
        "date_sent": msg.date_sent.isoformat(),
    }
