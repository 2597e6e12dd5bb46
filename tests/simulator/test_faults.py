"""Injected faults hit the Twilio API paths only, each the way a real outage looks on the wire."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from inbox.simulator.client import SimulatorClient, SimulatorError
from inbox.simulator.config import Faults
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, CUSTOMER, MESSAGES, OURS, TOKEN, config

FORM = {"To": CUSTOMER, "From": OURS, "Body": "hi"}


def test_fail_rate_answers_500(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(fail_rate=1.0)
    response = api.post(MESSAGES, data=FORM)
    assert response.status_code == 500
    assert response.json()["code"] == 20500
    assert sim.messages() == []  # nothing done; the control API itself is never faulted
    assert sim.stats()["faults"] == {"failed": 1}


def test_faults_from_config() -> None:
    with SimulatorServer(config(faults=Faults(fail_rate=1.0))) as server:
        assert httpx.get(server.url + MESSAGES, auth=(ACCOUNT, TOKEN)).status_code == 500
        assert SimulatorClient(server.url).faults()["fail_rate"] == 1.0


def test_rate_limit_answers_429_with_retry_after(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(rate_limit_per_s=2)
    statuses = [api.get(MESSAGES) for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    assert 3 <= len(limited) <= 5
    assert limited[0].headers["Retry-After"] == "1"
    assert limited[0].json()["code"] == 20429
    time.sleep(0.6)
    assert api.get(MESSAGES).status_code == 200  # the bucket refills


def test_latency(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(latency_ms=250)
    started = time.perf_counter()
    assert api.get(MESSAGES).status_code == 200
    assert time.perf_counter() - started >= 0.25


def test_reset_drops_the_connection_after_acting(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(reset_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(MESSAGES, data=FORM)
    [created] = sim.messages()  # the send happened even though nobody heard about it
    assert created["to"] == CUSTOMER
    sim.set_faults(reset_rate=0.0)
    assert api.get(MESSAGES).status_code == 200  # the client recovers on a new connection


def test_garbage_answers_malformed_json(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(garbage_rate=1.0)
    response = api.get(MESSAGES)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    created = api.post(MESSAGES, data=FORM)
    assert created.status_code == 201
    assert len(sim.messages()) == 1


def test_fault_settings_are_validated_and_reset(sim: SimulatorClient) -> None:
    with pytest.raises(SimulatorError, match="unknown fault"):
        sim.set_faults(fail_rat=0.5)
    with pytest.raises(SimulatorError, match="between 0 and 1"):
        sim.set_faults(fail_rate=2)
    assert sim.set_faults(fail_rate=0.5, latency_ms=10)["fail_rate"] == 0.5
    sim.text(CUSTOMER, OURS, "hello")
    sim.reset()
    assert sim.faults() == Faults().as_dict()
    assert sim.messages() == []
    assert sim.stats()["api_requests"] == 0


def test_faults_are_deterministic_with_a_seed() -> None:
    def run() -> list[int]:
        with (
            SimulatorServer(config(seed=99, faults=Faults(fail_rate=0.5))) as server,
            httpx.Client(base_url=server.url, auth=(ACCOUNT, TOKEN)) as api,
        ):
            return [api.get(MESSAGES).status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert set(first) == {200, 500}


def test_stats_count_requests_by_kind(api: httpx.Client, sim: SimulatorClient) -> None:
    sid = api.post(MESSAGES, data=FORM).json()["sid"]
    api.get(MESSAGES)
    api.get(f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json")
    httpx.get(str(api.base_url) + MESSAGES)  # unauthenticated: still a request
    stats = sim.stats()
    assert stats["api_requests"] == 4
    assert stats["api_requests_by_kind"] == {"create": 1, "list": 2, "fetch": 1}
    assert stats["sends_accepted"] == 1


def test_unavailable_and_throttled_answer_with_retry_after(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(unavailable_rate=1.0)
    response = api.post(MESSAGES, data=FORM)
    assert (response.status_code, response.headers["Retry-After"], response.json()["code"]) == (503, "1", 20503)
    sim.set_faults(unavailable_rate=0.0, throttle_rate=1.0)
    response = api.post(MESSAGES, data=FORM)
    assert (response.status_code, response.headers["Retry-After"], response.json()["code"]) == (429, "1", 20429)
    assert sim.messages() == []  # neither did anything
    assert sim.stats()["faults"] == {"unavailable": 1, "throttled": 1}


def test_slow_answers_come_late_after_the_action(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(slow_rate=1.0, slow_ms=300)
    started = time.perf_counter()
    assert api.post(MESSAGES, data=FORM).status_code == 201
    assert time.perf_counter() - started >= 0.3
    assert len(sim.messages()) == 1
    with pytest.raises(SimulatorError):
        sim.set_faults(slow_rate=2.0)


def test_spared_kinds_are_never_reset_nor_garbled_but_may_still_fail(api: httpx.Client, sim: SimulatorClient) -> None:
    sim.set_faults(reset_rate=1.0, garbage_rate=1.0, spared_kinds=" list , ")
    assert sim.faults()["spared_kinds"] == "list"
    assert api.get(MESSAGES).json()["messages"] == []  # a listing: answered whole
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(MESSAGES, data=FORM)  # a send is still reset after acting
    sim.set_faults(reset_rate=0.0, garbage_rate=0.0, fail_rate=1.0)
    assert api.get(MESSAGES).status_code == 500, "a spared kind still fails before acting"
