"""A real simulator on loopback and a channel pointed at it."""

from __future__ import annotations

import os

import pytest

from inbox.simulator.server import SimulatorConfig, SimulatorServer
from tests.conftest import add_channel

TOKEN_ENV = "INBOX_TEST_TWILIO_TOKEN"


@pytest.fixture
def channel_factory(db, simulator: SimulatorServer, sim_config: SimulatorConfig, monkeypatch):
    """Adds a channel for the simulator's number; the token comes from an env var, as in production."""
    monkeypatch.setenv(TOKEN_ENV, sim_config.auth_token)

    def make(
        *,
        provider_handles_opt_out: bool = True,
        name: str = "main",
        help_text: str = "Acme support. Reply STOP to opt out.",
    ):
        with db.write() as s:
            return add_channel(
                s,
                name=name,
                account_sid=sim_config.account_sid,
                base_url=simulator.url,
                auth_token_ref=f"env:{TOKEN_ENV}",
                provider_handles_opt_out=provider_handles_opt_out,
                help_text=help_text,
                poll_interval_seconds=1.0,
            )

    return make


@pytest.fixture
def runner(db):
    from inbox.core.events import EventBus
    from inbox.engine.runner import Runner

    r = Runner(db, events=EventBus())
    yield r
    r.shutdown()


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
