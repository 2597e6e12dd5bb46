"""Provider input edges on the inbound road: a poll must never stop answering.

A normal backlog bigger than a megabyte, a record dated in the future, records the database cannot
hold, a `next_page_uri` that never ends and the same bad record on every poll. Each case drives the
real runner against a real HTTP server on loopback: the simulator for the backlog, a small
hand-written Twilio dialect server for what a faithful simulator never produces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from inbox.store import contacts, cursors, health, optouts
from inbox.store.models import MessageRow, QuarantineRow
from tests.conftest import OUR_NUMBER

from . import fake_twilio
from .conftest import TOKEN_ENV, wait_until
from .fake_twilio import page, record, serve
from .storm import phone_number

ACCOUNT = "AC" + "6" * 32
TOKEN = "edge-token"
LIST_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
STOPPER = "+15553008888"


class Edge:
    """What the edge server answers: `answer(path, query) -> bytes` for the list, changed by tests."""

    def __init__(self) -> None:
        self.answer: Callable[[str, dict[str, list[str]]], bytes] = lambda path, query: page([])
        self.delay = 0.0
        self.requests = 0


@pytest.fixture
def edge() -> Iterator[tuple[Edge, str]]:
    state = Edge()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            if state.delay:
                time.sleep(state.delay)
            parts = urlsplit(self.path)
            body = state.answer(parts.path, parse_qs(parts.query)) if parts.path == LIST_PATH else b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as url:
        yield state, url


@pytest.fixture
def edge_channel(db, edge, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return fake_twilio.add_channel(
        db, "edge", ACCOUNT, edge[1], provider_handles_opt_out=True, help_text="", poll_interval_seconds=0.2
    )


def _stored_sids(db) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(MessageRow.provider_message_id).where(MessageRow.direction == "inbound")))


def _opted_out(db, number: str, channel_id: int) -> bool:
    with db.read() as s:
        contact = contacts.by_phone(s, number)
        return contact is not None and optouts.is_opted_out(s, contact.id, channel_id)


def _quarantine(db) -> list[QuarantineRow]:
    with db.read() as s:
        return list(s.scalars(select(QuarantineRow).order_by(QuarantineRow.id)))


def _cursor(db, channel_id: int) -> datetime | None:
    with db.read() as s:
        return cursors.get(s, channel_id).newest_date_sent


# -- 1. a normal backlog ----------------------------------------------------------------------------


# ClickSend is left out: its 1,000 mark-reads (one PUT each) take ~7 s on loopback.
@pytest.mark.parametrize("dialect", ["twilio", "sinch"])
def test_a_backlog_of_a_thousand_long_texts_is_stored_stop_included(db, channel, sim, runner, monkeypatch, sim_config):
    """1,000 texts of ~145 characters make one Twilio page of more than a megabyte: it must be read;
    on Sinch (at most 100 a page), ten numbered pages walked in one poll."""
    monkeypatch.setenv(TOKEN_ENV, sim_config.auth_token)
    filler = "Hello, my parcel was due yesterday and the tracking page still shows nothing at all; could you look? " * 2
    sids = []
    for i in range(1000):
        if i == 700:
            sids.append(sim.text(STOPPER, OUR_NUMBER, "STOP"))
            continue
        sids.append(sim.text(phone_number(i % 40), OUR_NUMBER, f"Order {i:04d}: {filler}"[:145]))
    report = runner.sync_once()
    assert report.ok, report.errors
    assert _stored_sids(db) == set(sids), "every text of the backlog is stored"
    assert _opted_out(db, STOPPER, channel.id), "the STOP inside the backlog is recorded"


# -- 2. a record dated in the future ----------------------------------------------------------------


def test_a_record_dated_in_the_future_does_not_hide_later_messages(db, edge, edge_channel, runner):
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)
    skewed = record("SMfuture", now + timedelta(hours=6))
    first = [skewed, record("SMnow1", now - timedelta(seconds=2))]
    state.answer = lambda path, query: page(first)
    assert runner.sync_once().ok
    assert _stored_sids(db) == {"SMfuture", "SMnow1"}, "the skewed record is stored like any other"
    cursor = _cursor(db, edge_channel.id)
    assert cursor is not None and cursor <= datetime.now(UTC), "a record cannot push the cursor past the poll"

    later = datetime.now(UTC).replace(microsecond=0)
    stop = record("SMstop", later, **{"from": STOPPER, "body": "STOP"})
    second = [skewed, record("SMlater", later), stop, *first[1:]]
    state.answer = lambda path, query: page(second)
    assert runner.sync_once().ok
    assert _stored_sids(db) == {"SMfuture", "SMnow1", "SMlater", "SMstop"}, "later messages are not skipped"
    assert _opted_out(db, STOPPER, edge_channel.id)


# -- 3. records the database cannot store ---------------------------------------------------------


def test_records_the_database_cannot_store_are_set_aside_alone(db, edge, edge_channel, runner, caplog):
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    long_sid = "SM" + "7" * 80
    batch = [
        record("SMlate", now + timedelta(seconds=3)),
        record("SMstop", now + timedelta(seconds=2), **{"from": STOPPER, "body": "STOP"}),
        record(long_sid, now + timedelta(seconds=1)),
        record("SMnul", now + timedelta(seconds=1), body="where is my order?\x00"),
        record("SMlone", now + timedelta(seconds=1), body="broken \ud83d emoji"),
        record("SMsegments", now + timedelta(seconds=1), num_segments=str(10**30)),
        record("SMfrom", now + timedelta(seconds=1), **{"from": "+1555300" + "9" * 40}),
        record("SMearly", now),
    ]
    state.answer = lambda path, query: page(batch)
    caplog.set_level(logging.DEBUG)
    report = runner.sync_once()
    assert report.ok, report.errors
    stored = _stored_sids(db)
    assert {"SMearly", "SMstop", "SMlate"} <= stored, "the rest of the batch is stored"
    assert _opted_out(db, STOPPER, edge_channel.id), "the STOP of the batch is recorded"
    assert long_sid not in stored
    assert {"SMnul", "SMlone", "SMsegments"} <= stored, "a text with an unstorable character is kept, readable"
    with db.read() as s:
        bodies = dict(
            s.execute(
                select(MessageRow.provider_message_id, MessageRow.body).where(
                    MessageRow.provider_message_id.in_(["SMnul", "SMlone"])
                )
            ).all()
        )
    assert bodies == {"SMnul": "where is my order?\ufffd", "SMlone": "broken \ufffd emoji"}
    raws = " ".join(q.raw for q in _quarantine(db))
    assert long_sid in raws, "the record that cannot be stored is kept for diagnosis"
    with db.read() as s:
        assert health.get(s, edge_channel.id).last_poll_ok_at is not None
    assert _cursor(db, edge_channel.id) == now + timedelta(seconds=3)


def test_a_record_the_database_refuses_anyway_is_found_and_set_aside_alone(db, edge, edge_channel, runner, monkeypatch):
    """Should a value get past the checks, the chunk is split until the record the database refuses
    is alone: the others, the STOP among them, are stored."""
    from inbox.store import messages

    monkeypatch.setattr(messages, "fit_inbound", lambda msg: msg)  # as if the checks missed something
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    batch = [record(f"SMok{i}", now + timedelta(seconds=i)) for i in range(6)]
    batch.insert(2, record("SMstop", now + timedelta(seconds=2), **{"from": STOPPER, "body": "STOP"}))
    batch.insert(4, record("SMlone", now + timedelta(seconds=3), body="broken \ud83d emoji"))
    state.answer = lambda path, query: page(batch[::-1])
    report = runner.sync_once()
    assert report.ok, report.errors
    assert _stored_sids(db) == {f"SMok{i}" for i in range(6)} | {"SMstop"}
    assert _opted_out(db, STOPPER, edge_channel.id)
    [row] = [q for q in _quarantine(db) if "SMlone" in q.raw]
    assert row.reason.startswith("could not store")
    assert _cursor(db, edge_channel.id) == now + timedelta(seconds=5)


def test_a_database_refusing_every_record_sets_none_aside_and_fails_the_poll(
    db, edge, edge_channel, runner, monkeypatch
):
    """When not one record can be written, the database is the problem, not the records: nothing
    goes to quarantine, the cursor stays, and once the database takes rows again all are stored."""
    from sqlalchemy.exc import IntegrityError

    from inbox.engine import ingest

    real = ingest._store_chunk
    broken = {"on": True}

    def refuse(session, channel, part, report):  # type: ignore[no-untyped-def]
        if broken["on"]:
            raise IntegrityError("INSERT", {}, Exception("constraint on every row"))
        return real(session, channel, part, report)

    monkeypatch.setattr(ingest, "_store_chunk", refuse)
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    batch = [record(f"SMall{i}", now + timedelta(seconds=i)) for i in range(3)]
    batch.append(record("SMallstop", now + timedelta(seconds=3), **{"from": STOPPER, "body": "STOP"}))
    state.answer = lambda path, query: page(batch[::-1])
    report = runner.sync_once()
    assert not report.ok and "could not store" in report.errors[0], report.errors
    assert _quarantine(db) == [] and _stored_sids(db) == set()
    assert _cursor(db, edge_channel.id) is None
    broken["on"] = False
    assert runner.sync_once().ok
    assert _stored_sids(db) == {"SMall0", "SMall1", "SMall2", "SMallstop"}
    assert _opted_out(db, STOPPER, edge_channel.id)


def test_a_cursor_left_in_the_future_by_an_older_version_heals(db, edge, edge_channel, runner):
    """Before the clamp, a skewed record left the cursor hours ahead: the messages it hid are read."""
    from inbox.store.models import PollCursorRow

    now = datetime.now(UTC).replace(microsecond=0)
    with db.write() as s:
        s.add(
            PollCursorRow(
                channel_id=edge_channel.id,
                newest_date_sent=now + timedelta(hours=6),
                updated_at=now - timedelta(minutes=10),
            )
        )
    state, _ = edge
    hidden = record("SMhidden", now - timedelta(minutes=5))
    state.answer = lambda path, query: page([record("SMfuture", now + timedelta(hours=6)), hidden])
    assert runner.sync_once().ok
    assert "SMhidden" in _stored_sids(db), "the message the cursor hid is read again"
    cursor = _cursor(db, edge_channel.id)
    assert cursor is not None and cursor <= datetime.now(UTC), "and the cursor is back at the poll's time"


def test_an_ingest_failure_is_logged_recorded_and_backed_off(db, edge, edge_channel, runner, caplog, monkeypatch):
    """Whatever goes wrong while storing is said (without numbers or texts), shown and retried later."""
    from sqlalchemy.exc import OperationalError

    from inbox.store import arrivals

    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)
    state.answer = lambda path, query: page([record("SMx", now, body="secret order 4242")])

    def broken(session: object, rows: list[dict[str, object]]) -> None:
        raise OperationalError("INSERT INTO messages ...", rows[0], RuntimeError("disk I/O"))

    monkeypatch.setattr(arrivals, "insert_messages", broken)
    caplog.set_level(logging.DEBUG)
    runner._poll_job()  # the scheduled job: it must not swallow the failure silently
    with db.read() as s:
        row = health.get(s, edge_channel.id)
    assert row is not None and row.last_error and "OperationalError" in row.last_error
    assert row.next_retry_at is not None and row.consecutive_failures == 1
    assert _cursor(db, edge_channel.id) is None, "nothing committed, the cursor did not move"
    said = caplog.text
    assert "OperationalError" in said
    assert "5553009999" not in said and "secret order" not in said, "no phone numbers or texts in the log"
    assert runner.poll_channel(edge_channel) is None, "backed off: the next tick does not hammer"

    monkeypatch.undo()
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert runner.poll_channel(edge_channel, force=True) is not None
    assert _stored_sids(db) == {"SMx"}


def test_status_shows_an_ingest_failure(db, db_url, edge, edge_channel, runner, monkeypatch, capsys):
    from sqlalchemy.exc import OperationalError

    from inbox.cli.main import main
    from inbox.store import arrivals

    state, _ = edge
    state.answer = lambda path, query: page([record("SMx", datetime.now(UTC).replace(microsecond=0))])

    def broken(*args: object) -> None:
        raise OperationalError("INSERT ...", {}, RuntimeError("database is locked"))

    monkeypatch.setattr(arrivals, "insert_messages", broken)
    assert not runner.sync_once().ok
    main(["status", "--db", db_url])
    out = capsys.readouterr().out
    assert "could not store" in out, out


# -- 4. a next_page_uri that never ends --------------------------------------------------------------


def _seed_cursor(db, channel_id: int, when: datetime) -> None:
    from inbox.core.models import PollCursor

    with db.write() as s:
        cursors.advance(s, channel_id, PollCursor(when))


def test_a_next_page_pointing_to_itself_stores_what_it_read_and_fails_the_poll_clearly(db, edge, edge_channel, runner):
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)
    _seed_cursor(db, edge_channel.id, now - timedelta(minutes=5))
    before = _cursor(db, edge_channel.id)
    stop = record("SMloopstop", now, body="STOP", **{"from": STOPPER})
    state.answer = lambda path, query: page([stop, record("SMloop", now)], f"{LIST_PATH}?PageSize=1000&Page=0")
    report = runner.sync_once()
    assert not report.ok
    assert "repeat" in report.errors[0], report.errors
    assert state.requests < 10
    with db.read() as s:
        assert "repeat" in (health.get(s, edge_channel.id).last_error or "")
    assert {"SMloopstop", "SMloop"} <= _stored_sids(db), "what the walk read is stored"
    assert _opted_out(db, STOPPER, edge_channel.id), "a STOP on a looping page is honoured"
    assert _cursor(db, edge_channel.id) == before, "the cursor did not move past what was not read"


def test_an_endless_chain_of_pages_is_bounded(db, edge, edge_channel, runner, monkeypatch):
    from inbox.providers import twilio

    monkeypatch.setattr(twilio, "MAX_INBOUND_RECORDS", 50)
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)
    _seed_cursor(db, edge_channel.id, now - timedelta(minutes=5))
    before = _cursor(db, edge_channel.id)

    def endless(path: str, query: dict[str, list[str]]) -> bytes:
        n = int(query.get("Page", ["0"])[0])
        return page([record(f"SMchain{n}", now - timedelta(milliseconds=n))], f"{LIST_PATH}?Page={n + 1}")

    state.answer = endless
    report = runner.sync_once()
    assert not report.ok
    assert "pages" in report.errors[0], report.errors
    assert state.requests < 200
    assert "SMchain0" in _stored_sids(db)
    assert _cursor(db, edge_channel.id) == before, "the cursor did not move"


def test_a_first_sync_of_a_long_history_imports_the_newest_and_goes_on(db, edge, edge_channel, runner, monkeypatch):
    """No cursor yet: nothing older needs protecting, so a history past the bound is no stall."""
    from inbox.providers import twilio

    monkeypatch.setattr(twilio, "MAX_INBOUND_RECORDS", 50)
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)

    def history(path: str, query: dict[str, list[str]]) -> bytes:
        n = int(query.get("Page", ["0"])[0])
        return page([record(f"SMold{n}", now - timedelta(minutes=n))], f"{LIST_PATH}?Page={n + 1}")

    state.answer = history
    assert runner.sync_once().ok
    assert "SMold0" in _stored_sids(db)
    assert _cursor(db, edge_channel.id) is not None
    state.answer = lambda path, query: page([record("SMnew", now), record("SMold0", now - timedelta(minutes=1))])
    assert runner.sync_once().ok
    assert "SMnew" in _stored_sids(db)


def test_a_daemon_facing_an_endless_chain_stops_promptly_on_sigterm(db, db_url, edge, edge_channel, tmp_path):
    from .conftest import Daemon

    state, _ = edge
    state.delay = 0.2  # a bounded walk (101 pages) takes 20 s: longer than Daemon.stop waits
    now = datetime.now(UTC).replace(microsecond=0)

    def endless(path: str, query: dict[str, list[str]]) -> bytes:
        n = int(query.get("Page", ["0"])[0])
        return page([record(f"SMchain{n}", now)], f"{LIST_PATH}?Page={n + 1}")

    state.answer = endless
    daemon = Daemon(db_url, TOKEN, tmp_path, "--poll-interval", "0.2").start()
    try:
        assert wait_until(lambda: state.requests >= 5, timeout=60), "the daemon is walking the chain"
        daemon.stop()  # SIGTERM, then SIGKILL after 15 s
        assert daemon.proc is not None
        assert daemon.proc.returncode == 0, "the daemon stopped on SIGTERM, in the middle of a walk"
    finally:
        daemon.kill()


# -- 5. the same bad record on every poll -------------------------------------------------------------


def test_the_same_bad_record_is_kept_once_with_a_count(db, edge, edge_channel, runner):
    state, _ = edge
    now = datetime.now(UTC).replace(microsecond=0)
    bad = record("SMbad", now, body=None)
    other = record("SMother", now, body=None, **{"from": "+15553007777"})
    state.answer = lambda path, query: page([bad, record("SMgood", now)])
    for _ in range(4):
        assert runner.sync_once().ok
    state.answer = lambda path, query: page([bad, other, record("SMgood", now)])
    assert runner.sync_once().ok
    rows = _quarantine(db)
    assert [(r.reason, r.count) for r in rows] == [("missing body", 5), ("missing body", 1)]
    assert "SMbad" in rows[0].raw and "SMother" in rows[1].raw
    assert rows[0].last_seen_at >= rows[0].at
    assert _stored_sids(db) == {"SMgood"}
