"""The engine's heartbeat: poll, send, refresh, reconcile — on APScheduler jobs or once from the CLI.

`JOBS` declares each job once; the scheduler (`Runner.start`) and one cycle (`Runner.sync_once`)
both derive from it.

With a `Leadership`, the poll, send and refresh jobs only act while this process holds the inbox's
lease, so several daemons (or desktops) on one database never poll or send twice; the lease job
renews it every third of its period and the others take over when the holder dies.
"""

from __future__ import annotations

import logging
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from inbox.core import backoff, durations, phone
from inbox.core.events import (
    ChannelCredentialsChanged,
    ChannelHealthChanged,
    ConversationsChanged,
    Event,
    EventBus,
)
from inbox.core.models import Channel
from inbox.engine import journal, provider_replies, replies
from inbox.engine.assignment import release_offline
from inbox.engine.connections import ProviderPool
from inbox.engine.engagement import tick as engagement_tick
from inbox.engine.ingest import IngestReport, ingest, quarantine
from inbox.engine.leadership import Leadership
from inbox.engine.lookups import run_lookups
from inbox.engine.outbox import Outbox, SendReport
from inbox.providers.base import (
    AckAfterCommitInbound,
    ConsumeOnceInbound,
    InboundBatch,
    InboundSemantics,
    MalformedResponse,
    ProviderError,
    Retryable,
    inbound_semantics,
)
from inbox.store import channels, cursors, feed, health
from inbox.store.db import Database
from inbox.store.problems import describe_failure, public_text

NOT_OWNED = (
    "the account does not own {number}: texts to it never reach Inbox; fix the number or the account in "
    "Settings ▸ Channels (Edit…) or with `inbox channel edit`"
)

log = logging.getLogger(__name__)

JOB_WORKERS = 12  # more than there are JOBS: no job ever waits for a free worker
HOUSEKEEPING_SECONDS = 3600.0  # the change log is pruned hourly, to its retention (store.feed.RETENTION)


class IngestFailed(RuntimeError):
    """Storing a fetched batch failed; the message names the error's kind only (no customer data)."""


def _said(exc: BaseException) -> str:
    """An error as it may be logged and shown: database and encoding errors quote the values they
    choked on (phone numbers, message bodies), so those are named by their kind only."""
    if isinstance(exc, (SQLAlchemyError, UnicodeError)):
        return describe_failure(exc)
    return str(exc)


