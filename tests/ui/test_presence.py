"""Who is here, as an agent sees it: another desktop's heartbeat shows as "Alice is viewing" /
"Alice is typing…" in the thread header and as a marker on the list row, and both go once her
heartbeats stop; this desktop's own keystrokes reach the others, at most one write per few seconds.

The real window on a real SQLite database with the GUI-thread guard on; time is injected into the
presence tracker, so expiry is checked without waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from inbox.core.presence import EXPIRES_AFTER, TYPING_REPORT_SECONDS, TYPING_SECONDS, Here, PresenceState
from inbox.engine import presence
from inbox.engine.service import InboxService
from inbox.store import contacts, conversations
from inbox.ui import presence as ui_presence
from inbox.ui.main_window import MainWindow
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

ALICE_DESK = "alice-desk"
LONG = "Alexandra Konstantinopoulou-Smythe 👩🏽‍💻"


@pytest.fixture
def world(qtbot, channel_db):
    t0 = datetime.now(UTC).replace(microsecond=0)

    def build() -> int:
        with channel_db.write() as s:
            contact = contacts.get_or_create(s, "+14155550101")
            cid = conversations.get_or_create(s, contact, 1, t0)
        return cid

    cid = off_gui(build)
    service = InboxService(channel_db, agent="Dana")
    window = MainWindow(service, start=False)
    qtbot.addWidget(window)
    clock = {"now": t0, "mono": 1000.0}
    tracker = window.presence
    tracker.now = lambda: clock["now"]
    tracker.monotonic = lambda: clock["mono"]
    tracker.timer.setInterval(60_000)  # the test ticks by hand
    window.resize(1200, 700)
    window.show()
    window.start()
    wait_ops(qtbot)
    window.thread_pane.open_id(cid)
    wait_ops(qtbot)
    yield window, channel_db, cid, clock
    window.close()
    wait_ops(qtbot)


def _beat(db, at: datetime, **kw) -> None:
    off_gui(lambda: presence.heartbeat(db, "Alice", ALICE_DESK, PresenceState.ONLINE, now=at, **kw))


def _tick(qtbot, window) -> None:
    window.presence.tick()
    wait_ops(qtbot)


def test_the_header_and_the_row_show_a_colleague_viewing_then_typing_and_forget_her(qtbot, world) -> None:
    window, db, cid, clock = world
    header, pane = window.thread_pane.header, window.list_pane
    t0 = clock["now"]
    _tick(qtbot, window)
    assert header.here_label.isHidden(), "nobody else is here yet"

    _beat(db, t0, viewing=cid)
    _tick(qtbot, window)
    assert header.here_label.isVisible() and header.here_label.text() == "Alice is viewing"
    assert pane.delegate.here == {cid: Here(viewing=("Alice",))}

    _beat(db, t0 + timedelta(seconds=1), viewing=cid, typing=cid)
    clock["now"] = t0 + timedelta(seconds=2)
    _tick(qtbot, window)
    assert header.here_label.text() == "Alice is typing…" and header.here_label.role == "accent"

    clock["now"] = t0 + timedelta(seconds=1 + TYPING_SECONDS + 0.5)  # her last keystroke is old now
    _tick(qtbot, window)
    assert header.here_label.text() == "Alice is viewing"

    clock["now"] = t0 + timedelta(seconds=1) + EXPIRES_AFTER + timedelta(seconds=1)  # her desktop went quiet
    _tick(qtbot, window)
    assert header.here_label.isHidden()
    assert pane.delegate.here == {}


def test_this_desktop_is_seen_viewing_and_typing_with_one_write_per_few_seconds(qtbot, world, monkeypatch) -> None:
    window, db, cid, clock = world
    typing_writes: list[int] = []
    real = presence.heartbeat

    def counting(*args, **kw):
        if kw.get("typing", args[5] if len(args) > 5 else None) is not None:
            typing_writes.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(ui_presence.presence, "heartbeat", counting)
    _tick(qtbot, window)
    seen = off_gui(lambda: presence.who_is_here(db, cid, ALICE_DESK, now=clock["now"]))
    assert seen == Here(viewing=("Dana",))

    edit = window.thread_pane.composer.edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, "On it")
    wait_ops(qtbot)
    assert len(typing_writes) == 1, "five keystrokes, one write"
    seen = off_gui(lambda: presence.who_is_here(db, cid, ALICE_DESK, now=clock["now"]))
    assert seen == Here(typing=("Dana",))

    clock["mono"] += TYPING_REPORT_SECONDS
    qtbot.keyClick(edit, Qt.Key.Key_Exclam)
    wait_ops(qtbot)
    assert len(typing_writes) == 2, "a keystroke after the pause renews it"


def test_a_long_name_with_emoji_fits_the_header(qtbot, world) -> None:
    window, db, cid, clock = world
    off_gui(lambda: presence.heartbeat(db, LONG, "other", PresenceState.ONLINE, viewing=cid, now=clock["now"]))
    _beat(db, clock["now"], viewing=cid, typing=cid)
    _tick(qtbot, window)
    label = window.thread_pane.header.here_label
    assert label.text() == f"Alice is typing… · {LONG} is viewing"
    assert label.width() <= 240, "elided, the name and actions keep their room"


def test_wording() -> None:
    assert ui_presence.here_line(Here(viewing=("A", "B", "C", "D"))) == "A, B and 2 others are viewing"
    assert ui_presence.here_line(Here(typing=("A", "B"))) == "A and B are typing…"
    assert ui_presence.here_line(Here()) == ""


def test_the_supervisor_roster_shows_who_is_on_with_their_load(qtbot, channel_db) -> None:
    from inbox.store import agents
    from inbox.store.agents import Role
    from inbox.ui.supervisor.roster import RosterCard

    t0 = datetime.now(UTC).replace(microsecond=0)

    def build() -> None:
        with channel_db.write() as s:
            for name in ("Alice", "Bob", "Carol"):
                agents.upsert(s, name, Role.AGENT)
            for i in range(2):
                contact = contacts.get_or_create(s, f"+1415555020{i}")
                cid = conversations.get_or_create(s, contact, 1, t0)
                conversations.set_fields(s, cid, assignee="Alice")
        presence.heartbeat(channel_db, "Alice", "a", PresenceState.ONLINE, now=t0)
        presence.heartbeat(channel_db, "Bob", "b", PresenceState.AWAY, now=t0)

    off_gui(build)
    clock = {"now": t0}
    card = RosterCard(InboxService(channel_db, agent="Dana"), now=lambda: clock["now"])
    qtbot.addWidget(card)
    card.show()
    card.start()
    wait_ops(qtbot)
    lines = [card.list.item(i).text() for i in range(card.list.count())]
    assert lines == ["Alice · online · 2 open", "Bob · away · 0 open", "Carol · offline · 0 open"]

    clock["now"] = t0 + EXPIRES_AFTER + timedelta(seconds=1)  # both desktops went quiet
    card.refresh()
    wait_ops(qtbot)
    lines = [card.list.item(i).text() for i in range(card.list.count())]
    assert lines == ["Alice · offline · 2 open", "Bob · offline · 0 open", "Carol · offline · 0 open"]
    card.timer.stop()


def test_a_database_that_is_down_is_reported_once_polled_less_often_and_its_return_said(
    qtbot, world, monkeypatch, caplog
) -> None:
    from sqlalchemy.exc import OperationalError

    from inbox.ui import ops

    window = world[0]
    tracker = window.presence
    tracker.timer.setInterval(ui_presence.POLL_MS)  # the interval the backoff starts from
    broadcast: list[str] = []
    ops.dispatcher().failed.connect(broadcast.append)
    shown: list[str] = []
    monkeypatch.setattr(window.status, "show_failure", shown.append)
    real = presence.snapshot

    def down(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(ui_presence.presence, "snapshot", down)
    caplog.set_level("INFO", logger="inbox.ui")
    intervals = []
    for _ in range(5):  # ten seconds of a database that is down, at the normal pace
        _tick(qtbot, window)
        intervals.append(tracker.timer.interval())
    assert len(shown) == 1 and shown[0].startswith("Who is here is not updating: "), shown
    assert "connection refused" in shown[0] and "\n" not in shown[0], "one line, no [SQL: …] block"
    assert broadcast == [], "no 'Updating who is here failed' per poll"
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "who is here" in r.getMessage()]
    assert len(warnings) == 1 and not any(r.exc_info for r in caplog.records if r.levelname != "DEBUG")
    assert intervals == [4000, 8000, 16000, 32000, 60000], "less and less often, at most once a minute"
    assert tracker.team_label.isVisible() and tracker.team_label.text() == ui_presence.NOT_UPDATING

    monkeypatch.setattr(ui_presence.presence, "snapshot", real)
    _tick(qtbot, window)
    assert window.statusBar().currentMessage() == "Who is here is updating again"
    assert tracker.timer.interval() == ui_presence.POLL_MS
    assert not tracker.team_label.isVisible(), "a lone agent again: no team line"
    assert sum("updating again" in r.getMessage() for r in caplog.records) == 1
    _tick(qtbot, window)
    assert len(shown) == 1 and broadcast == []
