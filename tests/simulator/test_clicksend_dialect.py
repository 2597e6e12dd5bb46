"""The simulator's ClickSend dialect, driven by ClickSend's official Python SDK (`clicksend-client`).

The SDK builds the requests (Basic auth, paths, `page`/`limit`, the send body) and parses every
answer with its pydantic models: if the dialect drifted from ClickSend's REST API v3 (a path, the
envelope, a field name or type, the unread/mark-read behaviour), these fail inside the SDK.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import clicksend
import pytest
from clicksend.api.sms_api import SmsApi
from clicksend.exceptions import ApiException
from clicksend.models import MarkSmsReceiptAsReadRequest, SendSmsRequest, SendSmsRequestMessagesInner

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config

USERNAME = "acme"
KEY = "clicksend-test-key"
OURS = "+61411111111"
CUSTOMER = "+61422222222"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(
        config(dialect="clicksend", account_sid=USERNAME, auth_token=KEY, numbers=(OURS,), delivery_delay=0.05)
    ) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


def sdk(url: str, key: str = KEY) -> SmsApi:
    return SmsApi(clicksend.ApiClient(clicksend.Configuration(host=url, username=USERNAME, password=key)))


def _send(api: SmsApi, body: str, to: str = CUSTOMER):  # type: ignore[no-untyped-def]
    message = SendSmsRequestMessagesInner(body=body, to=to, var_from=OURS)
    return api.send_sms(send_sms_request=SendSmsRequest(messages=[message]))


def test_inbound_stays_listed_until_marked_read_one_by_one_or_by_date(simulator, sim) -> None:
    api = sdk(simulator.url)
    for n in range(20):
        sim.text(CUSTOMER, OURS, f"text {n} ✓")
    first = api.view_inbound_sms(page=1, limit=15).data
    assert (first.total, first.per_page, first.current_page, first.last_page) == (20, 15, 1, 2)
    assert first.next_page_url and first.data[0].var_from == CUSTOMER and first.data[0].to == OURS
    second = api.view_inbound_sms(page=2, limit=15).data
    assert [m.body for m in first.data + second.data] == [f"text {n} ✓" for n in range(20)]
    assert api.view_inbound_sms().data.total == 20, "reading marks nothing"
    done = api.mark_specific_inbound_sms_message_as_read(first.data[0].message_id)
    assert (done.response_code, done.data) == ("SUCCESS", 1)
    assert api.view_inbound_sms().data.total == 19
    seen = api.view_a_specific_inbound_sms_message(first.data[0].message_id).data
    assert seen.body == "text 0 ✓", "a read message can still be fetched by its id"
    api.mark_inbound_sms_as_read(
        mark_sms_receipt_as_read_request=MarkSmsReceiptAsReadRequest(date_before=int(time.time()) + 1)
    )
    assert api.view_inbound_sms().data.total == 0


def test_a_send_reaches_the_phone_and_its_receipt_is_listed_until_marked_read(simulator, sim) -> None:
    api = sdk(simulator.url)
    sent = _send(api, "Your order ships today 📦 " * 8).data
    assert (sent.total_count, sent.queued_count, sent.blocked_count) == (1, 1, 0)
    (message,) = sent.messages
    assert message.status == "SUCCESS" and message.message_parts and message.message_parts > 1
    time.sleep(0.2)
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Your order ships today 📦 " * 8]
    (receipt,) = api.view_sms_receipts().data.data
    assert (receipt.message_id, receipt.status_code) == (message.message_id, 201)
    assert api.view_specific_sms_receipt(message.message_id).data.status_code == 201
    api.mark_sms_receipt_as_read(
        mark_sms_receipt_as_read_request=MarkSmsReceiptAsReadRequest(date_before=int(time.time()) + 1)
    )
    assert api.view_sms_receipts().data.total == 0
    assert api.view_specific_sms_receipt(message.message_id).data.status_code == 201, "still readable by id"
    (history,) = api.view_sms_history(date_from=int(time.time()) - 60).data.data
    assert history.message_id == message.message_id


def test_a_refused_recipient_is_a_per_message_status_and_errors_use_the_envelope(simulator) -> None:
    refused = _send(sdk(simulator.url), "x", to="12").data
    assert (refused.queued_count, refused.messages[0].status) == (0, "INVALID_RECIPIENT")
    with pytest.raises(ApiException) as wrong:
        sdk(simulator.url, key="nope").view_inbound_sms()
    assert wrong.value.status == 401 and '"response_code": "UNAUTHORIZED"' in wrong.value.body
    with pytest.raises(ApiException) as missing:
        sdk(simulator.url).mark_specific_inbound_sms_message_as_read("NOPE")
    assert missing.value.status == 404


def test_the_account_endpoint_the_connection_test_reads_parses_with_the_sdk(simulator) -> None:
    from clicksend.api.management_api import ManagementApi

    conf = clicksend.Configuration(host=simulator.url, username=USERNAME, password=KEY)
    answer = ManagementApi(clicksend.ApiClient(conf)).view_account_details()
    assert answer.http_code == 200 and answer.response_code == "SUCCESS"
