"""The account's numbers (IncomingPhoneNumbers, SMS/ShortCodes) as the simulator serves them,
read with Twilio's official Python SDK over real loopback HTTP: if the SDK reads them, Inbox's
ownership check reads what Twilio would send."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, OURS, OURS_2, TOKEN, config

SHORT_CODE = "56789"


class _ToSimulator(TwilioHttpClient):
    """The SDK's own HTTP client, with api.twilio.com replaced by the simulator's address."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self._base = base

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        return super().request(method, url.replace("https://api.twilio.com", self._base), *args, **kwargs)


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(config(numbers=(OURS, OURS_2, SHORT_CODE))) as running:
        yield running


def sdk(server: SimulatorServer, token: str = TOKEN) -> Client:
    return Client(ACCOUNT, token, http_client=_ToSimulator(server.url))


def test_the_sdk_lists_the_accounts_numbers_and_filters_on_one(server: SimulatorServer) -> None:
    client = sdk(server)
    every = client.incoming_phone_numbers.list()
    assert sorted(n.phone_number for n in every) == [OURS, OURS_2]  # the short code is not a phone number
    (one,) = client.incoming_phone_numbers.list(phone_number=OURS)
    assert one.phone_number == OURS and one.account_sid == ACCOUNT and one.sid.startswith("PN")
    assert one.capabilities["sms"] is True and one.date_created is not None
    assert [n.sid for n in client.incoming_phone_numbers.list(phone_number=OURS)] == [one.sid]  # stable SIDs
    assert client.incoming_phone_numbers.list(phone_number="+15559999999") == []
    # Twilio's filter takes part of a number, `*` for any digit.
    assert [n.phone_number for n in client.incoming_phone_numbers.list(phone_number="555000**2*")] == [OURS_2]
    assert len(client.incoming_phone_numbers.list(phone_number="5550001")) == 1


def test_the_sdk_pages_through_the_numbers(server: SimulatorServer) -> None:
    pages = list(sdk(server).incoming_phone_numbers.stream(page_size=1))
    assert sorted(n.phone_number for n in pages) == [OURS, OURS_2]


def test_the_sdk_lists_short_codes(server: SimulatorServer) -> None:
    (code,) = sdk(server).short_codes.list(short_code=SHORT_CODE)
    assert code.short_code == SHORT_CODE and code.sid.startswith("SC")
    assert sdk(server).short_codes.list(short_code="12345") == []


def test_a_wrong_token_is_refused_as_twilio_refuses_it(server: SimulatorServer) -> None:
    with pytest.raises(TwilioException) as refused:  # the SDK's list says "Unable to fetch page" and the answer
        sdk(server, token="wrong").incoming_phone_numbers.list()
    assert "401" in str(refused.value) and '"code": 20003' in str(refused.value)
