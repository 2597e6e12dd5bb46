"""The provider's own STOP/START/HELP handling, per (phone, our number)."""

from __future__ import annotations

import httpx
import pytest

from inbox.simulator.carrier import HELP_REPLY, START_REPLY, STOP_REPLY
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, CUSTOMER, MESSAGES, OURS, OURS_2, TOKEN, config, wait_for


def bodies(sim: SimulatorClient, phone: str = CUSTOMER) -> list[str]:
    return [m["body"] for m in sim.phone(phone)]


def test_stop_confirms_and_refuses_later_sends(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.text(CUSTOMER, OURS, "STOP")
    assert wait_for(lambda: bodies(sim) == [STOP_REPLY])
    [reply] = sim.phone(CUSTOMER)
    assert reply["from"] == OURS
    assert sim.phone_state(CUSTOMER)["opted_out_from"] == [OURS]

    refused = api.post(MESSAGES, data={"To": CUSTOMER, "From": OURS, "Body": "promo"})
    assert refused.status_code == 400
    assert refused.json()["code"] == 21610
    assert refused.json()["message"] == "Attempt to send to unsubscribed recipient"
    # Opt-out is per pair: our other number may still text this phone.
    assert api.post(MESSAGES, data={"To": CUSTOMER, "From": OURS_2, "Body": "hi"}).status_code == 201
    stats = sim.stats()
    assert stats["sends_refused_opt_out"] == 1 and stats["sends_accepted"] == 1


def test_start_resubscribes(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.text(CUSTOMER, OURS, "stop")
    sim.text(CUSTOMER, OURS, "START")
    assert wait_for(lambda: bodies(sim) == [STOP_REPLY, START_REPLY])
    assert sim.phone_state(CUSTOMER)["opted_out_from"] == []
    assert api.post(MESSAGES, data={"To": CUSTOMER, "From": OURS, "Body": "welcome back"}).status_code == 201


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_reply(sim: SimulatorClient, word: str) -> None:
    sim.text(CUSTOMER, OURS, word)
    assert wait_for(lambda: bodies(sim) == [HELP_REPLY])
    assert sim.phone_state(CUSTOMER)["opted_out_from"] == []


@pytest.mark.parametrize("body", ["stop", "  Stop  ", "\tQUIT\n", "optout", "Unsubscribe", "end", "REVOKE"])
def test_variants_twilio_recognises(sim: SimulatorClient, body: str) -> None:
    sim.text(CUSTOMER, OURS, body)
    assert sim.phone_state(CUSTOMER)["opted_out_from"] == [OURS]


@pytest.mark.parametrize("body", ["Stop.", "ＳＴＯＰ", "stop please", "STOP!", "🛑"])
def test_variants_twilio_ignores(sim: SimulatorClient, body: str) -> None:
    sim.text(CUSTOMER, OURS, body)
    sim.text(CUSTOMER, OURS, "ok")  # anything after: gives a would-be reply time to be due
    assert sim.phone_state(CUSTOMER)["opted_out_from"] == []
    assert not [m for m in sim.messages() if m["direction"] == "outbound-reply"]


def test_opt_out_handling_off() -> None:
    with SimulatorServer(config(opt_out_handling=False)) as server:
        sim = SimulatorClient(server.url)
        sim.text(CUSTOMER, OURS, "STOP")
        with httpx.Client(base_url=server.url, auth=(ACCOUNT, TOKEN)) as api:
            assert api.post(MESSAGES, data={"To": CUSTOMER, "From": OURS, "Body": "hi"}).status_code == 201
        assert sim.phone_state(CUSTOMER)["opted_out_from"] == []
        assert len(sim.messages()) == 2  # the STOP and our send; no confirmation
