"""A token kept "for this session only" is asked for again after a restart, and works at once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from inbox.core.events import EventBus
from inbox.engine import setup
from inbox.engine.runner import Runner
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER, add_channel

CUSTOMER = "+15553007777"


@pytest.fixture
def session_channel(db, simulator, sim_config, monkeypatch):
    """A channel saved by the wizard with "this session only", seen by a later process."""
    var = setup.SESSION_VAR_PREFIX + sim_config.account_sid[-8:].upper()
    monkeypatch.delenv(var, raising=False)
    with db.write() as s:
        channel = add_channel(
            s,
            account_sid=sim_config.account_sid,
            base_url=simulator.url,
            auth_token_ref=f"env:{var}",
            poll_interval_seconds=0.3,
        )
    yield channel
    monkeypatch.delenv(var, raising=False)  # os.environ was written by the code under test


def _inbound(db) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count(MessageRow.id)).where(MessageRow.direction == "inbound")) or 0)


def test_a_wrong_token_keeps_nothing_and_the_right_one_polls_at_once(db, sim, sim_config, session_channel):
    assert setup.needs_session_token(session_channel)
    events = EventBus()
    runner = Runner(db, events=events, poll_interval=0.3, send_interval=0.3, refresh_interval=60)
    sim.text(CUSTOMER, OUR_NUMBER, "is anyone there?")
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while session_channel.id not in runner._not_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_channel.id in runner._not_before, "the poll failed for want of a token"
        assert _inbound(db) == 0

        with pytest.raises(setup.ConnectionFailed, match="credentials"):
            setup.supply_session_token(session_channel, "not-the-token", events)
        assert setup.needs_session_token(session_channel), "a refused token is not kept"

        # As if the channel had failed for a long while: backoff would wait an hour.
        runner._not_before[session_channel.id] = runner._not_before[session_channel.id].replace(year=2100)
        sentence = setup.supply_session_token(session_channel, f"  {sim_config.auth_token}\n", events)
        assert "Connected" in sentence and not setup.needs_session_token(session_channel)
        deadline = time.monotonic() + 5
        while _inbound(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _inbound(db) == 1, "the waiting message arrived without waiting out the backoff"
    finally:
        runner.shutdown()


def test_tokens_kept_elsewhere_are_never_asked_for(db, session_channel, monkeypatch) -> None:
    from dataclasses import replace

    keyring_channel = replace(session_channel, auth_token_ref="keyring")
    env_channel = replace(session_channel, auth_token_ref="env:SOME_UNSET_VARIABLE")
    monkeypatch.delenv("SOME_UNSET_VARIABLE", raising=False)
    assert not setup.needs_session_token(keyring_channel)
    assert not setup.needs_session_token(env_channel)  # the admin's own variable: a fix for them, not a prompt
    with pytest.raises(setup.SetupRefused):
        setup.supply_session_token(env_channel, "x")
