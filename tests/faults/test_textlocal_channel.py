"""A Textlocal channel end to end in the engine, against the simulator's textlocal dialect: texts
in through get_messages, replies out (Unicode, the DLT header), receipts through status_message,
STOP/START/HELP answered by Inbox, a re-read inbox, and real daemons killed -9 mid-poll."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from inbox.core.models import MessageStatus
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import broadcasts, contacts, messages, optouts
from inbox.store.models import MessageRow, PollCursorRow

from .conftest import wait_until
from .infobip_world import queue
from .textlocal_world import CUSTOMER, HELP_TEXT, KEY, KEY_ENV, OURS, add_channel

HERE = Path(__file__).parent


@pytest.fixture
def textlocal():
    config = SimulatorConfig(
        account_sid="",
        auth_token=KEY,
        numbers=(OURS,),
        delivery_delay=0.05,
        seed=3,
        dialect="textlocal",
        opt_out_handling=False,
    )
    with SimulatorServer(config) as server:
        yield server, SimulatorClient(server.url)


@pytest.fixture
def tl_channel(db, textlocal, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return add_channel(db, textlocal[0].url)


def _inbound(db) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(MessageRow.provider_message_id, MessageRow.body)
            .where(MessageRow.direction == "inbound")
            .order_by(MessageRow.id)
        )
        return [(p, b) for p, b in rows]


def test_a_text_in_becomes_a_conversation_and_the_reply_reaches_the_phone_delivered(db, textlocal, tl_channel, runner):
    _, sim = textlocal
    sim.text(CUSTOMER, OURS, "Namaste, where is order 1042? 🙏")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert [b for _, b in _inbound(db)] == ["Namaste, where is order 1042? 🙏"]
    reply = queue(db, tl_channel, "It ships today — आज")
    with db.read() as s:
        convs = set(s.scalars(select(MessageRow.conversation_id)))
    assert len(convs) == 1 and None not in convs, "the text opened the conversation the reply went into"
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == ["It ships today — आज"], 5), (
        "sent with unicode=true: the phone shows the Devanagari, not '?'"
    )
    time.sleep(0.2)  # the receipt falls due
    runner.outbox.refresh_statuses(tl_channel)
    with db.read() as s:
        (row,) = messages.get_many(s, [reply])
    assert row.status is MessageStatus.DELIVERED


def test_stop_start_and_help_are_answered_by_inbox(db, textlocal, tl_channel, runner):
    _, sim = textlocal
    sim.text(CUSTOMER, OURS, "STOP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 1, 5), "Inbox confirmed the opt-out (Textlocal does not)"
    with db.read() as s:
        assert optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, tl_channel.id)
    queue(db, tl_channel, "A promotion")
    runner.sync_once()
    time.sleep(0.2)
    assert len(sim.phone(CUSTOMER)) == 1, "nothing reached the opted-out phone"
    sim.text(CUSTOMER, OURS, "START")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 2, 5), "Inbox confirmed the re-subscription"
    with db.read() as s:
        assert not optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, tl_channel.id)
    sim.text(CUSTOMER, OURS, "HELP")
    runner.sync_once()
    assert wait_until(lambda: sim.phone(CUSTOMER)[-1]["body"] == HELP_TEXT, 5)


def test_a_re_read_inbox_adds_nothing(db, textlocal, tl_channel, runner):
    _, sim = textlocal
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hello {n}")
    runner.sync_once()
    before = _inbound(db)
    assert len(before) == 3
    runner.sync_once()  # the overlap reads them again
    with db.write() as s:  # and a lost cursor reads the whole week again
        s.execute(delete(PollCursorRow))
    runner.sync_once()
    assert _inbound(db) == before


def test_dlt_templates_are_left_to_textlocal_and_the_header_is_the_sender(db, textlocal, tl_channel, runner):
    """The decision for Textlocal: it matches DLT templates itself, so Inbox does not refuse a text
    that matches none of the templates registered in Inbox; it sends it from the DLT header."""
    _, sim = textlocal
    with db.write() as s:
        broadcasts.configure_sending(s, tl_channel.id, dlt_entity_id="1101000000000001", dlt_sender_id="ACMEIN")
        broadcasts.add_dlt_template(s, tl_channel.id, "1107000000000002", "Your order {#var#} ships today", "service")
    free = queue(db, tl_channel, "Free text: Textlocal decides")
    matching = queue(db, tl_channel, "Your order 1042 ships today")
    runner.sync_once()
    with db.read() as s:
        rows = messages.get_many(s, [free, matching])
    assert all(r.status is not MessageStatus.FAILED for r in rows), [r.error_message for r in rows]
    sent = [m for m in sim.messages() if m["direction"] == "outbound-api"]
    assert sorted(m["body"] for m in sent) == ["Free text: Textlocal decides", "Your order 1042 ships today"]
    assert {m["extra"]["sender"] for m in sent if m["body"].startswith("Your order")} == {"ACMEIN"}


@pytest.mark.parametrize("crash_at", ["second_page", "after_commit"])
def test_a_kill_mid_poll_loses_and_duplicates_nothing(db, db_url, textlocal, tl_channel, tmp_path, crash_at):
    """A real daemon reading pages of 2 is killed -9 while it asks for the second page (nothing
    committed), or right after it committed the first chunk; the next daemon reads the list again
    from the cursor, and each text is stored once."""
    _, sim = textlocal
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n}")
    env = {**os.environ, KEY_ENV: KEY, "INBOX_CRASH_AT": crash_at}
    args = ["daemon", "--db", db_url, "--poll-interval", "0.2", "--lease-seconds", "2"]
    log = open(tmp_path / "crashing.log", "wb")
    crashing = subprocess.Popen(
        [sys.executable, str(HERE / "crash_mid_poll.py"), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    assert crashing.wait(30) == -signal.SIGKILL, (tmp_path / "crashing.log").read_text()
    stored = len(_inbound(db))
    assert stored == (0 if crash_at == "second_page" else 2)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "inbox", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_until(lambda: len(_inbound(db)) == 5, 20)
        time.sleep(0.6)  # a few more polls re-read the overlap
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(15)
    assert sorted(b for _, b in _inbound(db)) == [f"text {n}" for n in range(5)]


def test_a_kill_right_after_textlocal_accepted_a_send_sends_it_once(db, db_url, textlocal, tl_channel, tmp_path):
    """The daemon dies between Textlocal's answer and the outbox's commit: the next daemon finds
    the send in Textlocal's history and links it; the phone gets the reply once."""
    _, sim = textlocal
    reply = queue(db, tl_channel, "Your refund is on its way")
    env = {**os.environ, KEY_ENV: KEY, "INBOX_CRASH_AT": "after_send"}
    args = ["daemon", "--db", db_url, "--poll-interval", "0.2", "--lease-seconds", "2"]
    crashing = subprocess.Popen(
        [sys.executable, str(HERE / "crash_mid_poll.py"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    assert crashing.wait(30) == -signal.SIGKILL
    with db.write() as s:  # as if the 20 s after which a dead sender's row is taken had passed
        s.execute(
            update(MessageRow).where(MessageRow.id == reply).values(updated_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "inbox", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def settled() -> bool:
        with db.read() as s:
            (row,) = messages.get_many(s, [reply])
        return row.provider_message_id is not None and row.status not in (MessageStatus.UNKNOWN,)

    try:
        assert wait_until(settled, 30)
        time.sleep(0.5)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(15)
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Your refund is on its way"]
