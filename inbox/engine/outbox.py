"""The only code that sends SMS.

A row moves queued → sending (committed before the HTTP call) → sent / failed / queued again with a
backoff / unknown. `unknown` means the request may have reached the provider; such rows are matched
against the provider's own records before anything is sent again, so no customer is texted twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from inbox.core import backoff, phone
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import Channel, IndiaDlt, MessageStatus, OptOutSource, OutboundRequest, ProviderMessage
from inbox.engine import compliance, credentials, dlt, journal, verification
from inbox.engine.connections import ProviderPool
from inbox.engine.ingest import quarantine
from inbox.providers.base import (
    AuthenticationFailed,
    ConsumeOnceReports,
    MalformedResponse,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    RecipientOptedOut,
    Rejected,
    Retryable,
)
from inbox.store import audit, channels, contacts, conversations, health, lists, messages, optouts
from inbox.store.db import Database
from inbox.store.problems import public_text

log = logging.getLogger(__name__)

NO_TOKEN = "no auth token"
OPTED_OUT_REASON = "Not sent: the recipient opted out of messages from this number"
# The provider accepted the send but answered with the id of another of our messages. The customer
# probably got it; we cannot track it, and must never send it again on our own: an agent decides.
DUPLICATE_SID_REASON = (
    "Probably sent, but the provider reported the id of another message ({sid}), so its delivery "
    "cannot be tracked; check with the customer before sending it again"
)
# How long a row may sit in `sending` before we assume its sender died mid-request: longer than any
# HTTP exchange can last (the adapter's timeouts are 5 s to connect, 10 s per read), so a request
# still in flight in a stalled or deposed process is never mistaken for a dead one.
STALE_SENDING = timedelta(seconds=20)
# An `unknown` row is matched against the provider's records only once the request that made it
# has surely been processed there; a little patience costs nothing and avoids a blind resend.
RECONCILE_SETTLE = timedelta(seconds=1)
# A status refresh skips a message whose fetch failed and goes on, until this many failures: a
# provider failing a third of its requests still answers most, one that is down is left alone.
STATUS_ERRORS = 5
# Transient send failures in a row (without a Retry-After) before a run stops sending on that channel.
SEND_STRIKES = 3
INTERRUPTED_REASON = "Interrupted while sending; checking with the provider"
# A provider whose delivery reports are consumed once: a message its reports have not settled in
# this long is asked for one by one (its logs), in case a report was lost.
REPORT_GRACE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    channel_id: int
    conversation_id: int
    to_number: str
    from_number: str
    body: str
    author: str | None
    attempts: int
    dlt: IndiaDlt | None = None
    dlt_refusal: str | None = None  # why DLT forbids this text (applies where the provider takes DLT)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    refused_opted_out: int = 0
    deferred: int = 0
    unknown: int = 0
    reconciled: int = 0
    requeued: int = 0
    errors: list[str] = field(default_factory=list)


class Outbox:
    def __init__(
        self,
        db: Database,
        pool: ProviderPool,
        events: EventBus | None = None,
        rng: random.Random | None = None,
        *,
        may_send: Callable[[], bool] | None = None,
    ) -> None:
        self.db = db
        self.pool = pool
        self.events = events
        self.rng = rng or random.Random()
        # Asked before every HTTP send: a process that lost its leadership lease stops mid-batch.
        self.may_send = may_send or (lambda: True)
        self._strikes: dict[int, int] = {}

    # -- sending ---------------------------------------------------------------------------------
    def send_due(self, limit: int = 50) -> SendReport:
        report = SendReport()
        now = datetime.now(UTC)
        jobs: list[_Job] = []
        refused: list[tuple[int, int]] = []
        with self.db.write() as session:
            for row in messages.claim_due(session, now, limit):
                contact = contacts.by_phone(session, row.to_number)
                if (
                    contact
                    and optouts.is_opted_out(session, contact.id, row.channel_id)
                    and not compliance.may_send_to_opted_out(row.author)
                ):
                    messages.set_fields(
                        session, row.id, status=MessageStatus.FAILED.value, error_message=OPTED_OUT_REASON
                    )
                    refused.append((row.id, row.conversation_id))
                    continue
                text = verification.outbound_text(session, row)  # the real code for masked rows
                try:
                    india, refusal = dlt.identity(session, row.channel_id, row.to_number, text, row.author), None
                except dlt.DltRefused as exc:
                    india, refusal = None, str(exc)
                jobs.append(
                    _Job(
                        row.id,
                        row.channel_id,
                        row.conversation_id,
                        row.to_number,
                        row.from_number,
                        text,
                        row.author,
                        row.attempts,
                        india,
                        refusal,
                    )
                )
            chans = {c.id: c for c in channels.all_active(session)}
        report.refused_opted_out = len(refused)
        for msg_id, conv_id in refused:
            self._publish(conv_id, msg_id)
        blocked: set[int] = set()  # channels that hit a rate limit or outage during this run
        self._strikes = {}  # channel → transient failures in a row during this run
        for job in jobs:
            channel = chans.get(job.channel_id)
            if channel is None:
                self._finish(job, status=MessageStatus.FAILED, error_message="The channel was removed")
                report.failed += 1
                continue
            if job.channel_id in blocked or not self.may_send():
                self._requeue(job, now, attempt_used=False)
                report.deferred += 1
                continue
            if not self._still_ours(job):
                continue
            self._send_one(channel, job, report, blocked)
        return report

    def _still_ours(self, job: _Job) -> bool:
        """Renew the row's `sending` mark right before its HTTP call. A batch claimed at once can
        take longer than STALE_SENDING when answers are slow; renewed, a row is only ever taken
        for interrupted while its own request is in flight for that long. False if recovery took
        it meanwhile (marked unknown, maybe requeued): then recovery decides, and we do not send."""
        with self.db.write() as session:
            return messages.touch_sending(session, job.id, datetime.now(UTC))

    def _send_one(self, channel: Channel, job: _Job, report: SendReport, blocked: set[int]) -> None:
        now = datetime.now(UTC)
        try:
            provider = self.pool.get(channel)
            if job.dlt_refusal and getattr(provider, "sends_india_dlt", False):
                raise Rejected(job.dlt_refusal)  # before any request: the operator would drop it
            result = provider.send(OutboundRequest(job.to_number, job.from_number, job.body, job.dlt))
        except RecipientOptedOut as exc:
            self._opted_out_by_provider(channel, job, exc)
            report.refused_opted_out += 1
        except Rejected as exc:
            self._finish(job, status=MessageStatus.FAILED, error_code=exc.code, error_message=str(exc))
            report.failed += 1
        except OutcomeUnknown as exc:
            log.warning("send of message %d has an unknown outcome (%s); will reconcile", job.id, exc)
            self._finish(job, status=MessageStatus.UNKNOWN, error_message=str(exc)[:400])
            report.unknown += 1
        except (Retryable, AuthenticationFailed) as exc:
            retry_after = exc.retry_after if isinstance(exc, Retryable) else None
            wait = backoff.delay(job.attempts, retry_after=retry_after, rng=self.rng)
            if isinstance(exc, AuthenticationFailed):
                wait = max(wait, 60.0)
            self._requeue(job, now, delay=wait, error=str(exc))
            self._record_health_failure(channel, str(exc), now + timedelta(seconds=wait))
            strikes = self._strikes[channel.id] = self._strikes.get(channel.id, 0) + 1
            # The provider asked us to wait (429, Retry-After), refused our credentials, or looks
            # down: the channel's other messages wait for the next run. One stray 500 in a
            # partial outage only sends this message to the back of the queue.
            if (
                isinstance(exc, RateLimited | AuthenticationFailed)
                or retry_after is not None
                or strikes >= SEND_STRIKES
            ):
                blocked.add(channel.id)
            report.deferred += 1
            report.errors.append(str(exc))
            if not isinstance(exc, RateLimited):
                log.warning("channel %s: send failed (%s); retrying in %.0f s", channel.name, exc, wait)
        except ProviderError as exc:  # any other adapter error: keep the message, try later
            self._requeue(job, now, delay=backoff.delay(job.attempts, rng=self.rng), error=str(exc))
            report.deferred += 1
        except Exception as exc:  # noqa: BLE001 - e.g. missing credentials: keep the message
            # Held for want of a token: marked, so a token given later releases it at once
            # (send_waiting_for_token), and no attempt is spent: nothing reached the provider.
            no_token = isinstance(exc, credentials.MissingCredentials)
            said = public_text(exc)  # a database error's text would quote numbers and bodies
            error = f"{NO_TOKEN}: {said}" if no_token else said
            self._requeue(job, now, delay=60.0, error=error, attempt_used=not no_token)
            self._record_health_failure(channel, said, now + timedelta(seconds=60))
            blocked.add(channel.id)
            report.deferred += 1
            report.errors.append(said)
        else:
            self._strikes.pop(channel.id, None)
            if not self._record_sent(channel, job, result, now):
                report.failed += 1
                return
            report.sent += 1
            log.info("sent message %d to %s", job.id, phone.mask(job.to_number))
            self._publish(job.conversation_id, job.id)

    def _record_sent(self, channel: Channel, job: _Job, result: ProviderMessage, now: datetime) -> bool:
        """Link the row to the provider's record; False if the provider reused another message's id.

        That row is not `unknown` (reconciliation would find the id taken and send it again, for
        ever): it is failed with the reason, for an agent to see, and never sent again by us.
        """
        sid = result.provider_message_id
        try:
            with self.db.write() as session:
                if not messages.provider_id_taken(session, channel.id, sid, job.id):
                    messages.set_fields(
                        session,
                        job.id,
                        status=result.status.value,
                        provider_message_id=sid,
                        sent_at=result.date_sent or now,
                        error_code=None,
                        error_message=None,
                        next_attempt_at=None,
                    )
                    health.send_ok(session, channel.id, now)
                    return True
        except IntegrityError:  # taken between our check and the write (another process)
            pass
        log.error("message %d: the provider answered with the id of another message (%s); not resending", job.id, sid)
        with self.db.write() as session:
            messages.set_fields(
                session,
                job.id,
                status=MessageStatus.FAILED.value,
                error_code=None,
                error_message=DUPLICATE_SID_REASON.format(sid=sid[:64])[:400],
                next_attempt_at=None,
            )
            conversations.set_fields(session, job.conversation_id, failed_delivery=True)
            audit.record(session, "provider", "duplicate_sid", f"message:{job.id}", channel=channel.id, sid=sid[:64])
        self._publish(job.conversation_id, job.id)
        return False

    def _finish(
        self, job: _Job, *, status: MessageStatus, error_code: int | None = None, error_message: str | None = None
    ) -> None:
        with self.db.write() as session:
            messages.set_fields(
                session,
                job.id,
                status=status.value,
                error_code=error_code,
                error_message=(error_message or "")[:400] or None,
            )
            if status is MessageStatus.FAILED:
                conversations.set_fields(session, job.conversation_id, failed_delivery=True)
        self._publish(job.conversation_id, job.id)

    def send_waiting_for_token(self, channel_ids: set[int]) -> int:
        """Make the messages held back for want of a token due now (a token was just given).
        Only those: broadcast pacing, pauses and quiet-hour slots keep their times."""
        with self.db.write() as session:
            return messages.undefer(session, channel_ids, f"Retrying: {NO_TOKEN}")

    def _requeue(
        self, job: _Job, now: datetime, *, delay: float = 0.0, error: str | None = None, attempt_used: bool = True
    ) -> None:
        with self.db.write() as session:
            fields: dict = {"status": MessageStatus.QUEUED.value, "next_attempt_at": now + timedelta(seconds=delay)}
            if error:
                fields["error_message"] = f"Retrying: {error}"[:400]
            if not attempt_used:
                fields["attempts"] = max(0, job.attempts - 1)
            messages.set_fields(session, job.id, **fields)

    def _opted_out_by_provider(self, channel: Channel, job: _Job, exc: RecipientOptedOut) -> None:
        now = datetime.now(UTC)
        with self.db.write() as session:
            messages.set_fields(
                session, job.id, status=MessageStatus.FAILED.value, error_code=exc.code, error_message=OPTED_OUT_REASON
            )
            contact = contacts.by_phone(session, job.to_number)
            if contact is not None:
                optouts.record(
                    session,
                    contact.id,
                    channel.id,
                    opted_out=True,
                    at=now,
                    source=OptOutSource.PROVIDER,
                    keyword=None,
                    source_message_id=job.id,
                )
                # The same consequences as a STOP we read ourselves: the contact leaves every list
                # joined through this number, with history saying why.
                lists.leave_all(session, contact.id, channel.id, reason="opt_out", at=now, source_message_id=job.id)
                audit.record(session, "provider", "opt_out", f"contact:{contact.id}", channel=channel.id, code=exc.code)
            conversations.set_fields(session, job.conversation_id, failed_delivery=True)
        self._publish(job.conversation_id, job.id)

    def _record_health_failure(self, channel: Channel, error: str, next_retry: datetime) -> None:
        with self.db.write() as session:
            health.failed(session, channel.id, datetime.now(UTC), error, next_retry, kind=health.SEND)

    def _publish(self, conversation_id: int, message_id: int) -> None:
        if self.events:
            self.events.publish(MessagesChanged(frozenset({conversation_id}), frozenset({message_id})))
            self.events.publish(ConversationsChanged(frozenset({conversation_id})))

    # -- recovery --------------------------------------------------------------------------------
    def mark_interrupted(self, older_than: timedelta = STALE_SENDING) -> int:
        """Rows left in `sending` by a process that died mid-request become `unknown`."""
        cutoff = datetime.now(UTC) - older_than
        with self.db.write() as session:
            return messages.mark_interrupted(session, cutoff, INTERRUPTED_REASON)

    def reconcile(self, report: SendReport | None = None, settle: timedelta = RECONCILE_SETTLE) -> SendReport:
        """Settle `unknown` rows: link them to the provider's record if the send happened, else requeue.

        Each row is decided in one write transaction that re-checks it is still `unknown`, so two
        reconcilers (or a reconciler racing a late send result) never both act on it.
        """
        report = report or SendReport()
        cutoff = datetime.now(UTC) - settle
        with self.db.read() as session:
            # The text the provider got: for a masked code message that is the real code, not the mask.
            rows = [
                (
                    r.id,
                    r.channel_id,
                    r.conversation_id,
                    r.to_number,
                    r.from_number,
                    verification.outbound_text(session, r),
                    r.created_at,
                )
                for r in messages.with_status(session, MessageStatus.UNKNOWN)
                if r.updated_at <= cutoff
            ]
            chans = {c.id: c for c in channels.all_active(session)}
        # One listing per recipient and run: rows are oldest first, so the first row's listing
        # covers the later ones. Each row is decided (and committed) on its own, so a failure
        # half-way keeps every decision made before it.
        listings: dict[tuple[int, str], list[ProviderMessage]] = {}
        stopped: set[int] = set()  # channels that rate-limited us or refused our credentials
        for msg_id, channel_id, conv_id, to_number, from_number, body, created_at in rows:
            channel = chans.get(channel_id)
            if channel is None or channel_id in stopped:
                continue
            found = listings.get((channel_id, to_number))
            if found is None:
                provider = None
                try:
                    # Inside the try: a channel without credentials must not stop the others' reconciling.
                    provider = self.pool.get(channel)
                    found = provider.find_sent(to_number, created_at - timedelta(minutes=5))
                except Exception as exc:  # noqa: BLE001 - stay unknown and try again next cycle
                    self._save_quarantined(channel, provider, exc)
                    report.errors.append(public_text(exc))
                    if isinstance(exc, RateLimited | AuthenticationFailed):
                        stopped.add(channel_id)
                    continue
                self._save_quarantined(channel, provider)
                listings[(channel_id, to_number)] = found
            candidates = [
                m
                for m in found
                if m.body == body
                and m.from_number == from_number
                and (m.date_created is None or m.date_created >= created_at - timedelta(minutes=5))
            ]
            with self.db.write() as session:
                current = messages.outbound(session, msg_id)
                if current is None or current.status != MessageStatus.UNKNOWN or current.provider_message_id:
                    continue
                if messages.sending_to(session, channel_id, to_number):
                    continue  # its answer could be our match: decide once it has landed
                taken = messages.linked_provider_ids(session, channel_id, [m.provider_message_id for m in candidates])
                free = sorted(
                    (m for m in candidates if m.provider_message_id not in taken),
                    key=lambda m: (m.date_created or created_at, m.provider_message_id),
                )
                if free:
                    match = free[0]
                    messages.set_fields(
                        session,
                        msg_id,
                        status=match.status.value,
                        provider_message_id=match.provider_message_id,
                        sent_at=match.date_sent or match.date_created,
                        error_message=None,
                    )
                    report.reconciled += 1
                else:
                    messages.set_fields(
                        session, msg_id, status=MessageStatus.QUEUED.value, next_attempt_at=None, error_message=None
                    )
                    report.requeued += 1
            self._publish(conv_id, msg_id)
        return report

    def _save_quarantined(self, channel: Channel, provider: object, exc: Exception | None = None) -> None:
        """Keep what reconciliation could not read, as polls do, so a bad answer can be diagnosed."""
        for reason, raw in getattr(provider, "sent_quarantined", ()) or ():
            quarantine(self.db, channel.id, f"reconcile: {reason}", raw)
        if isinstance(exc, MalformedResponse):
            quarantine(self.db, channel.id, f"reconcile: malformed page: {exc}", exc.raw)

    # -- delivery state ----------------------------------------------------------------------------
    def refresh_statuses(self, channel: Channel, limit: int = 200) -> int:
        """Bring the delivery states of sent messages up to date; returns how many changed.

        In bulk where the adapter can list our sends (`statuses_since`: one page answers for many
        messages), then one message at a time for whatever the list did not show. Every answer is
        committed as soon as it arrives, so under a sustained partial outage each refresh keeps
        what it got before a failure and the next one carries on from there. A rate limit or bad
        credentials end this refresh; other failures skip one message, up to `STATUS_ERRORS` of them.
        Raises the first error only when it obtained nothing at all.
        """
        with self.db.read() as session:
            rows = messages.awaiting_status(session, channel.id, limit)
            pending = {r.provider_message_id: r.id for r in rows if r.provider_message_id}
            oldest = min((r.sent_at or r.created_at for r in rows), default=None)
        if not pending or oldest is None:
            return 0
        provider = self.pool.get(channel)
        left = dict(pending)
        changed = 0
        answered = 0
        first_error: ProviderError | None = None
        if isinstance(provider, ConsumeOnceReports):
            # Reports handed out once: journaled before they are applied (engine.journal). What
            # they did not settle is asked for one by one, once it is old enough that a report
            # should have come (the provider's logs answer those).
            changed += journal.take_reports(self.db, channel, provider, lambda ups: self._apply_reports(channel, ups))
            with self.db.read() as session:
                grace = datetime.now(UTC) - REPORT_GRACE
                rows = messages.awaiting_status(session, channel.id, limit)
                left = {
                    r.provider_message_id: r.id
                    for r in rows
                    if r.provider_message_id and (r.sent_at or r.created_at) < grace
                }
                pending.update(left)
        bulk = getattr(provider, "statuses_since", None)
        if callable(bulk):
            try:
                for page in bulk(oldest):
                    updates = [u for u in page if u.provider_message_id in left]
                    for update in updates:
                        left.pop(update.provider_message_id, None)
                    answered += len(updates)
                    changed += self._apply_statuses(pending, updates)
                    self._save_status_quarantined(channel, provider)
                    if not left:
                        break
            except ProviderError as exc:
                first_error = exc
                self._save_status_quarantined(channel, provider)
                if isinstance(exc, MalformedResponse):
                    quarantine(self.db, channel.id, f"status refresh: malformed page: {exc}", exc.raw)
                if isinstance(exc, RateLimited | AuthenticationFailed):
                    return self._refresh_done(channel, changed, answered, exc)
        errors = 0
        for sid in left:  # oldest first: awaiting_status is ordered by id
            try:
                updates = list(provider.fetch_status([sid]))
            except (RateLimited, AuthenticationFailed) as exc:
                first_error = first_error or exc
                break
            except ProviderError as exc:
                first_error = first_error or exc
                errors += 1
                if errors >= STATUS_ERRORS:
                    break
                continue
            finally:
                self._save_status_quarantined(channel, provider)
            answered += 1
            changed += self._apply_statuses(pending, updates)
        return self._refresh_done(channel, changed, answered, first_error)

    def _refresh_done(self, channel: Channel, changed: int, answered: int, error: ProviderError | None) -> int:
        if error is not None:
            if not answered:
                raise error
            log.info("channel %s: status refresh partly failed (%s); %d answer(s) kept", channel.name, error, answered)
        return changed

    def _save_status_quarantined(self, channel: Channel, provider: object) -> None:
        """Keep what the adapter set aside so far, and empty its list (in place: a listing still
        under way appends to it) so nothing is kept twice."""
        kept = getattr(provider, "status_quarantined", None)
        if not isinstance(kept, list):
            return
        for reason, raw in kept:
            quarantine(self.db, channel.id, f"status refresh: {reason}", raw)
        kept.clear()

    def _apply_reports(self, channel: Channel, updates: Sequence[ProviderMessage]) -> int:
        """Apply delivery reports that name our messages by the provider's id only."""
        with self.db.read() as session:
            ids = messages.ids_by_provider_id(session, channel.id, (u.provider_message_id for u in updates))
        return self._apply_statuses(ids, list(updates))

    def _apply_statuses(self, pending: dict[str, int], updates: list[ProviderMessage]) -> int:
        """Apply and commit one batch of provider states (one transaction); returns how many changed."""
        if not updates:
            return 0
        changed = 0
        conv_ids: set[int] = set()
        msg_ids: set[int] = set()
        with self.db.write() as session:
            for update in updates:
                msg_id = pending.get(update.provider_message_id)
                row = messages.apply_status(session, msg_id, update) if msg_id else None
                if row is None:
                    continue
                changed += 1
                conv_ids.add(row.conversation_id)
                msg_ids.add(row.id)
                if update.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
                    conversations.set_fields(session, row.conversation_id, failed_delivery=True)
        if changed and self.events:
            self.events.publish(MessagesChanged(frozenset(conv_ids), frozenset(msg_ids)))
            self.events.publish(ConversationsChanged(frozenset(conv_ids)))
        return changed
