"""Every desktop is live: what other processes commit appears in a follower desktop by itself.

The follower is the real main window in its own process (tests/team/follower.py, offscreen),
following the database's change feed; it prints what its views show. The writers are other
processes: the CLI (`inbox send`), and this test process acting as the daemon (a customer's text
ingested, a delivery state, an opt-out) and as another agent's desktop (assign, note, label,
resolve), each through the engine's own doors. No user action happens in the follower. On
PostgreSQL the follower's database connections, the feed's LISTEN connection among them, are
killed mid-way (`pg_terminate_backend`) and what is committed afterwards still appears.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox.core.events import EventBus
from inbox.core.models import ConversationStatus, InboundMessage
from inbox.engine.ingest import ingest
from inbox.engine.service import InboxService
from inbox.providers.base import InboundBatch, PollCursor
from inbox.store import messages
from inbox.store.db import Database
from tests.conftest import OUR_NUMBER, add_channel
from tests.team.follower import Follower

CUSTOMER = "+14155550101"
STARTUP = 30.0  # seconds for the follower to import Qt and load on a loaded machine
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def follower_url(db_url: str) -> str:
    """The database URL, with an application name of its own on PostgreSQL (to find its backends)."""
    if db_url.startswith("sqlite"):
        return db_url
    sep = "&" if "?" in db_url else "?"
    return f"{db_url}{sep}application_name=inbox-follower-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def team(db: Database, follower_url: str, tmp_path) -> Iterator[tuple[Database, Follower]]:
    with db.write() as s:
        add_channel(s)
    follower = Follower(follower_url, "bob", tmp_path)
    try:
        yield db, follower
    finally:
        follower.close()


def _text_in(db: Database, body: str, sid: str) -> None:
    """What the daemon's poll does with a customer's text: store it and publish in its own process."""
    from inbox.store import channels

    with db.read() as s:
        channel = channels.by_name(s, "main")
    assert channel is not None
    msg = InboundMessage(sid, CUSTOMER, OUR_NUMBER, body, datetime.now(UTC))
    ingest(db, channel, InboundBatch([msg], PollCursor(msg.date_sent)), EventBus())


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inbox", "--db", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )


def _bodies(doc: dict) -> list[str]:
    return [b["body"] for b in doc["bubbles"]]


def test_other_processes_changes_appear_without_any_user_action(team, db_url: str) -> None:
    db, follower = team
    follower.wait_for("the empty list", lambda d: d["rows"] == [] and d["tray"] == 0, timeout=STARTUP)

    # a customer texts in (the daemon's ingest, in this process)
    _text_in(db, "Hi, where is my order?", "SM1")
    doc = follower.wait_for("the new text", lambda d: _bodies(d) == ["Hi, where is my order?"])
    cid = doc["open"]
    assert doc["rows"][0]["preview"] == "Hi, where is my order?"

    # another agent replies from the command line (its own process)
    _cli(db_url, "--agent", "alice", "send", "--channel", "main", "--to", CUSTOMER, "It left this morning.")
    doc = follower.wait_for("alice's reply", lambda d: "It left this morning." in _bodies(d))
    assert doc["rows"][0]["preview"] == "alice: It left this morning."
    reply = next(b for b in doc["bubbles"] if b["body"] == "It left this morning.")
    assert reply["author"] == "alice" and reply["status"] == "queued"

    # the provider reports it delivered (the daemon's status refresh)
    with db.write() as s:
        messages.set_fields(s, reply["id"], status="delivered", delivered_at=datetime.now(UTC))
    follower.wait_for(
        "the delivery state",
        lambda d: any(b["id"] == reply["id"] and b["status"] == "delivered" for b in d["bubbles"]),
    )

    # alice, on her desktop, assigns it to herself, leaves a note and resolves it
    alice = InboxService(db, EventBus(), agent="alice")
    alice.assign(cid, "alice")
    follower.wait_for("the assignment", lambda d: d["rows"][0]["assignee"] == "alice" and "alice" in d["assigned"])
    alice.add_note(cid, "Courier confirmed")
    follower.wait_for("alice's note", lambda d: "Courier confirmed" in _bodies(d))
    alice.set_labels(cid, ["vip"])
    follower.wait_for("alice's label", lambda d: d["rows"][0]["labels"] == ["vip"])
    alice.set_status(cid, ConversationStatus.RESOLVED)
    follower.wait_for("the resolution", lambda d: d["rows"][0]["status"] == "resolved")

    # a second text: the unread count and the window title (the follower read the first on opening)
    _text_in(db, "Thanks!", "SM2")
    doc = follower.wait_for("the second text", lambda d: "Thanks!" in _bodies(d) and d["unread"] == "1 unread")
    assert doc["rows"][0]["status"] == "open"  # a customer's text reopens it
    assert doc["rows"][0]["unread"] == 1  # the row's count, besides the status bar's total
    assert doc["title"] == "Inbox (1)" and doc["tray"] == 1  # the tray icon's badge
    # notified once per customer text, never for a colleague's reply or a note
    assert doc["notified"] == ["Hi, where is my order?", "Thanks!"]

    # the customer opts out
    _text_in(db, "STOP", "SM3")
    follower.wait_for("the opt-out", lambda d: d["rows"][0]["opted_out"] is True)


@pytest.mark.postgres
def test_the_follower_catches_up_after_its_connections_are_killed(team, db_url: str, follower_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite has no connection to kill")
    db, follower = team
    follower.wait_for("the feed connected", lambda d: d["live"] == "connected", timeout=STARTUP)
    _text_in(db, "First", "SM1")
    follower.wait_for("the first text", lambda d: _bodies(d) == ["First"])

    app = follower_url.rsplit("application_name=", 1)[1]
    with db.write() as s:
        from sqlalchemy import text

        killed = s.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :app"),
            {"app": app},
        ).all()
    assert killed, "the follower had no connection to kill"
    # committed while the listener is down or reconnecting: nothing may be lost
    _text_in(db, "Second", "SM2")
    InboxService(db, EventBus(), agent="alice").send_reply(follower.latest["open"], "Third, from alice")
    doc = follower.wait_for(
        "what was committed meanwhile", lambda d: _bodies(d)[-2:] == ["Second", "Third, from alice"]
    )
    assert doc["rows"][0]["preview"] == "alice: Third, from alice"
    follower.wait_for("the feed connected again", lambda d: d["live"] == "connected")
