"""The Twilio adapter over real loopback HTTP against the simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from inbox.core.models import MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import (
    AuthenticationFailed,
    MalformedResponse,
    OutcomeUnknown,
    RateLimited,
    RecipientOptedOut,
    Rejected,
    Retryable,
)
from inbox.providers.twilio import TwilioProvider
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, CUSTOMER, CUSTOMER_2, OURS, OURS_2, TOKEN, config, wait_for


def make(server: SimulatorServer, **kw: object) -> TwilioProvider:
    values: dict[str, object] = {"base_url": server.url, "timeout": httpx.Timeout(3, connect=1)}
    values.update(kw)
    return TwilioProvider(ACCOUNT, values.pop("token", TOKEN), OURS, **values)  # type: ignore[arg-type]


@pytest.fixture
def provider(simulator: SimulatorServer) -> Iterator[TwilioProvider]:
    p = make(simulator)
    yield p
    p.close()


def list_requests(sim: SimulatorClient) -> int:
    return sim.stats()["api_requests_by_kind"].get("list", 0)  # type: ignore[union-attr]


# -- fetch_inbound -----------------------------------------------------------------------------------


def test_fetch_inbound_follows_pages(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    for i in range(450):
        simulator.carrier.text_in(CUSTOMER if i % 2 else CUSTOMER_2, OURS, f"message {i}")
    simulator.carrier.text_in(CUSTOMER, OURS_2, "to our other number")
    provider = make(simulator, page_size=200)
    batch = provider.fetch_inbound(PollCursor())
    provider.close()
    assert [m.body for m in batch.messages] == [f"message {i}" for i in range(450)]  # oldest first
    assert list_requests(sim) == 3  # 200 + 200 + 50
    assert batch.skipped == 0
    assert batch.cursor.newest_date_sent == max(m.date_sent for m in batch.messages)
    first = batch.messages[0]
    assert first.to_number == OURS and first.from_number == CUSTOMER_2 and first.date_sent.tzinfo is not None


def test_empty_fetch_keeps_the_cursor(provider: TwilioProvider) -> None:
    assert provider.fetch_inbound(PollCursor()).cursor == PollCursor()
    cursor = PollCursor(datetime.now(UTC) - timedelta(minutes=5))
    batch = provider.fetch_inbound(cursor)
    assert batch.messages == [] and batch.cursor == cursor


def test_outbound_messages_are_not_inbound(api: httpx.Client, provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.text(CUSTOMER, OURS, "STOP")  # the simulator's confirmation is outbound, to the customer
    provider.send(OutboundRequest(CUSTOMER_2, OURS, "hello"))
    assert [m.body for m in provider.fetch_inbound(PollCursor()).messages] == ["STOP"]


def test_second_fetch_returns_overlap_and_new_only(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    """Old history is not re-read: the walk stops at the first page reaching cursor - lookback."""
    real_clock = simulator.carrier.clock
    start = real_clock() - 3600
    ticks = iter(start + i * 0.5 for i in range(300))
    simulator.carrier.clock = lambda: next(ticks)
    for i in range(300):
        simulator.carrier.text_in(CUSTOMER, OURS, f"old {i}")
    simulator.carrier.clock = real_clock
    for i in range(300):
        simulator.carrier.text_in(CUSTOMER, OURS, f"recent {i}")
    provider = make(simulator, page_size=200, lookback=timedelta(seconds=60))
    first = provider.fetch_inbound(PollCursor())
    assert len(first.messages) == 600
    for i in range(5):
        sim.text(CUSTOMER_2, OURS, f"new {i}")
    before = list_requests(sim)
    second = provider.fetch_inbound(first.cursor)
    assert list_requests(sim) - before == 2  # 305 recent + the first old ones, then stop
    bodies = [m.body for m in second.messages]
    assert bodies[-5:] == [f"new {i}" for i in range(5)]
    assert not [b for b in bodies if b.startswith("old")]
    assert all(m.date_sent >= first.cursor.newest_date_sent - provider.lookback for m in second.messages)
    assert second.cursor.newest_date_sent >= first.cursor.newest_date_sent
    provider.close()


class TextsBetweenPages(httpx.HTTPTransport):
    """A real transport that has a customer text in right after each list page is answered."""

    def __init__(self, sim: SimulatorClient) -> None:
        super().__init__()
        self.sim = sim
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "GET" and request.url.path.endswith("/Messages.json"):
            self.sent.append(self.sim.text(CUSTOMER_2, OURS, f"arrived mid-walk {len(self.sent)}"))
        return response


def test_nothing_lost_when_messages_arrive_between_pages(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    originals = {simulator.carrier.text_in(CUSTOMER, OURS, f"m{i}") for i in range(250)}
    transport = TextsBetweenPages(sim)
    provider = make(simulator, transport=transport, page_size=100)
    first = provider.fetch_inbound(PollCursor())
    got = {m.provider_message_id for m in first.messages}
    assert originals <= got
    assert len(transport.sent) == 3
    second = provider.fetch_inbound(first.cursor)
    got |= {m.provider_message_id for m in second.messages}
    assert set(transport.sent[:3]) <= got  # every mid-walk arrival is picked up by the next poll
    provider.close()


def test_garbage_page_is_malformed(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.set_faults(garbage_rate=1.0)
    with pytest.raises(MalformedResponse) as info:
        provider.fetch_inbound(PollCursor())
    assert b"502 Bad Gateway" in info.value.raw  # type: ignore[operator]


# -- send ---------------------------------------------------------------------------------------------


def test_send_returns_provider_message(provider: TwilioProvider) -> None:
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, "Your order shipped"))
    assert sent.provider_message_id.startswith("SM")
    assert (sent.to_number, sent.from_number, sent.body) == (CUSTOMER, OURS, "Your order shipped")
    assert sent.status is MessageStatus.QUEUED
    assert sent.num_segments == 1 and sent.date_created is not None and sent.date_sent is None


def test_send_to_opted_out_recipient(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.text(CUSTOMER, OURS, "STOP")
    with pytest.raises(RecipientOptedOut) as info:
        provider.send(OutboundRequest(CUSTOMER, OURS, "promo"))
    assert (info.value.code, info.value.status) == (21610, 400)


def test_send_to_invalid_number_is_rejected(provider: TwilioProvider) -> None:
    with pytest.raises(Rejected) as info:
        provider.send(OutboundRequest("+1", OURS, "hi"))
    assert not isinstance(info.value, RecipientOptedOut)
    assert (info.value.code, info.value.status) == (21211, 400)


def test_wrong_credentials(simulator: SimulatorServer) -> None:
    provider = make(simulator, token="nope")
    with pytest.raises(AuthenticationFailed, match="check your account SID and auth token"):
        provider.send(OutboundRequest(CUSTOMER, OURS, "hi"))
    with pytest.raises(AuthenticationFailed):
        provider.fetch_inbound(PollCursor())
    provider.close()


def test_rate_limited(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.set_faults(rate_limit_per_s=1)
    provider.fetch_inbound(PollCursor())
    with pytest.raises(RateLimited) as info:
        provider.send(OutboundRequest(CUSTOMER, OURS, "hi"))
    assert info.value.retry_after == 1.0
    assert sim.messages() == []


def test_server_error_is_retryable(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.set_faults(fail_rate=1.0)
    with pytest.raises(Retryable) as info:
        provider.send(OutboundRequest(CUSTOMER, OURS, "hi"))
    assert type(info.value) is Retryable


def test_reset_after_send_is_outcome_unknown(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.set_faults(reset_rate=1.0)
    with pytest.raises(OutcomeUnknown):
        provider.send(OutboundRequest(CUSTOMER, OURS, "did it go?"))
    assert [m["body"] for m in sim.messages()] == ["did it go?"]  # it did
    with pytest.raises(Retryable):  # a GET is safe to repeat
        provider.fetch_inbound(PollCursor())


def test_garbage_answer_to_send_is_outcome_unknown(provider: TwilioProvider, sim: SimulatorClient) -> None:
    sim.set_faults(garbage_rate=1.0)
    with pytest.raises(OutcomeUnknown):
        provider.send(OutboundRequest(CUSTOMER, OURS, "hi"))
    assert len(sim.messages()) == 1


def test_read_timeout_send_unknown_get_retryable(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    provider = make(simulator, timeout=httpx.Timeout(0.1))
    sim.set_faults(latency_ms=300)
    with pytest.raises(OutcomeUnknown):
        provider.send(OutboundRequest(CUSTOMER, OURS, "slow"))
    with pytest.raises(Retryable):
        provider.fetch_status(["SM" + "0" * 32])
    provider.close()


def test_unreachable_provider_is_retryable() -> None:
    with SimulatorServer(config()) as server:
        url = server.url
    provider = TwilioProvider(ACCOUNT, TOKEN, OURS, base_url=url, timeout=httpx.Timeout(1))
    with pytest.raises(Retryable) as info:
        provider.send(OutboundRequest(CUSTOMER, OURS, "hi"))
    assert not isinstance(info.value, OutcomeUnknown)
    provider.close()


# -- fetch_status / find_sent ---------------------------------------------------------------------------


def test_fetch_status_follows_delivery(provider: TwilioProvider) -> None:
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, "tracking"))
    delivered = wait_for(
        lambda: [m for m in provider.fetch_status([sent.provider_message_id]) if m.status is MessageStatus.DELIVERED]
    )
    assert delivered and delivered[0].date_sent is not None
    assert provider.fetch_status(["SM" + "0" * 32]) == []  # unknown at Twilio: skipped, not raised


def test_fetch_status_reports_failures() -> None:
    with SimulatorServer(config(undelivered_rate=1.0)) as server:
        provider = make(server)
        sent = provider.send(OutboundRequest(CUSTOMER, OURS, "x"))
        final = wait_for(
            lambda: [
                m for m in provider.fetch_status([sent.provider_message_id]) if m.status is MessageStatus.UNDELIVERED
            ]
        )
        assert final and final[0].error_code in (30003, 30005) and final[0].error_message
        provider.close()


def test_statuses_since_answers_for_many_sends_in_one_request(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    provider = make(simulator, page_size=20)
    since = datetime.now(UTC)
    mine = {
        provider.send(OutboundRequest(CUSTOMER if i % 2 else CUSTOMER_2, OURS, f"n{i}")).provider_message_id
        for i in range(12)
    }
    sim.text(CUSTOMER, OURS, "an inbound one")
    simulator.carrier.text_in(CUSTOMER, OURS_2, "to our other number")
    wait_for(lambda: all(m["status"] == "delivered" for m in sim.messages() if m["direction"] == "outbound-api"))
    before = list_requests(sim)
    pages = list(provider.statuses_since(since))
    provider.close()
    assert list_requests(sim) - before == 1, "one page for twelve messages"
    found = {m.provider_message_id: m.status for page in pages for m in page}
    assert found == dict.fromkeys(mine, MessageStatus.DELIVERED), "our sends only, with their states"


def test_statuses_since_stops_at_older_sends(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    provider = make(simulator, page_size=5)
    for i in range(20):
        provider.send(OutboundRequest(CUSTOMER, OURS, f"old {i}"))
    wait_for(lambda: all(m["status"] == "delivered" for m in sim.messages()))
    simulator.carrier.clock = lambda: time.time() + 3600  # an hour passes
    since = datetime.now(UTC) + timedelta(hours=1)
    recent = provider.send(OutboundRequest(CUSTOMER, OURS, "recent")).provider_message_id
    wait_for(lambda: sim.messages()[-1]["status"] == "delivered")
    before = list_requests(sim)
    found = [m.provider_message_id for page in provider.statuses_since(since) for m in page]
    provider.close()
    assert found == [recent]
    assert list_requests(sim) - before == 1, "the walk ends at the first page older than asked"


def test_find_sent(provider: TwilioProvider, sim: SimulatorClient) -> None:
    since = datetime.now(UTC)
    mine = [provider.send(OutboundRequest(CUSTOMER, OURS, f"try {i}")).provider_message_id for i in range(3)]
    provider.send(OutboundRequest(CUSTOMER_2, OURS, "someone else"))
    sim.text(CUSTOMER, OURS, "an inbound one")
    found = provider.find_sent(CUSTOMER, since)
    assert {m.provider_message_id for m in found} == set(mine)
    assert {m.status for m in found} <= {MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED}


def test_many_polls_per_second(provider: TwilioProvider) -> None:
    started = time.perf_counter()
    for _ in range(50):
        provider.fetch_inbound(PollCursor())
    assert time.perf_counter() - started < 1.0


def test_polls_succeed_through_twenty_percent_failures(simulator: SimulatorServer, sim: SimulatorClient) -> None:
    """Ten pages per poll at 20 % failures: page retries make a whole walk succeed nearly always."""
    for i in range(1000):
        simulator.carrier.text_in(CUSTOMER, OURS, f"message {i}")
    provider = make(simulator, page_size=100, sleep=lambda _s: None)
    sim.set_faults(fail_rate=0.2)
    ok = 0
    for _ in range(10):
        try:
            ok += len(provider.fetch_inbound(PollCursor()).messages) == 1000
        except Retryable:
            pass
    provider.close()
    assert ok >= 8  # without page retries: 0.8 ** 10, about one poll in ten
