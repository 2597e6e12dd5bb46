"""The SMS Gateway for Android adapter against the simulator's android-gateway dialect on loopback
(and a mock transport for what the simulator does not do): the wire of each call, the phone's
clock as the cursor, and each failure mapped to the taxonomy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from inbox.core.models import MessageStatus, OutboundRequest, PollCursor
from inbox.providers.android_gateway import AndroidGatewayProvider
from inbox.providers.base import (
    AuthenticationFailed,
    InboundSemantics,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Retryable,
    inbound_semantics,
)
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import dialect_simulator

USER, PASSWORD = "sms", "pw-123"
OURS = "+919000000001"
OTHER_SIM = "+919000000002"
CUSTOMER = "+919876543210"


server, sim = dialect_simulator(
    "android-gateway", account_sid=USER, auth_token=PASSWORD, numbers=(OURS, OTHER_SIM), opt_out_handling=False
)


@pytest.fixture
def provider(server: SimulatorServer) -> Iterator[AndroidGatewayProvider]:
    p = AndroidGatewayProvider(USER, PASSWORD, OURS, server.url, page_limit=2)
    yield p
    p.close()


def _mock(handler) -> AndroidGatewayProvider:  # type: ignore[no-untyped-def]
    return AndroidGatewayProvider(
        USER, PASSWORD, OURS, "http://192.168.1.5:8080", transport=httpx.MockTransport(handler)
    )


def test_it_is_a_list_with_a_cursor_read_in_pages_oldest_first(provider, sim) -> None:
    assert inbound_semantics(provider) is InboundSemantics.LIST_WITH_CURSOR
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"msg {n} ✓")
    sim.text(CUSTOMER, OTHER_SIM, "to the other SIM")
    batch = provider.fetch_inbound(PollCursor())
    assert [m.body for m in batch.messages] == [f"msg {n} ✓" for n in range(5)]
    assert batch.skipped == 1 and "another SIM" in provider.last_quarantined[0][0], "kept, not dropped"
    assert batch.cursor.newest_date_sent == batch.messages[-1].date_sent, "the phone's clock is the cursor"
    again = provider.fetch_inbound(batch.cursor)
    assert [m.provider_message_id for m in again.messages][-1] == batch.messages[-1].provider_message_id


def test_an_empty_poll_does_not_move_the_cursor() -> None:
    p = _mock(lambda request: httpx.Response(200, json=[], headers={"X-Total-Count": "0"}))
    old = datetime.now(UTC) - timedelta(hours=3)
    assert p.fetch_inbound(PollCursor(old)).cursor.newest_date_sent == old


def test_the_window_is_from_the_cursor_less_the_overlap_to_the_poll() -> None:
    asked: list[httpx.QueryParams] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params)
        return httpx.Response(200, json=[])

    cursor = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    _mock(answer).fetch_inbound(PollCursor(cursor))
    assert asked[0]["from"] == "2026-12-01T09:58:00.000Z" and asked[0]["type"] == "SMS"
    assert asked[0]["limit"] == "500" and asked[0]["offset"] == "0"


def test_a_phone_in_another_zone_is_read_as_the_instant_it_says() -> None:
    record = {
        "id": "a1",
        "type": "SMS",
        "sender": CUSTOMER,
        "recipient": OURS,
        "simNumber": 1,
        "contentPreview": "IST",
        "createdAt": "2026-12-01T15:30:00.000+05:30",
    }
    (m,) = _mock(lambda request: httpx.Response(200, json=[record])).fetch_inbound(PollCursor()).messages
    assert m.date_sent == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_send_state_and_reconciliation(provider, sim) -> None:
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, "आपका ऑर्डर"))
    assert sent.status is MessageStatus.QUEUED
    time.sleep(0.2)
    (state,) = provider.fetch_status([sent.provider_message_id])
    assert state.status is MessageStatus.DELIVERED and state.date_sent is not None
    assert [m.provider_message_id for m in provider.find_sent(CUSTOMER, sent.date_created)] == [
        sent.provider_message_id
    ]
    assert provider.fetch_status(["unknown-id"]) == [], "a message the phone forgot says nothing"


def test_a_wrong_password_stops_the_channel(server) -> None:
    with pytest.raises(AuthenticationFailed, match="Local Server"):
        AndroidGatewayProvider(USER, "wrong", OURS, server.url).check()


def test_an_unreachable_phone_is_retried_later_and_a_bad_number_refused(provider) -> None:
    off = AndroidGatewayProvider(USER, PASSWORD, OURS, "http://127.0.0.1:9")
    with pytest.raises(Retryable, match="is it on"):
        off.send(OutboundRequest(CUSTOMER, OURS, "x"))
    with pytest.raises(Rejected):
        provider.send(OutboundRequest("+1", OURS, "x"))


def test_faults_map_to_rate_limited_and_retryable(provider, sim) -> None:
    sim.set_faults(throttle_rate=1.0)
    with pytest.raises(RateLimited):
        provider.fetch_inbound(PollCursor())
    sim.set_faults(throttle_rate=0.0, fail_rate=1.0)
    with pytest.raises(Retryable):
        provider.send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_a_lost_answer_to_a_send_is_an_unknown_outcome(provider) -> None:
    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    with pytest.raises(OutcomeUnknown):
        _mock(reset).send(OutboundRequest(CUSTOMER, OURS, "x"))
    with pytest.raises(OutcomeUnknown):
        _mock(lambda r: httpx.Response(202, content=b"<html>")).send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_a_failed_state_in_the_send_answer_is_rejected_with_the_phones_reason() -> None:
    answer = {
        "id": "m1",
        "state": "Failed",
        "recipients": [{"phoneNumber": CUSTOMER, "state": "Failed", "error": "RESULT_ERROR_NO_SERVICE"}],
    }
    with pytest.raises(Rejected, match="RESULT_ERROR_NO_SERVICE"):
        _mock(lambda r: httpx.Response(202, json=answer)).send(OutboundRequest(CUSTOMER, OURS, "x"))
