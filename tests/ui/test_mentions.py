"""Mentions on a desktop: a colleague's note with @me notifies and lists the conversation under
"Mentions"; my own note never notifies; opening the conversation marks the mention seen.

Alice's window runs on a real temporary SQLite inbox and follows its change feed; Carol writes
her notes through her own InboxService on another event bus, as another desktop would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt

from inbox.core.events import EventBus
from inbox.core.models import Channel, InboundMessage
from inbox.engine.ingest import ingest
from inbox.engine.service import InboxService
from inbox.providers.base import InboundBatch, PollCursor
from inbox.store import agents, channels
from inbox.store.agents import Role
from inbox.store.db import Database
from inbox.store.feed import latest_seq
from inbox.ui.live import LiveUpdates
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import wait_ops

OUR = "+15550001111"
T = TypeVar("T")
_helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-setup")


def off_gui(fn: Callable[[], T]) -> T:
    return _helper.submit(fn).result(timeout=30)


@dataclass
class Team:
    db: Database
    channel: Channel
    alice: InboxService  # the window's
    carol: InboxService  # another desktop's
    window: MainWindow
    conversations: list[int]

    def text_in(self, sid: str, number: str, body: str) -> None:
        msg = InboundMessage(sid, number, OUR, body, datetime.now(UTC))
        off_gui(lambda: ingest(self.db, self.channel, InboundBatch([msg], PollCursor(msg.date_sent)), EventBus()))


def _notes(w: MainWindow) -> list[str]:
    model = w.thread_pane.model
    return [str(model.data(model.index(r))) for r in range(model.rowCount())]


def _listed(w: MainWindow) -> list[int]:
    model = w.list_pane.model
    return [s.id for r in range(model.rowCount()) if (s := model.summary(r)) is not None]


def _spoken(w: MainWindow, row: int) -> str:
    """What a screen reader says for a row."""
    model = w.list_pane.model
    return str(model.data(model.index(row), Qt.ItemDataRole.AccessibleTextRole))


@pytest.fixture
def team(qtbot, tmp_path) -> Iterator[Team]:
    def build() -> tuple[Database, Channel, list[int]]:
        db = Database(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")
        db.upgrade()
        with db.write() as s:
            ch = channels.add(s, name="main", provider="twilio", number=OUR, account_sid="AC1", auth_token_ref="env:X")
            for name in ("alice", "carol"):
                agents.upsert(s, name, Role.AGENT)
        return db, ch

    db, channel = off_gui(build)
    alice = InboxService(db, EventBus(), agent="alice")
    carol = InboxService(db, EventBus(), agent="carol")
    window = MainWindow(alice)
    qtbot.addWidget(window)
    live = LiveUpdates(alice, since=off_gui(lambda: latest_seq(db)), parent=window)
    window.live = live
    live.start()
    window.list_pane.set_view("all")
    wait_ops(qtbot)
    t = Team(db, channel, alice, carol, window, [])
    t.text_in("SM1", "+14155550101", "Where is my order?")
    t.text_in("SM2", "+14155550102", "Can I change the address?")
    qtbot.waitUntil(lambda: window.list_pane.model.rowCount() == 2, timeout=5000)
    t.conversations = sorted(_listed(window))
    try:
        yield t
    finally:
        off_gui(live.stop)
        window.close()
        wait_ops(qtbot)
        off_gui(db.dispose)


def test_a_colleagues_note_mentioning_me_notifies_and_lists_it_under_mentions(qtbot, team: Team) -> None:
    w = team.window
    first, second = team.conversations
    assert not w.isActiveWindow()
    shown = len(w.notifier.shown)
    off_gui(lambda: team.carol.add_note(first, "@Alice can you check the tracking?"))
    qtbot.waitUntil(lambda: len(w.notifier.shown) > shown, timeout=5000)
    title, body = w.notifier.shown[-1]
    assert title.startswith("carol mentioned you") and body == "@Alice can you check the tracking?"
    w.show_view("mentions")
    qtbot.waitUntil(lambda: _listed(w) == [first], timeout=5000)
    off_gui(lambda: team.carol.add_note(second, "@alice this one too"))
    qtbot.waitUntil(lambda: _listed(w) == [second, first], timeout=5000)  # newest first, live


def test_my_own_note_and_a_note_without_me_do_not_notify(qtbot, team: Team) -> None:
    w = team.window
    first, _second = team.conversations
    w.open_conversation(first)
    qtbot.waitUntil(lambda: w.thread_pane.conversation_id == first, timeout=5000)
    wait_ops(qtbot)
    shown = list(w.notifier.shown)
    off_gui(lambda: team.alice.add_note(first, "note to self: @alice call back, ask @carol"))
    off_gui(lambda: team.carol.add_note(first, "plain note, no mention of alice@example.com"))
    qtbot.waitUntil(lambda: any("no mention" in b for b in _notes(w)), timeout=5000)
    qtbot.waitUntil(lambda: any("note to self" in b for b in _notes(w)), timeout=5000)
    wait_ops(qtbot)
    assert w.notifier.shown == shown
    off_gui(lambda: team.carol.add_note(first, "@alice now you"))  # the same path does notify a mention
    qtbot.waitUntil(lambda: len(w.notifier.shown) == len(shown) + 1, timeout=5000)


def test_opening_a_mentioned_conversation_marks_it_seen(qtbot, team: Team) -> None:
    w = team.window
    first, second = team.conversations
    off_gui(lambda: team.carol.add_note(first, "@alice look"))
    w.show_view("mentions")
    qtbot.waitUntil(lambda: _listed(w) == [first], timeout=5000)
    assert "a note mentions you" in _spoken(w, 0)
    w.list_pane.step(0)  # open it
    qtbot.waitUntil(lambda: _listed(w) == [], timeout=5000)
    assert off_gui(team.alice.my_mentions) == []
    assert "No mentions to read" in w.list_pane.empty.text()
    w.show_view("all")
    qtbot.waitUntil(lambda: sorted(_listed(w)) == [first, second], timeout=5000)
    assert not any("mentions you" in _spoken(w, r) for r in range(2))
