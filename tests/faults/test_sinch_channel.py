"""A Sinch channel end to end in the engine, against the simulator's sinch dialect: texts in from
the re-readable inbounds list, replies out as batches, delivery states pulled without webhooks,
STOP answered by Inbox (Sinch's default here), a re-read list, and a kill -9 in the middle of a poll."""

from __future__ import annotations

import os
import time

from sqlalchemy import delete, func, select

from inbox.core.models import MessageStatus
from inbox.store import contacts, messages, optouts
from inbox.store.models import MessageRow, PollCursorRow

from .conftest import wait_until
from .provider_world import daemon, fixtures, kill_at
from .sinch_world import CUSTOMER, OURS, TOKEN, TOKEN_ENV, add_channel, inbound, queue, simulator

sinch, sc_channel = fixtures(simulator, add_channel, {TOKEN_ENV: TOKEN}, names=("sinch", "sc_channel"))


def test_a_text_in_becomes_a_conversation_and_the_reply_reaches_the_phone_delivered(db, sinch, sc_channel, runner):
    _, sim = sinch
    sim.text(CUSTOMER, OURS, "Hi, where is order 1042? 📦")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert [b for _, b in inbound(db)] == ["Hi, where is order 1042? 📦"]
    long_reply = "Ça part aujourd'hui — " + "détails " * 40  # UCS-2 and several parts: Sinch splits it
    reply = queue(db, sc_channel, long_reply)
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == [long_reply], 5)
    time.sleep(0.2)  # the delivery report falls due
    runner.outbox.refresh_statuses(sc_channel)
    with db.read() as s:
        (row,) = messages.get_many(s, [reply])
    assert row.status is MessageStatus.DELIVERED, "pulled from /batches/{id}/delivery_report"
    assert row.provider_message_id and len(row.provider_message_id) == 26, "the batch id is the message's id"


def test_stop_is_answered_by_inbox_and_nothing_more_is_sent_start_and_help_answered_too(db, sinch, sc_channel, runner):
    _, sim = sinch
    sim.text(CUSTOMER, OURS, "STOP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 1, 5), "Inbox confirmed the opt-out"
    with db.read() as s:
        assert optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, sc_channel.id)
    queue(db, sc_channel, "A promotion")
    runner.sync_once()
    time.sleep(0.2)
    assert len(sim.phone(CUSTOMER)) == 1, "nothing reached the opted-out phone"
    sim.text(CUSTOMER, OURS, "START")
    runner.sync_once()
    sim.text(CUSTOMER, OURS, "HELP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 3, 5)
    assert "STOP" in str(sim.phone(CUSTOMER)[-1]["body"]), "the channel's HELP text, sent by Inbox"
    with db.read() as s:
        assert not optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, sc_channel.id)


def test_a_re_read_list_adds_nothing(db, sinch, sc_channel, runner):
    _, sim = sinch
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hello {n}")
    runner.sync_once()
    before = inbound(db)
    assert len(before) == 3
    runner.sync_once()  # the overlap reads them again
    with db.write() as s:  # and a lost cursor reads Sinch's whole 14 days again
        s.execute(delete(PollCursorRow))
    runner.sync_once()
    assert inbound(db) == before
    assert sim.stats()["api_requests_by_kind"]["list"] >= 3


def test_a_kill_in_the_middle_of_a_poll_loses_and_duplicates_nothing(db, db_url, sinch, sc_channel, tmp_path):
    """A real daemon reads the first page of inbounds and is killed -9 asking for the second:
    nothing was committed; the next daemon reads the list again, and each text is stored once."""
    _, sim = sinch
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n}")
    env = {**os.environ, TOKEN_ENV: TOKEN}
    kill_at("crash_mid_sinch_poll.py", db_url, env, tmp_path / "crashing.log")
    assert inbound(db) == []
    with daemon(db_url, env):
        assert wait_until(lambda: len(inbound(db)) == 5, 20)
        time.sleep(0.6)  # a few more polls re-read the same list
    assert sorted(b for _, b in inbound(db)) == [f"text {n}" for n in range(5)]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.direction == "inbound")) == 5


def test_an_opted_out_recipient_is_reported_deleted_by_sinch(db, sinch, sc_channel, runner):
    """With Sinch's own opt-out list on (the simulator's --opt-out-handling on), a send to a number
    that opted out there is accepted, then reported Deleted: the message ends undelivered."""
    server, sim = sinch
    with server.carrier._lock:  # the customer opted out on Sinch's side
        server.carrier._opted_out.add((CUSTOMER, OURS))
    reply = queue(db, sc_channel, "Your refund is on its way")
    runner.outbox.send_due()
    runner.outbox.refresh_statuses(sc_channel)
    with db.read() as s:
        (row,) = messages.get_many(s, [reply])
    assert row.status is MessageStatus.UNDELIVERED
    assert "Deleted" in (row.error_message or "")
    assert sim.phone(CUSTOMER) == []
