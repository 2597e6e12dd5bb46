"""The simulator's Sinch dialect, driven by Sinch's official Python SDK (`sinch`) over loopback.

The SDK builds the requests (the service plan in the path, the Bearer token, ISO dates, its own
page walk) and parses the answers with its pydantic models: if the dialect drifted from Sinch's
SMS REST API (a path, a field, a date format, paging, a delivery report's shape), these fail
inside the SDK.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sinch import SinchClient
from sinch.domains.sms.api.v1.exceptions import SmsException

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config

PLAN = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
TOKEN = "sinch-test-token"
OURS = "+15550001111"
CUSTOMER = "+15557654321"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(
        config(dialect="sinch", account_sid=PLAN, auth_token=TOKEN, numbers=(OURS,), delivery_delay=0.05)
    ) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


def sdk(url: str, plan: str = PLAN, token: str = TOKEN) -> SinchClient:
    client = SinchClient(service_plan_id=plan, sms_api_token=token, sms_region="us")
    client.configuration.sms_domain_with_service_plan_id = url  # instead of https://us.sms.api.sinch.com
    return client


def test_the_sdk_walks_the_inbounds_pages_newest_first(simulator, sim) -> None:
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n} — ünïcode")
    pages = sdk(simulator.url).sms.inbounds.list(page_size=2, to=[OURS])
    first = pages.content()
    assert [m.body for m in first] == ["text 4 — ünïcode", "text 3 — ünïcode"]
    assert first[0].from_ == CUSTOMER.lstrip("+") and first[0].to == OURS.lstrip("+")
    assert first[0].type == "mo_text" and first[0].received_at.tzinfo is not None
    everything = [m.body for m in pages.iterator()]
    assert everything == [f"text {n} — ünïcode" for n in reversed(range(5))], "three pages, each once"
    assert sdk(simulator.url).sms.inbounds.get(first[0].id).body == "text 4 — ünïcode"


def test_start_date_defaults_to_a_day_and_the_list_keeps_fourteen(simulator, sim) -> None:
    real = simulator.carrier.clock
    for days in (2, 15):
        simulator.carrier.clock = lambda d=days: real() - d * 86400
        sim.text(CUSTOMER, OURS, f"{days} days ago")
    simulator.carrier.clock = real
    sim.text(CUSTOMER, OURS, "today")
    inbounds = sdk(simulator.url).sms.inbounds
    assert [m.body for m in inbounds.list().iterator()] == ["today"]
    since = datetime.now(UTC) - timedelta(days=30)
    assert [m.body for m in inbounds.list(start_date=since).iterator()] == ["today", "2 days ago"]


def test_a_batch_sent_with_the_sdk_reaches_the_phone_and_reports_delivered(simulator, sim) -> None:
    sms = sdk(simulator.url).sms
    batch = sms.batches.send(to=[CUSTOMER], from_=OURS, body="Your order ships today 📦")
    assert batch.type == "mt_text" and batch.to == [CUSTOMER] and not batch.canceled
    assert sms.batches.get(batch.id).body == "Your order ships today 📦"
    time.sleep(0.2)
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Your order ships today 📦"]
    report = sms.delivery_reports.get(batch_id=batch.id, report_type="full")
    ((status),) = report.statuses
    assert (status.status, status.code, status.count, status.recipients) == ("Delivered", 0, 1, [CUSTOMER])
    one = sms.delivery_reports.get_for_number(batch_id=batch.id, recipient=CUSTOMER.lstrip("+"))
    assert (one.status, one.recipient, one.type) == ("Delivered", CUSTOMER.lstrip("+"), "recipient_delivery_report_sms")
    listed = sms.batches.list(from_=[OURS]).content()
    assert [b.id for b in listed] == [batch.id]


def test_errors_come_in_sinchs_body_with_its_status(simulator) -> None:
    with pytest.raises(SmsException) as wrong_token:
        sdk(simulator.url, token="nope").sms.inbounds.list().content()
    assert wrong_token.value.response_status_code == 401
    with pytest.raises(SmsException) as bad:
        sdk(simulator.url).sms.batches.send(to=["12"], from_=OURS, body="x")
    assert bad.value.response_status_code == 400
    assert bad.value.http_response.body["code"] == "syntax_constraint_violation"
    with pytest.raises(SmsException) as missing:
        sdk(simulator.url).sms.batches.get("01AAAAAAAAAAAAAAAAAAAAAAAA")
    assert missing.value.response_status_code == 404
