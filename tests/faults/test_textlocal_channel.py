"""A Textlocal channel end to end in the engine, against the simulator's textlocal dialect: texts
in through get_messages, replies out (Unicode, the DLT header), receipts through status_message,
STOP/START/HELP answered by Inbox, a re-read inbox, and real daemons killed -9 mid-poll."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from inbox.core.models import MessageStatus
from inbox.store import broadcasts, contacts, messages, optouts
from inbox.store.models import MessageRow, PollCursorRow

from .conftest import wait_until
from .provider_world import daemon, fixtures, kill_at, status_after_receipt
from .textlocal_world import CUSTOMER, HELP_TEXT, KEY, KEY_ENV, OURS, add_channel, inbound, queue, simulator

textlocal, tl_channel = fixtures(simulator, add_channel, {KEY_ENV: KEY}, names=("textlocal", "tl_channel"))


def test_a_text_in_becomes_a_conversation_and_the_reply_reaches_the_phone_delivered(db, textlocal, tl_channel, runner):
    _, sim = textlocal
    sim.text(CUSTOMER, OURS, "Namaste, where is order 1042? 🙏")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert [b for _, b in inbound(db)] == ["Namaste, where is order 1042? 🙏"]
    reply = queue(db, tl_channel, "It ships today — आज")
    with db.read() as s:
        convs = set(s.scalars(select(MessageRow.conversation_id)))
    assert len(convs) == 1 and None not in convs, "the text opened the conversation the reply went into"
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == ["It ships today — आज"], 5), (
        "sent with unicode=true: the phone shows the Devanagari, not '?'"
    )
    assert status_after_receipt(db, runner, tl_channel, reply) is MessageStatus.DELIVERED


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
    before = inbound(db)
    assert len(before) == 3
    runner.sync_once()  # the overlap reads them again
    with db.write() as s:  # and a lost cursor reads the whole week again
        s.execute(delete(PollCursorRow))
    runner.sync_once()
    assert inbound(db) == before


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
    kill_at("crash_mid_poll.py", db_url, env, tmp_path / "crashing.log")
    stored = len(inbound(db))
    assert stored == (0 if crash_at == "second_page" else 2)
    with daemon(db_url, env):
        assert wait_until(lambda: len(inbound(db)) == 5, 20)
        time.sleep(0.6)  # a few more polls re-read the overlap
    assert sorted(b for _, b in inbound(db)) == [f"text {n}" for n in range(5)]


def test_a_kill_right_after_textlocal_accepted_a_send_sends_it_once(db, db_url, textlocal, tl_channel, tmp_path):
    """The daemon dies between Textlocal's answer and the outbox's commit: the next daemon finds
    the send in Textlocal's history and links it; the phone gets the reply once."""
    _, sim = textlocal
    reply = queue(db, tl_channel, "Your refund is on its way")
    env = {**os.environ, KEY_ENV: KEY, "INBOX_CRASH_AT": "after_send"}
    kill_at("crash_mid_poll.py", db_url, env)
    with db.write() as s:  # as if the 20 s after which a dead sender's row is taken had passed
        s.execute(
            update(MessageRow).where(MessageRow.id == reply).values(updated_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    def settled() -> bool:
        with db.read() as s:
            (row,) = messages.get_many(s, [reply])
        return row.provider_message_id is not None and row.status not in (MessageStatus.UNKNOWN,)

    with daemon(db_url, env):
        assert wait_until(settled, 30)
        time.sleep(0.5)
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["Your refund is on its way"]
