"""Every desktop is live: what other processes commit appears in a follower desktop by itself.

The follower is the real main window in its own process (tests/team/follower.py, offscreen),
following the database's change feed; it prints what its views show. The writers are other
processes: the CLI (`inbox send`), and this test process acting as the daemon (a customer's text
ingested, a delivery state) and as another agent's desktop (assign, note, resolve), each through
the engine's own doors. No user action happens in the follower. On PostgreSQL the follower's
database connections, the feed's LISTEN connection among them, are killed mid-way
(`pg_terminate_backend`) and what is committed afterwards still appears.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
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

CUSTOMER = "+14155550101"
WAIT = 10.0  # seconds: generous for a loaded machine; the feed itself takes a quarter second at most
STARTUP = 30.0  # seconds for the follower to import Qt and load on a loaded machine
ROOT = Path(__file__).resolve().parents[2]


class Follower:
    """The follower process and the latest snapshot it printed."""

    def __init__(self, url: str, agent: str, settings_dir: Path) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.team.follower", url, agent, str(settings_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.latest: dict = {}
        self.lines = 0
        self.states: list[str] = []  # the feed states shown, in order
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                self.latest = doc
                self.lines += 1
                state = doc.get("live")
                if state and (not self.states or self.states[-1] != state):
                    self.states.append(state)
                self._cond.notify_all()

    def wait_for(self, what: str, check: Callable[[dict], bool], timeout: float = WAIT) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self.latest and "rows" in self.latest and check(self.latest)):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
                    pytest.fail(f"the follower never showed {what}; it shows {self.latest}\n{err}")
                self._cond.wait(min(left, 0.5))
            return self.latest

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
    follower.wait_for("the empty list", lambda d: d["rows"] == [], timeout=STARTUP)

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
    alice.set_status(cid, ConversationStatus.RESOLVED)
    follower.wait_for("the resolution", lambda d: d["rows"][0]["status"] == "resolved")

    # a second text: the unread count, the window title
    _text_in(db, "Thanks!", "SM2")
    doc = follower.wait_for("the second text", lambda d: "Thanks!" in _bodies(d))
    assert doc["rows"][0]["status"] == "open"  # a customer's text reopens it


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
