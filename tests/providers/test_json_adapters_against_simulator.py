"""What the three JSON-over-HTTP adapters (Sinch, ClickSend, Infobip, all on providers/json_http.py)
must do alike, each against its own dialect of the simulator on loopback: the provider's trouble
(throttling, failures, outages) mapped to the taxonomy the engine acts on, on both the inbound read
and the send; and a send whose answer is lost is OutcomeUnknown, then found in the provider's own
record of what was sent (Sinch's batches list, ClickSend's history, Infobip's logs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.models import OutboundRequest, PollCursor
from inbox.providers.base import OutcomeUnknown, RateLimited, Retryable
from inbox.providers.clicksend import ClickSendProvider
from inbox.providers.infobip import InfobipProvider
from inbox.providers.sinch import SinchProvider
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config

# dialect: (account id, secret, our number, the customer, the adapter on a base URL, one inbound read)
DIALECTS: dict[str, tuple[str, str, str, str, Callable[[str], object], Callable[[object], object]]] = {
    "sinch": (
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "token-1",
        "+15550001111",
        "+15557654321",
        lambda url: SinchProvider("0a1b2c3d4e5f60718293a4b5c6d7e8f9", "token-1", "+15550001111", base_url=url),
        lambda p: p.fetch_inbound(PollCursor()),  # type: ignore[attr-defined]
    ),
    "clicksend": (
        "acme",
        "key-1",
        "+61411111111",
        "+61422222222",
        lambda url: ClickSendProvider("acme", "key-1", "+61411111111", base_url=url),
        lambda p: p.fetch_inbound(PollCursor()),  # type: ignore[attr-defined]
    ),
    "infobip": (
        "",
        "key-1",
        "+919000000001",
        "+919876543210",
        lambda url: InfobipProvider("key-1", "+919000000001", base_url=url),
        lambda p: p.take_inbound(),  # type: ignore[attr-defined]
    ),
}


@pytest.fixture(params=sorted(DIALECTS))
def adapter(request) -> Iterator[tuple[object, SimulatorClient, str, str, Callable[[object], object]]]:  # type: ignore[no-untyped-def]
    account, secret, ours, customer, make, read = DIALECTS[request.param]
    settings = config(
        dialect=request.param, account_sid=account, auth_token=secret, numbers=(ours,), delivery_delay=0.05, seed=5
    )
    with SimulatorServer(settings) as server:
        provider = make(server.url)
        try:
            yield provider, SimulatorClient(server.url), ours, customer, read
        finally:
            provider.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("faults", "error"),
    [({"throttle_rate": 1.0}, RateLimited), ({"fail_rate": 1.0}, Retryable), ({"unavailable_rate": 1.0}, Retryable)],
)
def test_provider_trouble_maps_to_the_taxonomy(adapter, faults, error) -> None:
    provider, sim, ours, customer, read = adapter
    sim.set_faults(**faults)
    with pytest.raises(error):
        read(provider)
    with pytest.raises(error):
        provider.send(OutboundRequest(customer, ours, "x"))


def test_a_send_whose_answer_is_lost_is_outcome_unknown_and_the_providers_record_finds_it(adapter) -> None:
    provider, sim, ours, customer, _ = adapter
    sim.set_faults(reset_rate=1.0)
    with pytest.raises(OutcomeUnknown):
        provider.send(OutboundRequest(customer, ours, "did it go?"))
    sim.set_faults(reset_rate=0.0)
    found = provider.find_sent(customer, datetime.now(UTC) - timedelta(minutes=1))
    assert [m.body for m in found] == ["did it go?"], "reconciliation sees that it went"
