"""A Textlocal channel on the simulator's textlocal dialect, for the engine's tests of that provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inbox.core.models import Channel
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer

from . import provider_world
from .provider_world import HELP_TEXT, inbound

__all__ = ["HELP_TEXT", "inbound"]

KEY_ENV = "INBOX_FAULTS_TEXTLOCAL_KEY"
KEY = "textlocal-api-key-for-tests"
OURS = "+919000000001"
INBOX = "100001"  # the simulator's inbox of its first number; a Textlocal channel's account id
CUSTOMER = "+919876543210"


@contextmanager
def simulator() -> Iterator[tuple[SimulatorServer, SimulatorClient]]:
    with provider_world.simulator("textlocal", "", KEY, (OURS,), seed=3) as world:
        yield world


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    return provider_world.add_channel(
        db,
        name="textlocal",
        provider="textlocal",
        number=OURS,
        account_sid=INBOX,
        url=url,
        secret_env=KEY_ENV,
        poll_interval=poll_interval,
    )


def queue(db, channel: Channel, body: str, to: str = CUSTOMER) -> int:  # type: ignore[no-untyped-def]
    return provider_world.queue(db, channel, body, to)
