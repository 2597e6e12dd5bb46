"""Under a partial outage every answer the provider did give is kept: status refreshes and
reconciliation commit as they go, and no job waits for another one's slow provider calls.

The provider here is a scripted stand-in (no HTTP) so each test can say exactly which request fails;
the sustained-outage test drives the same code through the simulator and a real daemon.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.events import EventBus
from inbox.core.models import AuthorKind, Channel, MessageStatus, OutboundRequest, ProviderMessage
from inbox.engine.connections import ProviderPool
from inbox.engine.outbox import STATUS_ERRORS
from inbox.engine.runner import Runner
from inbox.providers.base import RateLimited, Retryable
from inbox.store import contacts, conversations, messages
from tests.conftest import OUR_NUMBER, add_channel

CUSTOMERS = [f"+1555301{i:04d}" for i in range(6)]


def sid(i: int) -> str:
    return f"SM{i:032d}"


def delivered(i: int) -> ProviderMessage:
    return ProviderMessage(
        provider_message_id=sid(i),
        to_number=CUSTOMERS[i % len(CUSTOMERS)],
        from_number=OUR_NUMBER,
        body=f"reply {i}",
        status=MessageStatus.DELIVERED,
        date_created=datetime.now(UTC),
        date_sent=datetime.now(UTC),
    )


class Scripted:
    """A provider whose every answer the test decides; it records what it was asked."""

    name = "scripted"

    def __init__(self) -> None:
        self.pages: list[list[ProviderMessage] | Exception] = []  # what statuses_since yields, in turn
        self.fetch: dict[str, ProviderMessage | Exception] = {}
        self.fetched: list[str] = []
        self.find_sent_calls: list[str] = []
        self.found: list[ProviderMessage] = []
        self.sent: list[OutboundRequest] = []
        self.on_send = lambda request: None
        self.find_sent_gate: threading.Event | None = None

    def statuses_since(self, since: datetime) -> Iterator[list[ProviderMessage]]:
        for page in self.pages:
            if isinstance(page, Exception):
                raise page
            yield page

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        out = []
        for pid in provider_message_ids:
            self.fetched.append(pid)
            answer = self.fetch.get(pid)
            if isinstance(answer, Exception):
                raise answer
            if answer is not None:
                out.append(answer)
        return out

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        self.find_sent_calls.append(to_number)
        if self.find_sent_gate is not None:
            self.find_sent_gate.wait(30)
        return [m for m in self.found if m.to_number == to_number]

    def send(self, request: OutboundRequest) -> ProviderMessage:
        self.on_send(request)  # may raise: then the send did not happen
        self.sent.append(request)
        n = len(self.sent) + 100
        return ProviderMessage(sid(n), request.to_number, request.from_number, request.body, MessageStatus.QUEUED)

    def fetch_inbound(self, cursor):  # type: ignore[no-untyped-def]
        raise Retryable("not scripted")

    def close(self) -> None:
        pass


class ScriptedPool(ProviderPool):
    def __init__(self, provider: Scripted) -> None:
        super().__init__(resolve_token=lambda ch: "token")
        self.provider = provider

    def get(self, channel: Channel) -> Scripted:  # type: ignore[override]
        return self.provider


@pytest.fixture
def scripted() -> Scripted:
    return Scripted()


@pytest.fixture
def runner(db, scripted):
    r = Runner(db, ScriptedPool(scripted), EventBus(), send_interval=0.2, refresh_interval=0.2)
    yield r
    r.shutdown()


@pytest.fixture
def channel(db) -> Channel:
    with db.write() as s:
        return add_channel(s)


def _queue(db, channel: Channel, i: int, **fields: object) -> int:
    with db.write() as s:
        contact = contacts.get_or_create(s, CUSTOMERS[i % len(CUSTOMERS)])
        conv = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        msg_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv,
            from_number=OUR_NUMBER,
            to_number=CUSTOMERS[i % len(CUSTOMERS)],
            body=f"reply {i}",
            author_kind=AuthorKind.AGENT,
            author="ana",
        )
        assert msg_id is not None
        if fields:
            messages.set_fields(s, msg_id, **fields)
    return msg_id


def _sent(db, channel: Channel, count: int) -> list[int]:
    """`count` messages the provider accepted (provider ids sid(0)...), awaiting their delivery state."""
    return [
        _queue(db, channel, i, status="sent", provider_message_id=sid(i), sent_at=datetime.now(UTC))
        for i in range(count)
    ]


def _statuses(db, ids: list[int]) -> list[MessageStatus]:
    with db.read() as s:
        return [m.status for m in messages.get_many(s, ids)]


def test_a_refresh_keeps_every_answer_obtained_before_errors(db, channel, runner, scripted):
    ids = _sent(db, channel, 6)
    # One page of the bulk listing answers for 0-2, then the listing fails; of the rest, fetched
    # one by one, 3 fails and 4, 5 answer.
    scripted.pages = [[delivered(0), delivered(1), delivered(2)], Retryable("Twilio server error (HTTP 503)")]
    scripted.fetch = {sid(3): Retryable("Twilio server error (HTTP 500)"), sid(4): delivered(4), sid(5): delivered(5)}
    assert runner.outbox.refresh_statuses(channel) == 5
    assert _statuses(db, ids) == [MessageStatus.DELIVERED] * 3 + [MessageStatus.SENT] + [MessageStatus.DELIVERED] * 2
    assert scripted.fetched == [sid(3), sid(4), sid(5)], "one request for the first three, then one each"
    # The next refresh asks only for what is still open.
    scripted.pages, scripted.fetched = [], []
    scripted.fetch[sid(3)] = delivered(3)
    assert runner.outbox.refresh_statuses(channel) == 1
    assert scripted.fetched == [sid(3)]
    assert _statuses(db, ids) == [MessageStatus.DELIVERED] * 6


def test_a_rate_limit_ends_the_refresh_but_keeps_what_it_got(db, channel, runner, scripted):
    ids = _sent(db, channel, 4)
    scripted.pages = [Retryable("Twilio server error (HTTP 503)")]
    scripted.fetch = {sid(0): delivered(0), sid(1): RateLimited("Twilio is rate limiting us (HTTP 429)", 1.0)}
    assert runner.outbox.refresh_statuses(channel) == 1
    assert scripted.fetched == [sid(0), sid(1)], "nothing more asked of a provider that said wait"
    assert _statuses(db, ids) == [MessageStatus.DELIVERED] + [MessageStatus.SENT] * 3


def test_a_provider_that_answers_nothing_is_left_alone_after_a_few_errors(db, channel, runner, scripted):
    _sent(db, channel, 6)
    scripted.pages = [Retryable("Twilio server error (HTTP 503)")]
    scripted.fetch = {sid(i): Retryable("Twilio server error (HTTP 500)") for i in range(6)}
    with pytest.raises(Retryable):
        runner.outbox.refresh_statuses(channel)
    assert len(scripted.fetched) == STATUS_ERRORS


def test_reconciliation_lists_once_per_recipient_and_decides_row_by_row(db, channel, runner, scripted):
    # Two unknown rows to customer 0 and one to customer 1; the provider has both of customer 0's.
    a = _queue(db, channel, 0, status="unknown")
    b = _queue(db, channel, 6, status="unknown")  # customer 0 again (i % 6)
    c = _queue(db, channel, 1, status="unknown")
    scripted.found = [delivered(0), delivered(6)]
    report = runner.outbox.reconcile(settle=timedelta(0))
    assert scripted.find_sent_calls == [CUSTOMERS[0], CUSTOMERS[1]], "one listing per recipient"
    assert (report.reconciled, report.requeued) == (2, 1)
    with db.read() as s:
        rows = {m.id: m for m in messages.get_many(s, [a, b, c])}
    assert {rows[a].provider_message_id, rows[b].provider_message_id} == {sid(0), sid(6)}
    assert rows[c].status is MessageStatus.QUEUED and rows[c].provider_message_id is None


def test_a_row_recovery_took_mid_batch_is_not_sent_by_that_batch(db, channel, runner, scripted):
    """A batch claimed at once can outlast STALE_SENDING when answers are slow; a row that recovery
    marked `unknown` meanwhile is left to recovery, not sent as well."""
    first, second = _queue(db, channel, 0), _queue(db, channel, 1)

    def slow_answer(request: OutboundRequest) -> None:
        if not scripted.sent:  # while the first send is in flight, recovery runs
            runner.outbox.mark_interrupted(older_than=timedelta(0))

    scripted.on_send = slow_answer
    runner.outbox.send_due()
    assert [r.body for r in scripted.sent] == ["reply 0"]
    assert _statuses(db, [first, second]) == [MessageStatus.QUEUED, MessageStatus.UNKNOWN]


def test_a_stuck_reconciliation_does_not_hold_up_status_refresh_or_sending(db, channel, runner, scripted):
    ids = _sent(db, channel, 2)
    _queue(db, channel, 5, status="unknown", updated_at=datetime.now(UTC) - timedelta(minutes=1))
    scripted.find_sent_gate = threading.Event()  # reconciliation's listing never answers (until the end)
    scripted.pages = [[delivered(0), delivered(1)]]
    scripted.fetch = {sid(0): delivered(0), sid(1): delivered(1)}
    waiting = _queue(db, channel, 3)
    try:
        runner.start()
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline:
            with db.read() as s:
                [reply] = messages.get_many(s, [waiting])
            done = _statuses(db, ids) == [MessageStatus.DELIVERED] * 2 and reply.provider_message_id
            if done and scripted.find_sent_calls:
                break
            time.sleep(0.1)
        assert scripted.find_sent_calls, "reconciliation is running (and stuck)"
        assert _statuses(db, ids) == [MessageStatus.DELIVERED] * 2, "delivery states still refreshed"
        assert reply.provider_message_id is not None, "replies still leave"
    finally:
        scripted.find_sent_gate.set()


def test_one_stray_500_does_not_hold_back_the_other_replies_but_a_429_does(db, channel, runner, scripted):
    def flaky(request: OutboundRequest) -> None:
        if request.body == "reply 0":
            raise Retryable("Twilio server error (HTTP 500)")

    scripted.on_send = flaky
    ids = [_queue(db, channel, i) for i in range(3)]
    report = runner.outbox.send_due()
    assert (report.sent, report.deferred) == (2, 1)
    assert [r.body for r in scripted.sent] == ["reply 1", "reply 2"]

    asked: list[str] = []

    def limited(request: OutboundRequest) -> None:
        asked.append(request.body)
        raise RateLimited("Twilio is rate limiting us (HTTP 429)", retry_after=1.0)

    scripted.on_send = limited
    more = [_queue(db, channel, i) for i in range(3, 5)]
    report = runner.outbox.send_due(limit=10)
    # "reply 0" may be due again already (full jitter can wait well under a second): either way
    # exactly one request is made, and every due reply is deferred, none sent.
    assert report.sent == 0 and report.deferred in (2, 3)
    assert len(asked) == 1 and asked[0] in ("reply 0", "reply 3"), "after a 429 the rest of the batch waits"
    with db.read() as s:
        rows = messages.get_many(s, [ids[0], *more])
    assert all(m.status is MessageStatus.QUEUED and m.provider_message_id is None for m in rows)
