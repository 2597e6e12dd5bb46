"""The ClickSend adapter against the simulator's clicksend dialect on loopback: the unread list
read without marking anything, the mark-read kept for after the commit, receipts per message, and
each failure mapped to the taxonomy the engine acts on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.models import MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import (
    AckAfterCommitInbound,
    AuthenticationFailed,
    InboundSemantics,
    RateLimited,
    Rejected,
    Retryable,
    inbound_semantics,
)
from inbox.providers.clicksend import ClickSendProvider
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import dialect_simulator

USERNAME = "acme"
KEY = "key-1"
OURS = "+61411111111"
OTHER = "+61411112222"
CUSTOMER = "+61422222222"


server, sim = dialect_simulator("clicksend", account_sid=USERNAME, auth_token=KEY, numbers=(OURS, OTHER))


@pytest.fixture
def provider(server: SimulatorServer) -> Iterator[ClickSendProvider]:
    p = ClickSendProvider(USERNAME, KEY, OURS, base_url=server.url, page_limit=15)
    yield p
    p.close()


def test_unread_is_read_over_pages_and_stays_unread_until_acknowledged(provider, sim) -> None:
    assert inbound_semantics(provider) is InboundSemantics.ACK_AFTER_COMMIT
    assert isinstance(provider, AckAfterCommitInbound)
    for n in range(20):
        sim.text(CUSTOMER, OURS, f"msg {n} ✓")
    sim.text(CUSTOMER, OTHER, "another channel's")
    batch = provider.fetch_inbound(PollCursor())
    assert [(m.from_number, m.to_number, m.body) for m in batch.messages] == [
        (CUSTOMER, OURS, f"msg {n} ✓") for n in range(20)
    ], "two pages, oldest first, the other number's text left alone"
    again = provider.fetch_inbound(PollCursor())
    assert [m.provider_message_id for m in again.messages] == [m.provider_message_id for m in batch.messages]
    provider.acknowledge([m.provider_message_id for m in batch.messages[:5]])
    assert len(provider.fetch_inbound(PollCursor()).messages) == 15
    provider.acknowledge([m.provider_message_id for m in batch.messages] + ["GONE-ALREADY"])  # a 404 is done
    assert provider.fetch_inbound(PollCursor()).messages == []


def test_a_send_comes_back_delivered_from_its_receipt(provider, sim) -> None:
    body = "Ça part aujourd'hui 📦 " * 10
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, body))
    assert sent.status is MessageStatus.QUEUED and sent.num_segments and sent.num_segments > 1
    assert provider.fetch_status(["NO-RECEIPT-YET"]) == []  # 404: nothing said
    time.sleep(0.2)
    (status,) = provider.fetch_status([sent.provider_message_id])
    assert status.status is MessageStatus.DELIVERED
    assert provider.fetch_status([sent.provider_message_id])[0].status is MessageStatus.DELIVERED, "re-readable"
    (found,) = provider.find_sent(CUSTOMER, datetime.now(UTC) - timedelta(minutes=5))
    assert (found.provider_message_id, found.body, found.from_number) == (sent.provider_message_id, body, OURS)


def test_an_undelivered_message_says_why(server) -> None:
    from dataclasses import replace

    server.carrier.config = replace(server.carrier.config, undelivered_rate=1.0)
    p = ClickSendProvider(USERNAME, KEY, OURS, base_url=server.url)
    sent = p.send(OutboundRequest(CUSTOMER, OURS, "hello"))
    time.sleep(0.2)
    (status,) = p.fetch_status([sent.provider_message_id])
    assert status.status is MessageStatus.UNDELIVERED and "status 301" in (status.error_message or "")


def test_a_refused_recipient_is_rejected_in_clicksends_words(provider, sim) -> None:
    with pytest.raises(Rejected) as raised:
        provider.send(OutboundRequest("+12", OURS, "x"))
    assert "INVALID_RECIPIENT" in str(raised.value)
    assert sim.stats()["sends_accepted"] == 0


def test_wrong_credentials_are_authentication_failed_everywhere(server) -> None:
    wrong = ClickSendProvider(USERNAME, "nope", OURS, base_url=server.url)
    for call in (wrong.check, lambda: wrong.fetch_inbound(PollCursor()), lambda: wrong.acknowledge(["x"])):
        with pytest.raises(AuthenticationFailed):
            call()
    with pytest.raises(AuthenticationFailed):
        wrong.send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_bad_records_are_set_aside_never_returned_so_never_marked_read(provider, monkeypatch) -> None:
    page = {
        "data": {
            "total": 2,
            "last_page": 1,
            "data": [{"message_id": "A", "to": OURS, "from": CUSTOMER, "timestamp": 1700000000}, "junk"],
        }
    }
    monkeypatch.setattr(ClickSendProvider, "_exchange", lambda self, *a, **k: page)
    batch = provider.fetch_inbound(PollCursor())
    assert batch.messages == [] and batch.skipped == 2
    assert "missing body" in provider.last_quarantined[0][0]


def _failing(provider, monkeypatch, fail: dict[int, Exception]) -> list[tuple[str, str]]:
    """Make the n-th request (0-based) raise `fail[n]` before it reaches ClickSend; returns the log."""
    real, calls = provider._exchange, []

    def exchange(method, url, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((method, url))
        if len(calls) - 1 in fail:
            raise fail[len(calls) - 1]
        return real(method, url, **kwargs)

    monkeypatch.setattr(provider, "_exchange", exchange)
    return calls


def test_a_stray_failure_mid_walk_is_asked_again_so_a_long_unread_list_still_comes_whole(
    provider, sim, monkeypatch
) -> None:
    for n in range(40):  # three pages of 15
        sim.text(CUSTOMER, OURS, f"msg {n}")
    calls = _failing(provider, monkeypatch, {1: Retryable("ClickSend server error (HTTP 500)"), 3: Retryable("x")})
    batch = provider.fetch_inbound(PollCursor())
    assert [m.body for m in batch.messages] == [f"msg {n}" for n in range(40)] and batch.incomplete is None
    assert len(calls) == 5, "pages 2 and 3 asked twice each"
    _failing(provider, monkeypatch, {1: RateLimited("ClickSend is rate limiting us (HTTP 429)", 1.0)})
    with pytest.raises(RateLimited):  # told to wait: the walk ends, nothing is stored from it
        provider.fetch_inbound(PollCursor())
    _failing(provider, monkeypatch, {1: Retryable("a"), 2: Retryable("b"), 3: Retryable("c")})
    with pytest.raises(Retryable):  # a page that keeps failing ends the walk
        provider.fetch_inbound(PollCursor())


def test_a_stray_failure_marking_read_skips_that_one_and_marks_the_rest(provider, sim, monkeypatch) -> None:
    for n in range(6):
        sim.text(CUSTOMER, OURS, f"msg {n}")
    ids = [m.provider_message_id for m in provider.fetch_inbound(PollCursor()).messages]
    _failing(provider, monkeypatch, {1: Retryable("ClickSend server error (HTTP 500)")})
    with pytest.raises(Retryable):  # the engine logs it; the one left unread is read again
        provider.acknowledge(ids)
    monkeypatch.undo()
    assert [m.provider_message_id for m in provider.fetch_inbound(PollCursor()).messages] == [ids[1]]
    for n in range(6, 12):
        sim.text(CUSTOMER, OURS, f"msg {n}")
    ids = [m.provider_message_id for m in provider.fetch_inbound(PollCursor()).messages]
    calls = _failing(provider, monkeypatch, {0: Retryable("a"), 1: Retryable("b"), 2: Retryable("c")})
    with pytest.raises(Retryable):
        provider.acknowledge(ids)
    assert len(calls) == 3, "a provider failing every time is left alone after three in a row"
