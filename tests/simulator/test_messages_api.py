"""The Twilio Messages dialect: auth, create, fetch, validation and status progression."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import httpx
import pytest

from inbox.simulator.client import SimulatorClient, SimulatorError
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, CUSTOMER, MESSAGES, OURS, OURS_2, TOKEN, config, wait_for

# Every property of api.v2010.account.message in the reference OpenAPI file.
MESSAGE_PROPERTIES = {
    "account_sid",
    "api_version",
    "body",
    "date_created",
    "date_sent",
    "date_updated",
    "direction",
    "error_code",
    "error_message",
    "from",
    "messaging_service_sid",
    "num_media",
    "num_segments",
    "price",
    "price_unit",
    "sid",
    "status",
    "subresource_uris",
    "to",
    "uri",
}
RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")


def send(api: httpx.Client, **form: str) -> httpx.Response:
    return api.post(MESSAGES, data=form)


@pytest.mark.parametrize(
    "auth, path",
    [
        ((ACCOUNT, "wrong"), MESSAGES),
        (None, MESSAGES),
        (("AC" + "f" * 32, TOKEN), MESSAGES),
        ((ACCOUNT, TOKEN), MESSAGES.replace(ACCOUNT, "AC" + "f" * 32)),
    ],
    ids=["wrong-token", "no-auth", "wrong-user", "path-account-mismatch"],
)
def test_bad_credentials_are_401_with_twilio_error(simulator: SimulatorServer, auth, path) -> None:
    response = httpx.get(simulator.url + path, auth=auth)
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_create_returns_the_full_resource(api: httpx.Client) -> None:
    response = send(api, To=CUSTOMER, From=OURS, Body="Hello there")
    assert response.status_code == 201
    msg = response.json()
    assert set(msg) == MESSAGE_PROPERTIES
    assert re.fullmatch(r"SM[0-9a-f]{32}", msg["sid"])
    assert msg["account_sid"] == ACCOUNT
    assert (msg["from"], msg["to"], msg["body"]) == (OURS, CUSTOMER, "Hello there")
    assert msg["status"] == "queued"
    assert msg["direction"] == "outbound-api"
    assert msg["num_segments"] == "1" and msg["num_media"] == "0"
    assert RFC2822.match(msg["date_created"]) and RFC2822.match(msg["date_updated"])
    assert msg["date_sent"] is None
    assert msg["error_code"] is None and msg["error_message"] is None
    assert msg["price"] is None and msg["price_unit"] == "USD" and msg["api_version"] == "2010-04-01"
    assert msg["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{msg['sid']}.json"
    assert set(msg["subresource_uris"]) == {"media", "feedback"}


def test_segments_are_counted(api: httpx.Client) -> None:
    assert send(api, To=CUSTOMER, From=OURS, Body="x" * 161).json()["num_segments"] == "2"
    assert send(api, To=CUSTOMER, From=OURS, Body="😀" * 71).json()["num_segments"] == "3"


def test_fetch_one_and_unknown_is_404(api: httpx.Client) -> None:
    created = send(api, To=CUSTOMER, From=OURS, Body="hi").json()
    fetched = api.get(created["uri"])
    assert fetched.status_code == 200
    assert set(fetched.json()) == MESSAGE_PROPERTIES
    assert fetched.json()["sid"] == created["sid"]
    missing = api.get(f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'0' * 32}.json")
    assert missing.status_code == 404
    assert missing.json()["code"] == 20404


@pytest.mark.parametrize(
    "form, code",
    [
        ({"From": OURS, "Body": "hi"}, 21604),
        ({"To": CUSTOMER, "From": OURS}, 21602),
        ({"To": CUSTOMER, "From": OURS, "Body": ""}, 21602),
        ({"To": CUSTOMER, "Body": "hi"}, 21603),
        ({"To": CUSTOMER, "From": "+15559998888", "Body": "hi"}, 21606),
        ({"To": CUSTOMER, "From": OURS, "Body": "x" * 1601}, 21617),
    ],
)
def test_create_validation_codes(api: httpx.Client, form: dict[str, str], code: int) -> None:
    response = send(api, **form)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize("to", ["5557654321", "+1", "not a number", "+1555765432199999", "+1 555 765 4321"])
def test_invalid_to_is_21211(api: httpx.Client, to: str) -> None:
    response = send(api, To=to, From=OURS, Body="hi")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 21211
    assert body["message"] == f"The 'To' number {to} is not a valid phone number."


def test_messaging_service_sends_from_first_number(api: httpx.Client) -> None:
    msid = "MG" + "a" * 32
    msg = send(api, To=CUSTOMER, MessagingServiceSid=msid, Body="hi").json()
    assert msg["from"] == OURS
    assert msg["messaging_service_sid"] == msid


def test_status_progresses_to_delivered_and_phone_receives(api: httpx.Client, sim: SimulatorClient) -> None:
    created = send(api, To=CUSTOMER, From=OURS_2, Body="On its way").json()
    assert sim.phone(CUSTOMER) == []
    final = wait_for(lambda: (m := api.get(created["uri"]).json())["status"] == "delivered" and m)
    assert final, "never delivered"
    assert final["date_sent"] is not None
    assert parsedate_to_datetime(final["date_sent"]) >= parsedate_to_datetime(final["date_created"])
    [received] = sim.phone(CUSTOMER)
    assert received["sid"] == created["sid"]
    assert (received["from"], received["body"]) == (OURS_2, "On its way")
    assert sim.stats()["received_by_phone"] == {CUSTOMER: 1}


@pytest.mark.parametrize(
    "rates, status, codes",
    [({"undelivered_rate": 1.0}, "undelivered", {30003, 30005}), ({"failed_rate": 1.0}, "failed", {30008})],
)
def test_configured_failures(rates: dict[str, float], status: str, codes: set[int]) -> None:
    with SimulatorServer(config(**rates)) as server, httpx.Client(base_url=server.url, auth=(ACCOUNT, TOKEN)) as api:
        created = send(api, To=CUSTOMER, From=OURS, Body="hi").json()
        final = wait_for(lambda: (m := api.get(created["uri"]).json())["status"] == status and m)
        assert final, f"never {status}"
        assert final["error_code"] in codes and final["error_message"]
        assert SimulatorClient(server.url).phone(CUSTOMER) == []


def test_customer_text_is_an_inbound_resource(api: httpx.Client, sim: SimulatorClient) -> None:
    sid = sim.text(CUSTOMER, OURS, "Where is my order?")
    msg = api.get(f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json").json()
    assert set(msg) == MESSAGE_PROPERTIES
    assert (msg["direction"], msg["status"]) == ("inbound", "received")
    assert (msg["from"], msg["to"], msg["body"]) == (CUSTOMER, OURS, "Where is my order?")
    assert msg["date_sent"] == msg["date_created"]


def test_text_to_a_number_not_ours_is_refused(sim: SimulatorClient) -> None:
    with pytest.raises(SimulatorError, match="400"):
        sim.text(CUSTOMER, "+15559990000", "hello?")
