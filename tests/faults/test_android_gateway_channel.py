"""An SMS Gateway for Android channel end to end in the engine, against the simulator's
android-gateway dialect: texts in through GET /inbox, replies out through POST /messages, states
through GET /messages/{id}, STOP/START/HELP answered by Inbox, a re-read inbox, and real daemons
killed -9 mid-poll."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from inbox.core.models import MessageStatus
from inbox.store import contacts, messages, optouts
from inbox.store.models import MessageRow, PollCursorRow

from .android_gateway_world import (
    CUSTOMER,
    HELP_TEXT,
    OURS,
    PASSWORD,
    PASSWORD_ENV,
    add_channel,
    inbound,
    queue,
    simulator,
)
from .conftest import wait_until
from .provider_world import daemon, fixtures, kill_at, status_after_receipt

phone, ag_channel = fixtures(simulator, add_channel, {PASSWORD_ENV: PASSWORD}, names=("phone", "ag_channel"))


def test_a_text_in_becomes_a_conversation_and_the_reply_reaches_the_phone_delivered(db, phone, ag_channel, runner):
    _, sim = phone
    sim.text(CUSTOMER, OURS, "Is the shop open today?")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert [b for _, b in inbound(db)] == ["Is the shop open today?"]
    reply = queue(db, ag_channel, "Yes, until 8 pm — आज")
    with db.read() as s:
        convs = set(s.scalars(select(MessageRow.conversation_id)))
    assert len(convs) == 1 and None not in convs, "the text opened the conversation the reply went into"
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == ["Yes, until 8 pm — आज"], 5)
    assert status_after_receipt(db, runner, ag_channel, reply) is MessageStatus.DELIVERED


def test_stop_start_and_help_are_answered_by_inbox(db, phone, ag_channel, runner):
    _, sim = phone
    sim.text(CUSTOMER, OURS, "STOP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 1, 5), "Inbox confirmed the opt-out (the SIM does not)"
    with db.read() as s:
        assert optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, ag_channel.id)
    queue(db, ag_channel, "A promotion")
    runner.sync_once()
    time.sleep(0.2)
    assert len(sim.phone(CUSTOMER)) == 1, "nothing reached the opted-out phone"
    sim.text(CUSTOMER, OURS, "START")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 2, 5)
    sim.text(CUSTOMER, OURS, "HELP")
    runner.sync_once()
    assert wait_until(lambda: sim.phone(CUSTOMER)[-1]["body"] == HELP_TEXT, 5)


def test_a_re_read_inbox_adds_nothing(db, phone, ag_channel, runner):
    _, sim = phone
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hello {n}")
    runner.sync_once()
    before = inbound(db)
    assert len(before) == 3
    runner.sync_once()
    with db.write() as s:
        s.execute(delete(PollCursorRow))
    runner.sync_once()
    assert inbound(db) == before


@pytest.mark.parametrize("crash_at", ["second_page", "after_commit"])
def test_a_kill_mid_poll_loses_and_duplicates_nothing(db, db_url, phone, ag_channel, tmp_path, crash_at):
    _, sim = phone
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n}")
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "INBOX_CRASH_AT": crash_at}
    kill_at("crash_mid_poll.py", db_url, env, tmp_path / "crashing.log")
    assert len(inbound(db)) == (0 if crash_at == "second_page" else 2)
    with daemon(db_url, env):
        assert wait_until(lambda: len(inbound(db)) == 5, 20)
        time.sleep(0.6)
    assert sorted(b for _, b in inbound(db)) == [f"text {n}" for n in range(5)]


def test_a_kill_right_after_the_phone_accepted_a_send_sends_it_once(db, db_url, phone, ag_channel, tmp_path):
    """The daemon dies between the phone's 202 and the outbox's commit: the next daemon finds the
    send among the phone's messages and links it; the customer gets the reply once."""
    _, sim = phone
    reply = queue(db, ag_channel, "Your refund is on its way")
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "INBOX_CRASH_AT": "after_send"}
    kill_at("crash_mid_poll.py", db_url, env)
    with db.write() as s:  # as if the 20 s after which a dead sender's row is taken had passed
        s.execute(
            update(MessageRow).where(MessageRow.id == reply).values(updated_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    def settled() -> bool:
        with db.read() as s:
            (row,) = messages.get_many(s, [reply])
        return row.provider_message_id is not None and row.status is not MessageStatus.UNKNOWN

    with daemon(db_url, env):
        assert wait_until(settled, 30)
        time.sleep(0.5)
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Your refund is on its way"]
