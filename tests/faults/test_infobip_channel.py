"""An Infobip channel end to end in the engine, against the simulator's infobip dialect: texts in
through the journal, replies out with India DLT, delivery reports, STOP answered by Inbox, a
replayed page, and a kill -9 between the journal's commit and the ingest."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from inbox.core.models import MessageStatus
from inbox.store import broadcasts, contacts, messages, optouts
from inbox.store.journal_tables import ProviderJournalRow
from inbox.store.models import MessageRow

from .conftest import wait_until
from .infobip_world import CUSTOMER, KEY, KEY_ENV, OURS, add_channel, inbound, queue, simulator
from .provider_world import daemon, fixtures, kill_at, status_after_receipt

infobip, ib_channel = fixtures(simulator, add_channel, {KEY_ENV: KEY}, names=("infobip", "ib_channel"))


def _journal(db) -> list[tuple[str, bool]]:
    with db.read() as s:
        return [
            (r.kind, r.done_at is not None)
            for r in s.scalars(select(ProviderJournalRow).order_by(ProviderJournalRow.id))
        ]


def test_a_text_in_becomes_a_conversation_and_the_reply_reaches_the_phone_delivered(db, infobip, ib_channel, runner):
    _, sim = infobip
    sim.text(CUSTOMER, OURS, "Namaste, where is order 1042? 🙏")
    report = runner.sync_once()
    assert report.ok, report.errors
    assert [b for _, b in inbound(db)] == ["Namaste, where is order 1042? 🙏"]
    assert _journal(db) == [("inbound", True)], "the page was journaled, then ingested and marked done"
    reply = queue(db, ib_channel, "It ships today — आज")
    runner.sync_once()
    assert wait_until(lambda: [m["body"] for m in sim.phone(CUSTOMER)] == ["It ships today — आज"], 5)
    assert status_after_receipt(db, runner, ib_channel, reply) is MessageStatus.DELIVERED
    assert ("reports", True) in _journal(db), "the delivery reports were journaled before they were applied"


def test_stop_is_answered_by_inbox_and_nothing_more_is_sent(db, infobip, ib_channel, runner):
    _, sim = infobip
    sim.text(CUSTOMER, OURS, "STOP")
    runner.sync_once()
    assert wait_until(lambda: len(sim.phone(CUSTOMER)) == 1, 5), "Inbox confirmed the opt-out (Infobip does not)"
    with db.read() as s:
        assert optouts.is_opted_out(s, contacts.by_phone(s, CUSTOMER).id, ib_channel.id)
    queue(db, ib_channel, "A promotion")
    runner.sync_once()
    time.sleep(0.2)
    assert len(sim.phone(CUSTOMER)) == 1, "nothing reached the opted-out phone"


def test_a_replayed_journal_page_adds_nothing(db, infobip, ib_channel, runner):
    _, sim = infobip
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hello {n}")
    runner.sync_once()
    before = inbound(db)
    assert len(before) == 3
    with db.write() as s:  # as if the process died after the ingest, before marking the row done
        s.execute(update(ProviderJournalRow).values(done_at=None))
    runner.sync_once()
    assert inbound(db) == before
    assert all(done for _, done in _journal(db))


def test_a_text_not_matching_its_dlt_template_is_refused_before_any_request(db, infobip, ib_channel, runner):
    _, sim = infobip
    with db.write() as s:
        broadcasts.configure_sending(
            s,
            ib_channel.id,
            dlt_entity_id="1101000000000001",
            dlt_sender_id="ACMEIN",
            dlt_telemarketer_id="1702000000000003",
        )
        broadcasts.add_dlt_template(s, ib_channel.id, "1107000000000002", "Your order {#var#} ships today", "service")
    refused = queue(db, ib_channel, "Free text the operator would drop")
    sent = queue(db, ib_channel, "Your order 1042 ships today")
    creates = lambda: sim.stats()["api_requests_by_kind"].get("create", 0)  # noqa: E731
    runner.sync_once()
    with db.read() as s:
        no, yes = messages.get_many(s, [refused, sent])
    assert no.status is MessageStatus.FAILED and "DLT" in (no.error_message or "")
    assert yes.status is not MessageStatus.FAILED
    assert creates() == 1, "only the matching text reached Infobip"
    (kept,) = [m for m in sim.messages() if m["direction"] == "outbound-api"]
    assert kept["extra"] == {
        "indiaDlt": {
            "principalEntityId": "1101000000000001",
            "contentTemplateId": "1107000000000002",
            "telemarketerId": "1702000000000003",
        },
        "sender": "ACMEIN",
    }


def test_housekeeping_prunes_done_journal_rows_only(db, infobip, ib_channel, runner):
    from inbox.store import journal

    _, sim = infobip
    sim.text(CUSTOMER, OURS, "hi")
    runner.sync_once()
    with db.write() as s:
        journal.append(s, ib_channel.id, journal.INBOUND, '{"results": []}')  # pending: never pruned
        assert journal.prune(s, now=datetime.now(UTC) + timedelta(hours=2)) == 1
    assert _journal(db) == [("inbound", False)]


def test_a_kill_between_the_journal_commit_and_the_ingest_loses_nothing(db, db_url, infobip, ib_channel, tmp_path):
    """A real daemon is killed -9 right after it committed a journal row (the texts are gone from
    Infobip by then); the next daemon ingests the row first, and each text is stored once."""
    _, sim = infobip
    for n in range(5):
        sim.text(CUSTOMER, OURS, f"text {n}")
    env = {**os.environ, KEY_ENV: KEY}
    kill_at("crash_after_journal.py", db_url, env, tmp_path / "crashing.log")
    assert sim.stats()["inbound_waiting"] == 0, "Infobip handed the texts out: only the journal has them"
    assert _journal(db) == [("inbound", False)] and inbound(db) == []
    with daemon(db_url, env):
        assert wait_until(lambda: len(inbound(db)) == 5, 20)
    assert [b for _, b in inbound(db)] == [f"text {n}" for n in range(5)]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.direction == "inbound")) == 5
    assert _journal(db) == [("inbound", True)]


def test_a_lost_delivery_report_is_made_good_from_the_logs(db, infobip, ib_channel, runner, monkeypatch):
    from inbox.engine import outbox

    server, _ = infobip
    reply = queue(db, ib_channel, "Your refund is on its way")
    runner.outbox.send_due()
    time.sleep(0.2)
    assert server.carrier.take_reports(10), "someone else took the report: Inbox never sees it"
    monkeypatch.setattr(outbox, "REPORT_GRACE", timedelta(0))
    runner.outbox.refresh_statuses(ib_channel)
    with db.read() as s:
        (row,) = messages.get_many(s, [reply])
    assert row.status is MessageStatus.DELIVERED, "read from Infobip's logs once no report came"


def test_the_residual_risk_a_page_lost_in_transit_is_that_page_only(db, infobip, ib_channel, runner):
    """What docs/providers/README.md admits: Infobip hands a page out and the answer never arrives
    (a reset after it acted). That page is gone (kept nowhere: it never reached us); the poll says it
    failed, and the texts after it arrive."""
    _, sim = infobip
    sim.text(CUSTOMER, OURS, "lost in transit")
    sim.set_faults(reset_rate=1.0)
    report = runner.sync_once()
    assert report.errors, "the failed poll is reported"
    sim.set_faults(reset_rate=0.0)
    assert sim.stats()["inbound_waiting"] == 0 and _journal(db) == []
    sim.text(CUSTOMER, OURS, "the next one")
    runner.sync_once()
    assert [b for _, b in inbound(db)] == ["the next one"]
