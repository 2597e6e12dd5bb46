"""The simulator's Infobip dialect, driven by Infobip's official Python SDK over loopback.

The SDK (`infobip-api-python-client`) builds the requests and parses the answers with its own
pydantic models: if the dialect drifted from Infobip's API (a path, a field name, a date format,
the `App` header, an error body), these tests would fail inside the SDK.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from infobip_api_client import ApiClient, Configuration
from infobip_api_client.api.sms_api import SmsApi
from infobip_api_client.exceptions import ApiException
from infobip_api_client.models import (
    SmsDestination,
    SmsIndiaDltOptions,
    SmsMessage,
    SmsMessageContent,
    SmsMessageOptions,
    SmsRegionalOptions,
    SmsRequest,
    SmsTextContent,
)

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config, wait_for

KEY = "infobip-test-key"
OURS = "+919000000001"
CUSTOMER = "+919876543210"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(config(dialect="infobip", auth_token=KEY, numbers=(OURS,), account_sid="")) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


def sdk(url: str, key: str = KEY) -> SmsApi:
    return SmsApi(ApiClient(Configuration(host=url, api_key=key)))


def _send(api: SmsApi, text: str, to: str = CUSTOMER, dlt: SmsIndiaDltOptions | None = None):  # type: ignore[no-untyped-def]
    options = SmsMessageOptions(regional=SmsRegionalOptions(india_dlt=dlt)) if dlt else None
    message = SmsMessage(
        sender="ACMEIN",
        destinations=[SmsDestination(to=to.lstrip("+"))],
        content=SmsMessageContent(actual_instance=SmsTextContent(text=text)),
        options=options,
    )
    return api.send_sms_messages(SmsRequest(messages=[message]))


def test_inbound_is_handed_out_once_with_the_pending_count(simulator, sim) -> None:
    api = sdk(simulator.url)
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"नमस्ते {n}")
    first = api.get_inbound_sms_messages(limit=2)
    assert [m.text for m in first.results] == ["नमस्ते 0", "नमस्ते 1"]
    assert first.message_count == 2 and first.pending_message_count == 1
    assert first.results[0].var_from == CUSTOMER.lstrip("+") and first.results[0].to == OURS.lstrip("+")
    assert first.results[0].received_at is not None and first.results[0].received_at.tzinfo is not None
    second = api.get_inbound_sms_messages(limit=2)
    assert [m.text for m in second.results] == ["नमस्ते 2"] and second.pending_message_count == 0
    assert api.get_inbound_sms_messages().results == []  # consumed: never handed out again


def test_a_send_with_india_dlt_reaches_the_phone_and_its_fields_the_provider(simulator, sim) -> None:
    api = sdk(simulator.url)
    dlt = SmsIndiaDltOptions(principal_entity_id="1101000000000001", content_template_id="1107000000000002")
    answer = _send(api, "Your order 1042 ships today", dlt=dlt)
    (entry,) = answer.messages
    assert entry.status.group_name.value == "PENDING" and entry.status.name == "PENDING_ACCEPTED"
    assert answer.bulk_id
    got = wait_for(lambda: sim.phone(CUSTOMER))
    assert [m["body"] for m in got] == ["Your order 1042 ships today"]
    (kept,) = [m for m in sim.messages() if m["sid"] == entry.message_id]
    assert kept["extra"] == {
        "indiaDlt": {"principalEntityId": "1101000000000001", "contentTemplateId": "1107000000000002"},
        "sender": "ACMEIN",
    }


def test_delivery_reports_are_consumed_once_and_logs_are_not(simulator, sim) -> None:
    api = sdk(simulator.url)
    sent = _send(api, "Hello").messages[0].message_id
    reports = wait_for(lambda: api.get_outbound_sms_message_delivery_reports(limit=10).results)
    assert [(r.message_id, r.status.name, r.error.name) for r in reports] == [
        (sent, "DELIVERED_TO_HANDSET", "NO_ERROR")
    ]
    assert api.get_outbound_sms_message_delivery_reports(limit=10).results == []
    for _ in range(2):  # logs are read as often as asked
        logs = api.get_outbound_sms_message_logs(destination=CUSTOMER.lstrip("+"), limit=10).results
        assert [(log.message_id, log.status.group_name.value) for log in logs] == [(sent, "DELIVERED")]
        assert logs[0].content.actual_instance.text == "Hello"


def test_a_wrong_key_is_a_401_the_sdk_reads_as_an_api_error(simulator) -> None:
    with pytest.raises(ApiException) as raised:
        sdk(simulator.url, "wrong").send_sms_messages(
            SmsRequest(
                messages=[
                    SmsMessage(
                        destinations=[SmsDestination(to="919876543210")],
                        content=SmsMessageContent(actual_instance=SmsTextContent(text="x")),
                    )
                ]
            )
        )
    assert raised.value.status == 401
    assert raised.value.data.error_code == "E401"  # parsed by the SDK's ApiError model


def test_a_refused_destination_is_a_rejected_status_not_an_http_error(simulator) -> None:
    (entry,) = _send(sdk(simulator.url), "x", to="12").messages
    assert entry.status.group_name.value == "REJECTED"
