"""Shared pieces for tests that run against a real simulator on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx
import pytest

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token"
OURS = "+15550001111"
OURS_2 = "+15550002222"
CUSTOMER = "+15557654321"
CUSTOMER_2 = "+15557654322"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"

T = TypeVar("T")


def config(**overrides: object) -> SimulatorConfig:
    values: dict[str, object] = {
        "account_sid": ACCOUNT,
        "auth_token": TOKEN,
        "numbers": (OURS, OURS_2),
        "delivery_delay": 0.1,
        "seed": 1234,
    }
    values.update(overrides)
    return SimulatorConfig(**values)  # type: ignore[arg-type]


def wait_for(check: Callable[[], T], timeout: float = 3.0) -> T:
    """Poll `check` until it returns something truthy (the simulator progresses in real time)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def dialect_simulator(dialect: str, **overrides: object) -> tuple[object, object]:
    """The `server` and `sim` fixtures of a module testing one dialect's adapter: receipts due
    after 50 ms, a fixed seed; `overrides` are the dialect's credentials and numbers.
    Use as `server, sim = dialect_simulator("sinch", account_sid=..., ...)`."""

    @pytest.fixture
    def server() -> Iterator[SimulatorServer]:
        values: dict[str, object] = {"delivery_delay": 0.05, "seed": 5, "dialect": dialect, **overrides}
        with SimulatorServer(config(**values)) as running:
            yield running

    @pytest.fixture
    def sim(server: SimulatorServer) -> SimulatorClient:
        return SimulatorClient(server.url)

    return server, sim


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(config()) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


@pytest.fixture
def api(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.url, auth=(ACCOUNT, TOKEN), timeout=5) as client:
        yield client
