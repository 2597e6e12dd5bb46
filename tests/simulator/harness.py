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