@dataclass
class SyncReport:
    ingest: dict[str, IngestReport] = field(default_factory=dict)
    send: SendReport = field(default_factory=SendReport)
    statuses_changed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Runner:
    def __init__(
        self,
        db: Database,
        pool: ProviderPool | None = None,
        events: EventBus | None = None,
        *,
        poll_interval: float | None = None,
        send_interval: float = 1.0,
        refresh_interval: float = 5.0,
        rng: random.Random | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        self.db = db
        self.pool = pool or ProviderPool()
        self.events = events or EventBus()
        self.rng = rng or random.Random()
        self.leadership = leadership
        self.outbox = Outbox(db, self.pool, self.events, self.rng, may_send=self.is_leader)
        # InvalidDuration for a negative, zero or non-finite interval: the scheduler would spin.
        self.poll_interval = None if poll_interval is None else durations.POLL_INTERVAL.check(poll_interval)
        self.send_interval = send_interval
        self.refresh_interval = refresh_interval
        self._scheduler = None
        self._not_before: dict[int, datetime] = {}  # channel id → earliest next poll after a failure
        self._failures: dict[int, int] = {}
        self._synced: set[int] = set()  # channels that have had a successful poll in this process
        # channel id → until when the provider's replies recorded by a poll are looked for
        self._replies_pending: dict[int, datetime] = {}
        self._replies_checked: set[int] = set()  # channels looked at once since this process started
        # Whether the account owns each channel's number, asked once per process and setting
        # (channel id → (account, number) asked about, the answer): a poll of someone else's
        # number succeeds, empty, for ever, so a successful poll alone would show green.
        self._owned: dict[int, tuple[tuple[str, str], bool | None]] = {}
        self._lock = threading.Lock()
        self._send_again = threading.Event()  # a wake() arrived while the send job was running
        self._sending = threading.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_replies: Callable[[], None] | None = None
        self._lock_backoff = threading.Lock()  # _not_before: the poll job and _on_event both change it
        self._credentials_epoch = 0  # bumped by each ChannelCredentialsChanged
        self._stopping = threading.Event()  # shutdown() began: a poll in progress stops at the next page

    def is_leader(self) -> bool:
        """Whether this process may poll and send now (always, without a Leadership)."""
        return self.leadership is None or self.leadership.is_leader

    # -- one step each -----------------------------------------------------------------------------
    def active_channels(self) -> list[Channel]:
        with self.db.read() as session:
            return channels.all_active(session)

    def poll_channel(self, channel: Channel, *, force: bool = False) -> IngestReport | None:
        now = datetime.now(UTC)
        if not force and self._not_before.get(channel.id, now) > now:
            return None
        epoch = self._credentials_epoch
        provider = None
        try:
            provider = self.pool.get(channel)
            consume_once = inbound_semantics(provider) is InboundSemantics.CONSUME_ONCE
            if not consume_once:
                with self.db.read() as session:
                    cursor = cursors.get(session, channel.id)
                batch = provider.fetch_inbound(cursor)
        except Exception as exc:
            if self._stopping.is_set():
                raise  # interrupted by shutdown: not a failure of the channel
            self._save_quarantined(channel, provider)
            self._poll_failed(channel, exc, epoch)
            raise
        if consume_once:
            return self._poll_consume_once(channel, provider, epoch)  # type: ignore[arg-type]
        try:
            self._save_quarantined(channel, provider)
            report = ingest(self.db, channel, batch, self.events)
        except Exception as exc:
            failure = IngestFailed(f"could not store inbound messages ({describe_failure(exc)})")
            # Where, not what: frames only, no source lines or values (they may quote customer data).
            where = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__))
            log.debug("storing inbound messages failed at:\n%s", where)
            self._poll_failed(channel, failure, epoch)
            raise failure from exc
        report.quarantined += batch.skipped
        if inbound_semantics(provider) is InboundSemantics.ACK_AFTER_COMMIT:
            self._acknowledge(channel, provider, batch)  # type: ignore[arg-type]
        self._link_provider_replies(channel, provider, report)
        if self._owns_number(channel, provider) is False:
            report.problem = NOT_OWNED.format(number=phone.display(channel.number))
            self._poll_failed(channel, ProviderError(report.problem), epoch)
            return report
        if batch.incomplete:
            # Stored what was read (a STOP in it is honoured), cursor kept: the rest is asked again.
            report.problem = f"{batch.incomplete}; kept what was read, the rest is asked for again"
            self._poll_failed(channel, MalformedResponse(report.problem), epoch)
            return report
        self._poll_ok(channel)
        return report

    def _poll_ok(self, channel: Channel) -> None:
        # Tell views at the first success and after a recovery, not on every poll.
        if self._failures.pop(channel.id, None) or channel.id not in self._synced:
            self._synced.add(channel.id)
            self.events.publish(ChannelHealthChanged(channel.id, True, "synced"))
        self._not_before.pop(channel.id, None)

    def _poll_consume_once(self, channel: Channel, provider: ConsumeOnceInbound, epoch: int) -> IngestReport:
        """A consume-once channel: every answer is journaled before it is parsed (engine.journal).
        What a failure leaves is already in the journal; the next poll ingests it first."""
        try:
            report = journal.poll(self.db, channel, provider, self.events)
        except Exception as exc:
            if self._stopping.is_set():
                raise
            failure = exc  # what the adapter set aside is already kept (journal._ingest)
            if not isinstance(exc, ProviderError):
                failure = IngestFailed(f"could not store inbound messages ({describe_failure(exc)})")
            self._poll_failed(channel, failure, epoch)
            if failure is exc:
                raise
            raise failure from exc
        if report.problem:  # a page it handed out could not be read: the poll is not healthy
            self._poll_failed(channel, MalformedResponse(report.problem), epoch)
            return report
        self._poll_ok(channel)
        return report

    def _acknowledge(self, channel: Channel, provider: AckAfterCommitInbound, batch: InboundBatch) -> None:
        """Mark read what is now committed. A failure is only logged: the messages stay unread at
        the provider, the next poll reads them again, and dedupe by provider id drops them."""
        ids = [m.provider_message_id for m in batch.messages]
        if not ids:
            return
        try:
            provider.acknowledge(ids)
        except ProviderError as exc:
            log.warning(
                "channel %s: could not mark %d message(s) read (%s); they will be read again",
                channel.name,
                len(ids),
                exc,
            )

    def _link_provider_replies(self, channel: Channel, provider: object, report: IngestReport) -> None:
        """Match the provider's replies recorded by this poll (or left from before this process
        started: once per channel) to the provider's own records. Only while some are pending, so
        an ordinary poll costs no query and no request."""
        now = datetime.now(UTC)
        if report.provider_replies:
            self._replies_pending[channel.id] = now + provider_replies.LINK_WINDOW
        elif channel.id not in self._replies_checked:
            self._replies_pending.setdefault(channel.id, now + provider_replies.LINK_WINDOW)
        self._replies_checked.add(channel.id)
        until = self._replies_pending.get(channel.id)
        if until is None:
            return
        try:
            provider_replies.link(self.db, channel, provider, self.events)
        except Exception as exc:  # noqa: BLE001 - the inferred texts stay; the next poll tries again
            log.info("channel %s: provider replies not matched yet (%s)", channel.name, describe_failure(exc))
            return
        with self.db.read() as session:
            left = provider_replies.pending(session, channel.id)
        if not left or until <= now:
            self._replies_pending.pop(channel.id, None)

    def _owns_number(self, channel: Channel, provider: object) -> bool | None:
        """The provider's answer to "does the account own this number?" (None: it cannot tell, or
        the question failed: a transient failure is not a "no", the next process asks again)."""
        key = (channel.account_sid, channel.number)
        known = self._owned.get(channel.id)
        if known is not None and known[0] == key:
            return known[1]
        ask = getattr(provider, "owns_number", None)
        answer: bool | None = None
        if callable(ask):
            try:
                answer = ask()
            except Exception as exc:  # noqa: BLE001 - only a definite "no" turns the channel red
                log.debug("channel %s: could not ask whether the account owns the number (%s)", channel.name, exc)
        self._owned[channel.id] = (key, answer)
        return answer

    def _save_quarantined(self, channel: Channel, provider: object) -> None:
        """Keep what the adapter set aside (bad records, malformed pages it retried past) for diagnosis."""
        for reason, raw in getattr(provider, "last_quarantined", ()) or ():
            quarantine(self.db, channel.id, reason, raw)

    def _poll_failed(self, channel: Channel, exc: Exception, epoch: int) -> None:
        now = datetime.now(UTC)
        attempts = self._failures.get(channel.id, 0) + 1
        self._failures[channel.id] = attempts
        retry_after = exc.retry_after if isinstance(exc, Retryable) else None
        wait = backoff.delay(attempts, retry_after=retry_after, rng=self.rng)
        with self._lock_backoff:
            # A poll that started before new credentials arrived must not set a backoff over them.
            if epoch == self._credentials_epoch:
                self._not_before[channel.id] = now + timedelta(seconds=wait)
        said = _said(exc)
        detail = f"{said}; retrying in {wait:.0f} s"
        try:
            if isinstance(exc, MalformedResponse):
                quarantine(self.db, channel.id, f"malformed page: {exc}", exc.raw)
            with self.db.write() as session:
                health.failed(session, channel.id, now, said, now + timedelta(seconds=wait), kind=health.POLL)
        except Exception as db_exc:  # noqa: BLE001 - the database may be what failed; say so and go on
            log.error("channel %s: could not record a poll failure (%s)", channel.name, describe_failure(db_exc))
        log.warning("channel %s: poll failed: %s", channel.name, detail)
        self.events.publish(ChannelHealthChanged(channel.id, False, detail))

    def sync_once(self) -> SyncReport:
        """One full cycle: fetch inbound, run automations, send the outbox, refresh statuses.

        With a `leadership`, the cycle runs only if this process can take the lease (a daemon or a
        desktop already polling the same database would otherwise race it), renewing it per phase.
        """
        report = SyncReport()
        if self.leadership is not None and not self.leadership.renew(say_failure=False):
            if self.leadership.last_failure is not None:
                raise self.leadership.last_failure  # the database itself failed (read-only, down): say that
            report.errors.append(
                "another Inbox process (a daemon or a desktop) is polling and sending for this database; "
                "it already does what sync --once would"
            )
            return report
        with self._lock:
            phases = [job.once for job in JOBS if job.once is not None]
            for i, phase in enumerate(phases):
                if i:
                    self._lease_job()  # renewed per phase: a long cycle keeps the lease
                phase(self, report)
        return report

    # -- the phases of sync_once, in the order of JOBS ---------------------------------------------
    def _reconcile_once(self, report: SyncReport) -> None:
        self.outbox.mark_interrupted()
        self.outbox.reconcile(report.send)

    def _poll_once(self, report: SyncReport) -> None:
        for channel in self.active_channels():
            try:
                result = self.poll_channel(channel, force=True)
                if result:
                    report.ingest[channel.name] = result
                    if result.problem:
                        report.errors.append(f"{channel.name}: {result.problem}")
            except Exception as exc:  # noqa: BLE001 - reported, other channels go on
                report.errors.append(f"{channel.name}: {_said(exc)}")

    def _lookups_once(self, report: SyncReport) -> None:
        report.errors.extend(run_lookups(self.db, self.events).errors)

    def _engagement_once(self, report: SyncReport) -> None:
        engagement_tick(self.db)

    def _send_once(self, report: SyncReport) -> None:
        """Drain the outbox (bounded), then settle what this very drain left `unknown`."""
        for _ in range(100):
            self._lease_job()
            step = self.outbox.send_due()
            _merge(report.send, step)
            if not (step.sent or step.failed or step.refused_opted_out or step.unknown) or step.deferred:
                break
        self.outbox.reconcile(report.send)
        report.errors.extend(report.send.errors)

    def _refresh_once(self, report: SyncReport) -> None:
        for channel in self.active_channels():
            try:
                report.statuses_changed += self.outbox.refresh_statuses(channel)
            except ProviderError as exc:
                report.errors.append(f"{channel.name}: {exc}")

    # -- scheduled -------------------------------------------------------------------------------
    def _lease_job(self) -> None:
        if self.leadership is not None:
            self.leadership.renew()

    def _leadership_changed(self, leading: bool) -> None:
        """A new leader first settles what a dead one left in `sending`, then polls at once."""
        if leading and self._scheduler is not None:
            now = datetime.now(UTC)
            for job_id in ("reconcile", "refresh", "poll"):
                job = self._scheduler.get_job(job_id)
                if job is not None:
                    job.modify(next_run_time=now)

    def _poll_job(self) -> None:
        if not self.is_leader():
            return
        queued = 0
        try:
            active = self.active_channels()
        except Exception as exc:  # noqa: BLE001 - the job must keep running
            log.error("poll job: could not read the channels (%s)", describe_failure(exc))
            return
        for channel in active:
            try:
                report = self.poll_channel(channel)
            except Exception:  # noqa: BLE001 - logged and recorded in health by poll_channel; go on
                continue
            if report:
                queued += report.replies_queued
        if queued:
            self.wake()

    def _send_job(self) -> None:
        """Drain what is due; loop again if wake() came in meanwhile (replies leave at once)."""
        self._sending.set()
        try:
            for _ in range(200):  # bounded: the next tick carries on
                self._send_again.clear()
                if not self.is_leader():
                    return
                step = self.outbox.send_due()
                busy = (step.sent or step.failed or step.refused_opted_out or step.unknown) and not step.deferred
                if not busy and not self._send_again.is_set():
                    return
        except Exception as exc:  # the job runs again at its next tick
            log.error("send job failed (%s)", public_text(exc))
            log.debug("the send job failed at:", exc_info=True)
        finally:
            self._sending.clear()

    def _refresh_job(self) -> None:
        """Delivery states only. Apart from reconciliation (its own job), so a slow or failing
        listing of one never holds up the other; sending and polling have jobs of their own too."""
        if not self.is_leader():
            return
        try:
            for channel in self.active_channels():
                try:
                    self.outbox.refresh_statuses(channel)
                except ProviderError as exc:
                    log.warning("channel %s: status refresh failed: %s", channel.name, exc)
        except Exception as exc:  # the job runs again at its next tick
            log.error("refresh job failed (%s)", public_text(exc))
            log.debug("the refresh job failed at:", exc_info=True)

    def _reconcile_job(self) -> None:
        if not self.is_leader():
            return
        try:
            self.outbox.mark_interrupted()
            self.outbox.reconcile()
        except Exception as exc:  # the job runs again at its next tick
            log.error("reconcile job failed (%s)", public_text(exc))
            log.debug("the reconcile job failed at:", exc_info=True)

    def _lookups_job(self) -> None:
        if self.is_leader():
            run_lookups(self.db, self.events)

    def _engagement_job(self) -> None:
        if self.is_leader():
            engagement_tick(self.db)

    def _poll_every(self) -> float:
        """The poll job's interval: the runner's, else the shortest of the active channels'."""
        if self.poll_interval is not None:
            return self.poll_interval
        interval = min((c.poll_interval_seconds for c in self.active_channels()), default=5.0)
        # A row written before the bounds existed (or by hand) must not spin the scheduler.
        return durations.POLL_INTERVAL.clamp(interval)

    def _housekeeping_job(self) -> None:
        """The leader prunes the change log: one process is enough, and any process can read it."""
        if not self.is_leader():
            return
        try:
            done = journal.prune(self.db)
            if done:
                log.info("housekeeping: pruned %d ingested provider journal row(s)", done)
        except Exception as exc:  # noqa: BLE001 - the job runs again at its next tick
            log.error("housekeeping: pruning the provider journal failed (%s)", describe_failure(exc))
        try:
            pruned = feed.prune(self.db)
        except Exception as exc:  # noqa: BLE001 - the job runs again at its next tick
            log.error("housekeeping: pruning the change log failed (%s)", describe_failure(exc))
            return
        if pruned:
            log.info("housekeeping: pruned %d change(s) older than %s from the change log", pruned, feed.RETENTION)

    def _on_event(self, event: Event) -> None:
        """New credentials end the backoff of every channel using them (one account's token may
        serve several numbers) and release the replies held for them: the person who typed the
        token expects it to work now. Runs on the publisher's thread (a worker, never the GUI)."""
        if not isinstance(event, ChannelCredentialsChanged):
            return
        channels_now = self.active_channels()
        ref = next((c.auth_token_ref for c in channels_now if c.id == event.channel_id), None)
        same = {c.id for c in channels_now if c.auth_token_ref == ref} | {event.channel_id}
        with self._lock_backoff:
            self._credentials_epoch += 1
            for channel_id in same:
                self._not_before.pop(channel_id, None)
        released = self.outbox.send_waiting_for_token(same)
        log.info("credentials given: %d channel(s) retry now, %d held message(s) released", len(same), released)
        if self._scheduler is not None:
            job = self._scheduler.get_job("poll")
            if job is not None:
                job.modify(next_run_time=datetime.now(UTC))
            self.wake()

    def start(self) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        # A thread for every job and spare: each job waits only on its own HTTP exchanges, never
        # for a worker another holds.
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=JOB_WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        now = datetime.now(UTC)
        self._scheduler = scheduler
        if self.leadership is not None:
            self.leadership.on_change = self._leadership_changed
            self.leadership.renew()  # before the first poll, so a lone daemon starts at once
        for job in JOBS:
            if job.with_leadership_only and self.leadership is None:
                continue
            first = {"next_run_time": now} if job.at_start else {}
            scheduled = partial(job.scheduled, self)
            scheduler.add_job(scheduled, "interval", seconds=job.every(self), id=job.id, name=job.id, **first)
        scheduler.start()
        self._unsubscribe = self.events.subscribe(self._on_event)
        # Any automatic reply committed in this process (a verification code, a CSAT question, a
        # lookup's answer…) leaves at once, not at the next send tick.
        self._unsubscribe_replies = replies.on_queued(self.wake)

    def wake(self) -> None:
        """Run the send job now (ingest or an agent just queued a reply)."""
        if self._sending.is_set():
            self._send_again.set()
            return
        if self._scheduler is not None:
            job = self._scheduler.get_job("send")
            if job is not None:
                job.modify(next_run_time=datetime.now(UTC))

    def shutdown(self) -> None:
        self._stopping.set()
        self.pool.interrupt()  # a walk through pages in progress stops at the next page
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_replies is not None:
            self._unsubscribe_replies()
            self._unsubscribe_replies = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self.leadership is not None:
            self.leadership.release()
        self.pool.close()


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of the runner's work, declared once in `JOBS`: `start` schedules `scheduled` every
    `every(runner)` seconds, and `sync_once` runs the `once` phases in the order of `JOBS` (as
    `automation.STEPS` declares the chain). The scheduled forms act only while this process leads."""

    id: str
    every: Callable[[Runner], float]
    scheduled: Callable[[Runner], object]
    once: Callable[[Runner, SyncReport], None] | None = None  # None: not a phase of sync_once
    at_start: bool = True  # first run as the scheduler starts, not one interval later
    with_leadership_only: bool = False


def _lease_every(runner: Runner) -> float:
    assert runner.leadership is not None  # the lease job is scheduled only with a Leadership
    return runner.leadership.renew_interval


def _presence_job(runner: Runner) -> None:
    """The channels' "when offline" policy and the clean-up of old presence rows (leader only)."""
    if not runner.is_leader():
        return
    try:
        _presence_once(runner, SyncReport())
    except Exception as exc:  # noqa: BLE001 - the job runs again at its next tick
        log.error("presence job failed (%s)", public_text(exc))


