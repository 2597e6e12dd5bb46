"""The only code that sends SMS.

A row moves queued → sending (committed before the HTTP call) → sent / failed / queued again with a
backoff / unknown. `unknown` means the request may have reached the provider; such rows are matched
against the provider's own records before anything is sent again, so no customer is texted twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from inbox.core import backoff, phone
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import Channel, MessageStatus, OptOutSource, OutboundRequest
from inbox.engine import compliance, credentials, verification
from inbox.engine.connections import ProviderPool
from inbox.engine.ingest import quarantine
from inbox.providers.base import (
    AuthenticationFailed,
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
# How long a row may sit in `sending` before we assume its sender died mid-request: longer than any
# HTTP exchange can last (the adapter's timeouts are 5 s to connect, 10 s per read), so a request
# still in flight in a stalled or deposed process is never mistaken for a dead one.
STALE_SENDING = timedelta(seconds=20)
# An `unknown` row is matched against the provider's records only once the request that made it
# has surely been processed there; a little patience costs nothing and avoids a blind resend.
RECONCILE_SETTLE = timedelta(seconds=1)


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
                    row.status = MessageStatus.FAILED.value
                    row.error_message = OPTED_OUT_REASON
                    refused.append((row.id, row.conversation_id))
                    continue
                jobs.append(
                    _Job(
                        row.id,
                        row.channel_id,
                        row.conversation_id,
                        row.to_number,
                        row.from_number,
                        verification.outbound_text(session, row),  # the real code for masked rows
                        row.author,
                        row.attempts,
                    )
                )
            chans = {c.id: c for c in channels.all_active(session)}
        report.refused_opted_out = len(refused)
        for msg_id, conv_id in refused:
            self._publish(conv_id, msg_id)
        blocked: set[int] = set()  # channels that hit a rate limit or outage during this run
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
            self._send_one(channel, job, report, blocked)
        return report

    def _send_one(self, channel: Channel, job: _Job, report: SendReport, blocked: set[int]) -> None:
        now = datetime.now(UTC)
        try:
            provider = self.pool.get(channel)
            result = provider.send(OutboundRequest(job.to_number, job.from_number, job.body))
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
            with self.db.write() as session:
                messages.set_fields(
                    session,
                    job.id,
                    status=result.status.value,
                    provider_message_id=result.provider_message_id,
                    sent_at=result.date_sent or now,
                    error_code=None,
                    error_message=None,
                    next_attempt_at=None,
                )
                health.send_ok(session, channel.id, now)
            report.sent += 1
            log.info("sent message %d to %s", job.id, phone.mask(job.to_number))
            self._publish(job.conversation_id, job.id)

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
        count = 0
        with self.db.write() as session:
            for row in messages.with_status(session, MessageStatus.SENDING):
                if row.updated_at <= cutoff:
                    row.status = MessageStatus.UNKNOWN.value
                    row.error_message = "Interrupted while sending; checking with the provider"
                    count += 1
        return count

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
        for msg_id, channel_id, conv_id, to_number, from_number, body, created_at in rows:
            channel = chans.get(channel_id)
            if channel is None:
                continue
            provider = None
            try:
                # Inside the try: a channel without credentials must not stop the others' reconciling.
                provider = self.pool.get(channel)
                found = provider.find_sent(to_number, created_at - timedelta(minutes=5))
            except Exception as exc:  # noqa: BLE001 - stay unknown and try again next cycle
                self._save_quarantined(channel, provider, exc)
                report.errors.append(public_text(exc))
                continue
            self._save_quarantined(channel, provider)
            candidates = [
                m
                for m in found
                if m.body == body
                and m.from_number == from_number
                and (m.date_created is None or m.date_created >= created_at - timedelta(minutes=5))
            ]
            with self.db.write() as session:
                current = messages.get_row(session, msg_id)
                if current is None or current.status != MessageStatus.UNKNOWN.value or current.provider_message_id:
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
        with self.db.read() as session:
            pending = {r.provider_message_id: r.id for r in messages.awaiting_status(session, channel.id, limit)}
        if not pending:
            return 0
        provider = self.pool.get(channel)
        updates = provider.fetch_status(list(pending))
        for reason, raw in getattr(provider, "status_quarantined", ()) or ():
            quarantine(self.db, channel.id, f"status refresh: {reason}", raw)
        changed = 0
        with self.db.write() as session:
            conv_ids: set[int] = set()
            msg_ids: set[int] = set()
            for update in updates:
                msg_id = pending.get(update.provider_message_id)
                row = messages.get_row(session, msg_id) if msg_id else None
                if row is None or not messages.apply_status(session, row, update):
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
