"""The Infobip adapter against the simulator's infobip dialect on loopback: each call's wire, and
each failure mapped to the taxonomy the engine acts on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.models import IndiaDlt, MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import (
    AuthenticationFailed,
    ConsumeOnceInbound,
    ConsumeOnceReports,
    InboundSemantics,
    MalformedResponse,
    Rejected,
    inbound_semantics,
)
from inbox.providers.infobip import ConsumeOnceOnly, InfobipProvider
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import dialect_simulator

KEY = "key-1"
OURS = "+919000000001"
OTHER = "+919000000002"
CUSTOMER = "+919876543210"


server, sim = dialect_simulator("infobip", account_sid="", auth_token=KEY, numbers=(OURS, OTHER))


@pytest.fixture
def provider(server: SimulatorServer) -> Iterator[InfobipProvider]:
    p = InfobipProvider(KEY, OURS, base_url=server.url, inbound_limit=2)
    yield p
    p.close()


def test_it_declares_consume_once_inbound_and_reports(provider, sim) -> None:
    assert inbound_semantics(provider) is InboundSemantics.CONSUME_ONCE
    assert isinstance(provider, ConsumeOnceInbound) and isinstance(provider, ConsumeOnceReports)
    sim.text(CUSTOMER, OURS, "kept")
    with pytest.raises(ConsumeOnceOnly):  # a read without the journal would lose what it read
        provider.fetch_inbound(PollCursor())
    assert sim.stats()["inbound_waiting"] == 1


def test_inbound_pages_are_small_say_more_and_parse_from_the_body_alone(provider, sim) -> None:
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"msg {n} ✓")
    page = provider.take_inbound()
    assert (page.count, page.more) == (2, True)
    fresh = InfobipProvider(KEY, OURS, base_url="http://127.0.0.1:9")  # another process, no network
    batch = fresh.parse_inbound(page.body)
    assert [(m.from_number, m.to_number, m.body) for m in batch.messages] == [
        (CUSTOMER, OURS, "msg 0 ✓"),
        (CUSTOMER, OURS, "msg 1 ✓"),
    ]
    assert batch.messages[0].date_sent.tzinfo is not None
    last = provider.take_inbound()
    assert (last.count, last.more) == (1, False)
    assert provider.take_inbound().count == 0


def test_a_text_to_another_number_of_the_account_is_set_aside_not_dropped(provider, sim) -> None:
    sim.text(CUSTOMER, OTHER, "for the other number")
    batch = provider.parse_inbound(provider.take_inbound().body)
    assert batch.messages == [] and batch.skipped == 1
    ((reason, raw),) = provider.last_quarantined
    assert "another number" in reason and "for the other number" in raw


def test_bad_records_are_set_aside_and_an_unreadable_body_is_malformed(provider) -> None:
    good = {"messageId": "a", "from": "919876543210", "text": "ok", "receivedAt": "2026-01-01T00:00:00.000+0000"}
    body = json.dumps({"results": [good, {"text": "no id"}]})
    batch = provider.parse_inbound(body)
    assert [m.body for m in batch.messages] == ["ok"] and batch.skipped == 1
    with pytest.raises(MalformedResponse):
        provider.parse_inbound("<html>502</html>")


def test_a_send_carries_india_dlt_and_the_header_and_comes_back_delivered(provider, sim) -> None:
    dlt = IndiaDlt("1101000000000001", "1107000000000002", "1702000000000003", "ACMEIN")
    body = "आपका ऑर्डर 1042 आज भेजा जाएगा " * 3  # Unicode, several segments
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, body, dlt))
    assert sent.status is MessageStatus.QUEUED and sent.num_segments and sent.num_segments > 1
    (kept,) = [m for m in sim.messages() if m["sid"] == sent.provider_message_id]
    assert kept["extra"]["indiaDlt"] == {
        "principalEntityId": "1101000000000001",
        "contentTemplateId": "1107000000000002",
        "telemarketerId": "1702000000000003",
    }
    assert kept["extra"]["sender"] == "ACMEIN"
    time.sleep(0.2)
    reports = provider.parse_reports(provider.take_reports().body)
    assert [(u.provider_message_id, u.status) for u in reports.updates] == [
        (sent.provider_message_id, MessageStatus.DELIVERED)
    ]
    assert provider.take_reports().count == 0, "a report is handed out once"
    (status,) = provider.fetch_status([sent.provider_message_id])
    assert status.status is MessageStatus.DELIVERED
    (found,) = provider.find_sent(CUSTOMER, datetime.now(UTC) - timedelta(minutes=5))
    assert (found.provider_message_id, found.body, found.from_number) == (sent.provider_message_id, body, OURS)


def test_a_refused_destination_is_rejected(provider) -> None:
    with pytest.raises(Rejected) as raised:
        provider.send(OutboundRequest("+12", OURS, "x"))
    assert "REJECTED" in str(raised.value)


def test_a_wrong_key_is_authentication_failed_everywhere(server) -> None:
    wrong = InfobipProvider("nope", OURS, base_url=server.url)
    for call in (wrong.take_inbound, wrong.take_reports, wrong.check):
        with pytest.raises(AuthenticationFailed):
            call()
    with pytest.raises(AuthenticationFailed):
        wrong.send(OutboundRequest(CUSTOMER, OURS, "x"))
