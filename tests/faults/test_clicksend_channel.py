"""A ClickSend channel end to end in the engine, against the simulator's clicksend dialect: texts in
from the unread list, marked read only once committed; replies out; receipts pulled; STOP answered
by Inbox (ClickSend's SMS API does not); a re-read list; and a kill -9 between the commit and the
mark-read, after which the re-read adds nothing."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from inbox.core.models import Channel, MessageStatus
from inbox.simulator.dialects.clicksend import envelope
from inbox.simulator.server import SimulatorServer
from inbox.store import contacts, optouts
from inbox.store.models import MessageRow

from .conftest import wait_until
from .provider_world import add_channel, daemon, kill_at, queue, simulator, status_after_receipt

KEY_ENV = "INBOX_FAULTS_CLICKSEND_KEY"
USERNAME = "acme-support"
KEY = "clicksend-api-key-for-tests"
OURS = "+61411111111"
OTHER = "+61411112222"
CUSTOMER = "+61422222222"


@pytest.fixture
def clicksend():
    with simulator("clicksend", USERNAME, KEY, (OURS, OTHER), seed=6) as world:
        yield world


@pytest.fixture
def cs_channel(db, clicksend, monkeypatch) -> Channel:
    monkeypatch.setenv(KEY_ENV, KEY)
    return add_channel(
        db,
        name="clicksend",
        provider="clicksend",
        number=OURS,
        account_sid=USERNAME,
        url=clicksend[0].url,
        secret_env=KEY_ENV,
    )


def _inbound(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(MessageRow.body).where(MessageRow.direction == "inbound").order_by(MessageRow.id)))


def _unread(server: SimulatorServer) -> int:
    return len([m for m in server.carrier.received(frozenset({OURS}), None, None) if m.sid not in server.dialect._read])


def test_a_text_in_becomes_a_conversation_is_marked_read_and_the_reply_is_delivered(db, clicksend, cs_channel, runner):
    server, sim = clicksend
    sim.text(CUSTOMER, OURS, "G'day, where is order 1042? 🦘")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert _inbound(db) == ["G'day, where is order 1042? 🦘"]
    assert _unread(server) == 0, "marked read once committed"
    reply = queue(db, cs_channel, "It ships today — dès aujourd'hui", to=CUSTOMER)
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == ["It ships today — dès aujourd'hui"], 5)
    assert status_after_receipt(db, runner, cs_channel, reply) is MessageStatus.DELIVERED, (
        "read from /v3/sms/receipts/{id}"
    )


def test_a_text_to_another_number_of_the_account_is_left_unread_for_its_channel(db, clicksend, cs_channel, runner):
    server, sim = clicksend
    sim.text(CUSTOMER, OTHER, "for the other number")
    runner.sync_once()
    assert _inbound(db) == []
    assert [m.body for m in server.carrier.received(None, None, None) if m.sid not in server.dialect._read] == [
        "for the other number"
    ]


def test_stop_is_answered_by_inbox_and_nothing_more_is_sent_start_and_help_too(db, clicksend, cs_channel, runner):
    _, sim = clicksend
    sim.text(CUSTOMER, OURS, "STOP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 1, 5), "Inbox confirmed the opt-out"
    with db.read() as s:
        assert optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, cs_channel.id)
    queue(db, cs_channel, "A promotion", to=CUSTOMER)
    runner.sync_once()
    time.sleep(0.2)
    assert len(sim.phone(CUSTOMER)) == 1, "nothing reached the opted-out phone"
    sim.text(CUSTOMER, OURS, "START")
    runner.sync_once()
    sim.text(CUSTOMER, OURS, "HELP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 3, 5)
    assert "STOP" in str(sim.phone(CUSTOMER)[-1]["body"])


def test_a_mark_read_that_fails_costs_a_re_read_that_adds_nothing(db, clicksend, cs_channel, runner):
    server, sim = clicksend
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hello {n}")
    original = server.dialect._mark_inbound
    server.dialect._mark_inbound = lambda message_id: envelope(500, "Internal server error.")  # type: ignore[method-assign]
    runner.sync_once()
    assert _inbound(db) == [f"hello {n}" for n in range(3)] and _unread(server) == 3
    server.dialect._mark_inbound = original  # type: ignore[method-assign]
    runner.sync_once()
    assert _inbound(db) == [f"hello {n}" for n in range(3)], "read again, deduped by message_id"
    assert _unread(server) == 0


def test_a_kill_between_the_commit_and_the_mark_read_loses_and_duplicates_nothing(
    db, db_url, clicksend, cs_channel, tmp_path
):
    """A real daemon commits the texts and is killed -9 before it marks them read; ClickSend lists
    them again; the next daemon stores nothing twice and marks them read."""
    server, sim = clicksend
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n}")
    env = {**os.environ, KEY_ENV: KEY}
    kill_at("crash_before_ack.py", db_url, env, tmp_path / "crashing.log")
    assert _inbound(db) == [f"text {n}" for n in range(5)], "committed before the kill"
    assert _unread(server) == 5, "and still unread at ClickSend"
    with daemon(db_url, env):
        assert wait_until(lambda: _unread(server) == 0, 20)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.direction == "inbound")) == 5
