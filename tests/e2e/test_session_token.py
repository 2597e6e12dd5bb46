"""A token kept "for this session only" is asked for again after a restart, and works at once."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from inbox.core.events import EventBus
from inbox.engine import credentials, setup
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
    credentials.forget_in_process(var)  # kept by the code under test


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
        assert session_channel.auth_token_ref[len("env:") :] not in os.environ  # children never inherit it
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


def test_a_reply_held_for_want_of_a_token_leaves_at_once_and_sibling_numbers_retry(
    db, sim, sim_config, session_channel
):
    from datetime import UTC, datetime

    from inbox.core.models import AuthorKind
    from inbox.store import contacts, conversations, messages

    now = datetime.now(UTC)
    with db.write() as s:
        # A second number of the same account: the same token serves it.
        sibling = add_channel(
            s,
            name="sibling",
            number="+15550009999",
            account_sid=sim_config.account_sid,
            base_url=session_channel.base_url,
            auth_token_ref=session_channel.auth_token_ref,
        )
        conv = conversations.get_or_create(s, contacts.get_or_create(s, CUSTOMER), session_channel.id, now)
        reply = messages.queue_outbound(
            s,
            channel_id=session_channel.id,
            conversation_id=conv,
            from_number=OUR_NUMBER,
            to_number=CUSTOMER,
            body="Sorry for the wait!",
            author_kind=AuthorKind.AGENT,
            author="Dana",
            at=now,
        )
    events = EventBus()
    runner = Runner(db, events=events, poll_interval=0.3, send_interval=0.3, refresh_interval=60)
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (
            {session_channel.id, sibling.id} <= set(runner._not_before) and "no auth token" in _error_of(db, reply)
        ):
            time.sleep(0.05)
        assert "no auth token" in _error_of(db, reply), "held back, not failed"
        assert {session_channel.id, sibling.id} <= set(runner._not_before)
        setup.supply_session_token(session_channel, sim_config.auth_token, events)
        assert sibling.id not in runner._not_before, "the sibling number's backoff ended too"
        deadline = time.monotonic() + 5  # the hold was 60 s
        while time.monotonic() < deadline and not any(m["body"] == "Sorry for the wait!" for m in sim.phone(CUSTOMER)):
            time.sleep(0.05)
        assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Sorry for the wait!"]
    finally:
        runner.shutdown()


def _error_of(db, message_id: int) -> str:
    from inbox.store import messages

    with db.read() as s:
        row = messages.outbound(s, message_id)
        return (row.error_message or "") if row is not None else ""