def _presence_once(runner: Runner, report: SyncReport) -> None:
    released = release_offline(runner.db)
    if released:
        runner.events.publish(ConversationsChanged(frozenset(released)))


JOBS: tuple[Job, ...] = (
    # The lease first: sync_once took it before its phases, start renews it before the first poll.
    Job("lease", _lease_every, Runner._lease_job, with_leadership_only=True),
    # Interrupted and `unknown` sends are settled against the provider's list before anything else.
    Job("reconcile", lambda r: r.refresh_interval, Runner._reconcile_job, Runner._reconcile_once),
    Job("poll", Runner._poll_every, Runner._poll_job, Runner._poll_once),
    # Keyword rules' lookups (network calls the chain turned into job rows) and their answers.
    Job("lookups", lambda r: r.send_interval, Runner._lookups_job, Runner._lookups_once, at_start=False),
    # Due broadcasts, survey timeouts, CSAT questions.
    Job("engagement", lambda r: r.send_interval, Runner._engagement_job, Runner._engagement_once),
    # After the phases that queue replies, so those leave within the same sync_once.
    Job("send", lambda r: r.send_interval, Runner._send_job, Runner._send_once),
    Job("refresh", lambda r: r.refresh_interval, Runner._refresh_job, Runner._refresh_once),
    Job("presence", lambda r: r.refresh_interval, _presence_job, _presence_once),
    # The change log pruned to its retention; not a phase of sync_once (a one-shot run needs none).
    Job("housekeeping", lambda r: HOUSEKEEPING_SECONDS, Runner._housekeeping_job, at_start=False),
)


def _merge(total: SendReport, step: SendReport) -> None:
    for name in ("sent", "failed", "refused_opted_out", "deferred", "unknown", "reconciled", "requeued"):
        setattr(total, name, getattr(total, name) + getattr(step, name))
    total.errors.extend(step.errors)
