"""The Sinch adapter against the simulator's sinch dialect on loopback: the re-readable inbounds
list walked page by page from a cursor, sends as batches, delivery states pulled per batch, and
each failure mapped to the taxonomy the engine acts on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.models import MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import (
    AuthenticationFailed,
    InboundSemantics,
    Rejected,
    inbound_semantics,
)
from inbox.providers.sinch import SinchProvider, base_url_for
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import dialect_simulator

PLAN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "token-1"
OURS = "+15550001111"
OTHER = "+15550002222"
CUSTOMER = "+15557654321"


server, sim = dialect_simulator("sinch", account_sid=PLAN, auth_token=TOKEN, numbers=(OURS, OTHER))


@pytest.fixture
def provider(server: SimulatorServer) -> Iterator[SinchProvider]:
    p = SinchProvider(PLAN, TOKEN, OURS, base_url=server.url, page_size=2)
    yield p
    p.close()


def test_it_is_a_list_with_a_cursor_walked_over_pages_oldest_first(provider, sim) -> None:
    assert inbound_semantics(provider) is InboundSemantics.LIST_WITH_CURSOR
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"msg {n} ✓")
    sim.text(CUSTOMER, OTHER, "to the other number: not this channel's")
    batch = provider.fetch_inbound(PollCursor())
    assert [(m.from_number, m.to_number, m.body) for m in batch.messages] == [
        (CUSTOMER, OURS, f"msg {n} ✓") for n in range(5)
    ], "three pages of two, filtered to our number, E.164 again"
    assert sim.stats()["api_requests_by_kind"]["list"] == 3
    assert batch.cursor.newest_date_sent == batch.messages[-1].date_sent
    again = provider.fetch_inbound(batch.cursor)
    assert [m.provider_message_id for m in again.messages] == [m.provider_message_id for m in batch.messages], (
        "the overlap re-reads them (dedupe drops them in the engine); the list is never consumed"
    )
    assert again.cursor == batch.cursor


def test_a_cursor_past_the_overlap_reads_only_what_is_newer(provider, sim, server) -> None:
    real = server.carrier.clock
    server.carrier.clock = lambda: real() - 3600  # received an hour ago
    sim.text(CUSTOMER, OURS, "old")
    server.carrier.clock = real
    sim.text(CUSTOMER, OURS, "new")
    cursor = PollCursor(datetime.now(UTC))  # "old" was committed long ago: only the overlap is read again
    assert [m.body for m in provider.fetch_inbound(cursor).messages] == ["new"]


def test_the_first_sync_reads_sinchs_fourteen_days_not_its_default_day(provider, sim, server) -> None:
    real = server.carrier.clock
    for days in (3, 15):
        server.carrier.clock = lambda d=days: real() - d * 86400
        sim.text(CUSTOMER, OURS, f"{days} days ago")
    server.carrier.clock = real
    assert [m.body for m in provider.fetch_inbound(PollCursor()).messages] == ["3 days ago"], (
        "older than 14 days is gone at Sinch; 3 days ago is past the 24 h start_date default"
    )


def test_bad_records_are_set_aside(provider, monkeypatch) -> None:
    page = {"count": 2, "page": 0, "page_size": 2, "inbounds": [{"id": "x", "type": "mo_text"}, 7]}
    monkeypatch.setattr(SinchProvider, "_exchange", lambda self, *a, **k: page)
    batch = provider.fetch_inbound(PollCursor())
    assert batch.messages == [] and batch.skipped == 2
    assert "missing from" in provider.last_quarantined[0][0]


def test_a_send_is_a_batch_whose_delivery_report_is_pulled(provider, sim) -> None:
    body = "Ça part aujourd'hui 📦 " * 10  # Unicode, several parts: Sinch encodes and splits
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, body))
    assert sent.status is MessageStatus.QUEUED and len(sent.provider_message_id) == 26
    (kept,) = [m for m in sim.messages() if m["direction"] == "outbound-api"]
    assert kept["body"] == body and kept["extra"] == {"batch_id": sent.provider_message_id}
    time.sleep(0.2)
    (status,) = provider.fetch_status([sent.provider_message_id])
    assert (status.status, status.to_number) == (MessageStatus.DELIVERED, CUSTOMER)
    assert provider.fetch_status(["01AAAAAAAAAAAAAAAAAAAAAAAA"]) == [], "an unknown batch says nothing"
    assert provider.status_quarantined
    (found,) = provider.find_sent(CUSTOMER, datetime.now(UTC) - timedelta(minutes=5))
    assert (found.provider_message_id, found.body, found.from_number) == (sent.provider_message_id, body, OURS)


def test_a_recipient_opted_out_at_sinch_is_accepted_then_reported_deleted(server, sim) -> None:
    p = SinchProvider(PLAN, TOKEN, OURS, base_url=server.url)
    with server.carrier._lock:
        server.carrier._opted_out.add((CUSTOMER, OURS))  # opted out on Sinch's side
    sent = p.send(OutboundRequest(CUSTOMER, OURS, "promo"))
    (status,) = p.fetch_status([sent.provider_message_id])
    assert status.status is MessageStatus.UNDELIVERED and "Deleted" in (status.error_message or "")
    assert sim.phone(CUSTOMER) == []


@pytest.mark.parametrize(
    ("request_", "said"),
    [
        (OutboundRequest("+12", OURS, "x"), "not a valid MSISDN"),
        (OutboundRequest(CUSTOMER, "+15559999999", "x"), "not a number of this service plan"),
        (OutboundRequest(CUSTOMER, OURS, ""), "body"),
    ],
)
def test_a_refused_batch_is_rejected_in_sinchs_words_and_nothing_is_sent(provider, sim, request_, said) -> None:
    with pytest.raises(Rejected) as raised:
        provider.send(request_)
    assert said in str(raised.value) and "syntax_constraint_violation" in str(raised.value)
    assert raised.value.status == 400
    assert sim.stats()["sends_accepted"] == 0


def test_a_wrong_token_or_plan_is_authentication_failed_everywhere(server) -> None:
    for wrong in (
        SinchProvider(PLAN, "nope", OURS, base_url=server.url),
        SinchProvider("other", TOKEN, OURS, base_url=server.url),
    ):
        for call in (wrong.check, lambda w=wrong: w.fetch_inbound(PollCursor()), lambda w=wrong: w.fetch_status(["x"])):
            with pytest.raises(AuthenticationFailed):
                call()
        with pytest.raises(AuthenticationFailed):
            wrong.send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_regions_name_sinchs_hosts() -> None:
    assert base_url_for("eu") == "https://eu.sms.api.sinch.com"
    with pytest.raises(ValueError, match="us, eu, au, br, ca"):
        base_url_for("mars")
