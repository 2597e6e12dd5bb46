"""The Textlocal adapter against the simulator's textlocal dialect on loopback (and, for error
codes the simulator never gives, Textlocal's documented failure body from a mock transport):
each call's wire, and each failure mapped to the taxonomy the engine acts on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from inbox.core.models import IndiaDlt, MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import (
    AuthenticationFailed,
    InboundSemantics,
    MalformedResponse,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Retryable,
    inbound_semantics,
)
from inbox.providers.textlocal import OVERLAP, TextlocalProvider
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import dialect_simulator

KEY = "tl-key"
OURS = "+919000000001"
OTHER = "+919000000002"
CUSTOMER = "+919876543210"
INBOX = "100001"


server, sim = dialect_simulator(
    "textlocal", account_sid="owner@example.in", auth_token=KEY, numbers=(OURS, OTHER), opt_out_handling=False
)


@pytest.fixture
def provider(server: SimulatorServer) -> Iterator[TextlocalProvider]:
    p = TextlocalProvider(KEY, INBOX, OURS, base_url=server.url, page_limit=2)
    yield p
    p.close()


def _mock(body: object, status: int = 200, headers: dict[str, str] | None = None) -> TextlocalProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return TextlocalProvider(KEY, INBOX, OURS, base_url="http://textlocal.test", transport=httpx.MockTransport(answer))


def _failure(code: int, message: str) -> dict[str, object]:
    return {"errors": [{"code": code, "message": message}], "status": "failure"}


def test_it_is_a_list_with_a_cursor_and_reads_only_its_inbox_in_pages(provider, sim) -> None:
    assert inbound_semantics(provider) is InboundSemantics.LIST_WITH_CURSOR
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"msg {n} ✓")
    sim.text(CUSTOMER, OTHER, "another inbox")
    batch = provider.fetch_inbound(PollCursor())
    assert [(m.from_number, m.to_number, m.body) for m in batch.messages] == [
        (CUSTOMER, OURS, f"msg {n} ✓") for n in range(5)
    ], "three pages of two, oldest first, only inbox 100001"
    assert batch.incomplete is None and batch.cursor.newest_date_sent is not None
    assert sim.stats()["api_requests_by_kind"]["list"] == 3


def test_a_re_read_from_the_cursor_returns_the_overlap_with_the_same_ids(provider, sim) -> None:
    sim.text(CUSTOMER, OURS, "once")
    first = provider.fetch_inbound(PollCursor())
    again = provider.fetch_inbound(first.cursor)
    assert [m.provider_message_id for m in again.messages] == [m.provider_message_id for m in first.messages]
    # the cursor is the poll's start, not a message date (Textlocal does not say their zone)
    assert first.cursor.newest_date_sent <= datetime.now(UTC)


def test_the_cursor_asks_from_the_cursor_less_the_overlap() -> None:
    asked: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(dict(httpx.QueryParams(request.content.decode())))
        return httpx.Response(200, json={"num_messages": 0, "messages": [], "status": "success"})

    p = TextlocalProvider(KEY, INBOX, OURS, base_url="http://textlocal.test", transport=httpx.MockTransport(answer))
    cursor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    p.fetch_inbound(PollCursor(cursor))
    assert asked[0]["inbox_id"] == INBOX and asked[0]["apikey"] == KEY and asked[0]["sort_order"] == "asc"
    assert int(asked[0]["min_time"]) == int((cursor - OVERLAP).timestamp())


def test_a_date_ahead_of_the_poll_is_read_as_the_poll_and_a_bad_record_is_set_aside() -> None:
    future = (datetime.now(UTC) + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    p = _mock(
        {
            "num_messages": 2,
            "messages": [
                {"id": "1", "number": 919876543210, "message": "IST?", "date": future, "isNew": True, "status": "?"},
                {"id": "2", "number": 919876543210, "date": future},
            ],
            "status": "success",
        }
    )
    batch = p.fetch_inbound(PollCursor())
    (only,) = batch.messages
    assert only.date_sent <= datetime.now(UTC) and batch.skipped == 1
    assert "missing message" in p.last_quarantined[0][0]


def test_send_uses_unicode_for_non_gsm_text_and_the_dlt_header_as_sender(provider, sim) -> None:
    request = OutboundRequest(CUSTOMER, OURS, "आपका ऑर्डर", IndiaDlt("1101234567890", None, None, "ACMEIN"))
    sent = provider.send(request)
    assert sent.status is MessageStatus.QUEUED and sent.provider_message_id.isdigit()
    time.sleep(0.2)
    (seen,) = [m for m in sim.messages() if m["direction"] == "outbound-api"]
    assert seen["body"] == "आपका ऑर्डर"
    assert seen["extra"] == {"sender": "ACMEIN", "unicode": True, "messageId": sent.provider_message_id}
    (status,) = provider.fetch_status([sent.provider_message_id])
    assert status.status is MessageStatus.DELIVERED
    assert [m.provider_message_id for m in provider.find_sent(CUSTOMER, sent.date_created)] == [
        sent.provider_message_id
    ]


def test_a_wrong_key_stops_the_channel(server) -> None:
    p = TextlocalProvider("wrong", INBOX, OURS, base_url=server.url)
    with pytest.raises(AuthenticationFailed, match="invalid login"):
        p.fetch_inbound(PollCursor())


def test_username_and_hash_log_in(server) -> None:
    p = TextlocalProvider(f"owner@example.in:{KEY}", INBOX, OURS, base_url=server.url)
    assert [b["id"] for b in p.check()] == [100001, 100002]


def test_a_refused_number_is_rejected_for_good(provider) -> None:
    with pytest.raises(Rejected) as info:
        provider.send(OutboundRequest("+12", OURS, "x"))
    assert info.value.code == 51


def test_faults_map_to_retryable_and_rate_limited(provider, sim) -> None:
    sim.set_faults(throttle_rate=1.0)
    with pytest.raises(RateLimited):
        provider.fetch_inbound(PollCursor())
    sim.set_faults(throttle_rate=0.0, fail_rate=1.0)
    with pytest.raises(Retryable):
        provider.send(OutboundRequest(CUSTOMER, OURS, "x"))


@pytest.mark.parametrize(
    ("code", "message", "raised", "says"),
    [
        (7, "Insufficient credits", Retryable, "top it up"),
        (192, "You cannot send message at this time", Retryable, "trying later"),
        (80, "Invalid template", Rejected, "DLT template"),
        (43, "Invalid sender name", Rejected, "Invalid sender name"),
        (3, "Invalid login details", AuthenticationFailed, "API key"),
    ],
)
def test_documented_error_codes_map_to_the_taxonomy(code, message, raised, says) -> None:
    with pytest.raises(raised, match=says) as info:
        _mock(_failure(code, message)).send(OutboundRequest(CUSTOMER, OURS, "x"))
    if raised is Rejected:
        assert not isinstance(info.value, Retryable)


def test_an_unreadable_answer_to_a_send_is_an_unknown_outcome_not_a_resend() -> None:
    def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>oops")

    p = TextlocalProvider(KEY, INBOX, OURS, base_url="http://t.test", transport=httpx.MockTransport(garbage))
    with pytest.raises(OutcomeUnknown):
        p.send(OutboundRequest(CUSTOMER, OURS, "x"))
    with pytest.raises(OutcomeUnknown):
        _mock({"status": "success", "messages": []}).send(OutboundRequest(CUSTOMER, OURS, "x"))
    with pytest.raises(MalformedResponse):
        p.fetch_inbound(PollCursor())


def test_a_connection_lost_after_the_send_left_is_an_unknown_outcome() -> None:
    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    p = TextlocalProvider(KEY, INBOX, OURS, base_url="http://t.test", transport=httpx.MockTransport(reset))
    with pytest.raises(OutcomeUnknown):
        p.send(OutboundRequest(CUSTOMER, OURS, "x"))
    with pytest.raises(Retryable):
        p.fetch_status(["1"])


def test_the_key_travels_in_the_form_never_in_the_url() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"inboxes": [], "status": "success"})

    p = TextlocalProvider(KEY, INBOX, OURS, base_url="http://t.test", transport=httpx.MockTransport(answer))
    p.check()
    assert KEY not in str(seen[0].url) and json.dumps(KEY)[1:-1] in seen[0].content.decode()


def test_an_endless_answer_is_cut_at_the_cap_not_read_into_memory() -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"x" * (1 << 20)] * 20))

    p = TextlocalProvider(KEY, INBOX, OURS, base_url="http://t.test", transport=httpx.MockTransport(endless))
    with pytest.raises(MalformedResponse, match="larger than"):
        p.fetch_inbound(PollCursor())
    with pytest.raises(OutcomeUnknown):
        p.send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_reconciling_a_send_finds_only_that_customers_send(provider) -> None:
    """get_history_single, as documented, lists every send in the window (the simulator ignores
    a `number` field like Textlocal documents none): the same text to a neighbour must not be
    taken for the customer's, which would mark an unsent text sent."""
    neighbours = provider.send(OutboundRequest("+919876500000", OURS, "Your order shipped"))
    time.sleep(0.1)
    assert provider.find_sent(CUSTOMER, neighbours.date_created) == []
    mine = provider.send(OutboundRequest(CUSTOMER, OURS, "Your order shipped"))
    assert [m.provider_message_id for m in provider.find_sent(CUSTOMER, mine.date_created)] == [
        mine.provider_message_id
    ]
