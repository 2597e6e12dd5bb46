"""Consume-once providers: every raw answer is committed to the journal before it is parsed.

A consume-once list (Infobip's inbound messages and delivery reports) hands each record out once
and takes no acknowledgement, so an answer parsed in memory and lost to a crash is lost for good.
The rule here, for both kinds:

1. journal rows a previous run committed but did not finish are ingested first;
2. each new answer is committed to `provider_journal` in a transaction of its own, as it came;
3. only then is it parsed and ingested (the ingest's own transactions), and the row marked done.

A kill after step 2 loses nothing: the row is ingested by the next poll, and ingest is idempotent
(provider ids are unique per channel), so a kill after the ingest but before the row is marked
done adds nothing either. The residual risk is between the provider's answer and the commit of
step 2 (a crash, or an answer lost in transit): that page is gone from the provider. Pages are kept
small (the adapter's `limit`) to bound it; a provider's logs endpoint can fill such a gap by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from inbox.core.events import EventBus
from inbox.core.models import Channel, ProviderMessage
from inbox.engine.ingest import IngestReport, ingest, quarantine
from inbox.providers.base import ConsumeOnceInbound, ConsumeOnceReports, MalformedResponse
from inbox.store import journal
from inbox.store.db import Database

log = logging.getLogger(__name__)

# One poll takes at most this many pages (the provider says when it holds more); the next poll
# carries on. Bounded so a flood cannot keep one poll, and the lease renewal behind it, waiting.
MAX_PAGES_PER_POLL = 20
UNREADABLE_PAGE = (
    "an inbound page the provider hands out only once could not be read; it is kept whole in quarantine "
    "(its texts may be missing from the inbox: see the quarantine)"
)


def poll(db: Database, channel: Channel, provider: ConsumeOnceInbound, events: EventBus | None) -> IngestReport:
    """Ingest what the journal still holds, then take new pages until the provider has no more."""
    total = IngestReport()
    with db.read() as session:
        left = journal.pending(session, channel.id, journal.INBOUND)
    for entry in left:
        log.info("channel %s: ingesting a journaled inbound page left by an earlier run", channel.name)
        _ingest(db, channel, provider, entry.id, entry.body, events, total)
    for _ in range(MAX_PAGES_PER_POLL):
        page = provider.take_inbound()
        if page.count == 0 and not page.more:
            # Nothing was handed out: nothing to keep. An empty ingest records the poll's health.
            _merge(total, ingest(db, channel, provider.parse_inbound(page.body), events))
            break
        entry_id = _journal(db, channel, journal.INBOUND, page.body)
        _ingest(db, channel, provider, entry_id, page.body, events, total)
        if not page.more:
            break
    return total


def _journal(db: Database, channel: Channel, kind: str, body: str) -> int:
    with db.write() as session:
        return journal.append(session, channel.id, kind, body)


def _ingest(
    db: Database,
    channel: Channel,
    provider: ConsumeOnceInbound,
    entry_id: int,
    body: str,
    events: EventBus | None,
    total: IngestReport,
) -> None:
    try:
        batch = provider.parse_inbound(body)
    except MalformedResponse as exc:
        # Unreadable for good (the body will not change): kept whole in quarantine, row done.
        quarantine(db, channel.id, f"journaled inbound answer unreadable: {exc}", body)
        _done(db, entry_id)
        total.quarantined += 1
        # The provider forgot that page when it handed it out: its texts may be in the quarantined
        # body only. The poll must say so, not report a healthy channel.
        total.problem = UNREADABLE_PAGE
        return
    for reason, raw in getattr(provider, "last_quarantined", ()) or ():
        quarantine(db, channel.id, reason, raw)
    report = ingest(db, channel, batch, events)  # raises: the row stays pending, retried next poll
    report.quarantined += batch.skipped
    _done(db, entry_id)
    _merge(total, report)


def _done(db: Database, entry_id: int) -> None:
    with db.write() as session:
        journal.mark_done(session, entry_id)


def _merge(total: IngestReport, part: IngestReport) -> None:
    for name in ("received", "stored", "duplicates", "quarantined", "replies_queued"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.conversation_ids |= part.conversation_ids
    total.problem = total.problem or part.problem


def take_reports(
    db: Database,
    channel: Channel,
    provider: ConsumeOnceReports,
    apply: Callable[[Sequence[ProviderMessage]], int],
) -> int:
    """Delivery reports by the same rule: journal first, then `apply` (which commits the states),
    then mark done. Returns how many states changed."""
    changed = 0
    with db.read() as session:
        left = [(e.id, e.body) for e in journal.pending(session, channel.id, journal.REPORTS)]
    for entry_id, body in left:
        changed += _apply_reports(db, channel, provider, entry_id, body, apply)
    for _ in range(MAX_PAGES_PER_POLL):
        page = provider.take_reports()
        if page.count == 0 and not page.more:
            break
        entry_id = _journal(db, channel, journal.REPORTS, page.body)
        changed += _apply_reports(db, channel, provider, entry_id, page.body, apply)
        if not page.more:
            break
    return changed


def _apply_reports(
    db: Database,
    channel: Channel,
    provider: ConsumeOnceReports,
    entry_id: int,
    body: str,
    apply: Callable[[Sequence[ProviderMessage]], int],
) -> int:
    try:
        batch = provider.parse_reports(body)
    except MalformedResponse as exc:
        quarantine(db, channel.id, f"journaled delivery reports unreadable: {exc}", body)
        _done(db, entry_id)
        return 0
    for reason, raw in batch.skipped:
        quarantine(db, channel.id, f"delivery report: {reason}", raw)
    changed = apply(batch.updates)
    _done(db, entry_id)
    return changed


def prune(db: Database) -> int:
    with db.write() as session:
        return journal.prune(session)
