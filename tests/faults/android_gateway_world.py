"""An SMS Gateway for Android channel on the simulator's android-gateway dialect (the phone's
local server), for the engine's tests of that provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inbox.core.models import Channel
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer

from . import provider_world
from .provider_world import HELP_TEXT, inbound

__all__ = ["HELP_TEXT", "inbound"]

PASSWORD_ENV = "INBOX_FAULTS_PHONE_PASSWORD"
USER = "sms"  # the app's user, the channel's account id
PASSWORD = "Xk3pQ9aZ"
OURS = "+919000000001"
CUSTOMER = "+919876543210"


@contextmanager
def simulator() -> Iterator[tuple[SimulatorServer, SimulatorClient]]:
    with provider_world.simulator("android-gateway", USER, PASSWORD, (OURS,), seed=3) as world:
        yield world


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    return provider_world.add_channel(
        db,
        name="phone",
        provider="android-gateway",
        number=OURS,
        account_sid=USER,
        url=url,
        secret_env=PASSWORD_ENV,
        poll_interval=poll_interval,
    )


def queue(db, channel: Channel, body: str, to: str = CUSTOMER) -> int:  # type: ignore[no-untyped-def]
    return provider_world.queue(db, channel, body, to)
