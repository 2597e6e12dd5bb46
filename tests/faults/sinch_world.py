"""A Sinch channel on the simulator's sinch dialect, for the engine's tests of that provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inbox.core.models import Channel
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer

from . import provider_world
from .provider_world import HELP_TEXT, inbound

__all__ = ["HELP_TEXT", "inbound"]

TOKEN_ENV = "INBOX_FAULTS_SINCH_TOKEN"
PLAN = "f3a1c2d4e5b60718293a4b5c6d7e8f90"
TOKEN = "sinch-api-token-for-tests"
OURS = "+15550001111"
CUSTOMER = "+15557654321"


@contextmanager
def simulator() -> Iterator[tuple[SimulatorServer, SimulatorClient]]:
    with provider_world.simulator("sinch", PLAN, TOKEN, (OURS,), seed=4) as world:
        yield world


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    return provider_world.add_channel(
        db,
        name="sinch",
        provider="sinch",
        number=OURS,
        account_sid=PLAN,
        url=url,
        secret_env=TOKEN_ENV,
        poll_interval=poll_interval,
    )


def queue(db, channel: Channel, body: str, to: str = CUSTOMER) -> int:  # type: ignore[no-untyped-def]
    return provider_world.queue(db, channel, body, to)
