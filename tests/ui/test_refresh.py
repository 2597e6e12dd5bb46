"""Refresh once: a change costs one reload shared by every view, and a view skips its own change.

The window runs on a real temporary SQLite database and the real ``InboxService``; a customer text
arrives through ``inbox.engine.ingest`` (on a helper thread, as the scheduler would), which
publishes the same events a poll does. The service's reads are counted, and so are the jobs
queued on the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from inbox.core.events import EventBus
from inbox.core.models import Channel, Direction, InboundMessage
from inbox.engine.ingest import ingest
from inbox.engine.service import InboxService
from inbox.providers.base import InboundBatch, PollCursor
from inbox.store import channels
from inbox.store.db import Database
from inbox.ui import ops
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import wait_ops

OUR = "+15550001111"
CUSTOMER = "+14155550101"
T = TypeVar("T")
_helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-setup")


def off_gui(fn: Callable[[], T]) -> T:
    return _helper.submit(fn).result(timeout=30)


READS = ("conversation_summaries", "messages", "unread_total", "thread_page", "contact_details")


@dataclass
class Desk:
    db: Database
    channel: Channel
    service: InboxService
    window: MainWindow
    reads: dict[str, int]
    jobs: list[str]

    def text_in(self, body: str, sid: str) -> None:
        """A customer texts in: stored and published like a poll's batch."""
        msg = InboundMessage(sid, CUSTOMER, OUR, body, datetime.now(UTC))
        batch = InboundBatch([msg], PollCursor(msg.date_sent))
        off_gui(lambda: ingest(self.db, self.channel, batch, self.service.events))

    def reset_counts(self) -> None:
        self.reads.clear()
        self.jobs.clear()


@pytest.fixture
def desk(qtbot, tmp_path, monkeypatch) -> Iterator[Desk]:
    def build() -> tuple[Database, Channel]:
        db = Database(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")
        db.upgrade()
        with db.write() as s:
            ch = channels.add(s, name="main", provider="twilio", number=OUR, account_sid="AC1", auth_token_ref="env:X")
        return db, ch

    db, channel = off_gui(build)
    service = InboxService(db, EventBus(), agent="Dana")
    reads: dict[str, int] = {}
    lock = threading.Lock()
    for name in READS:
        real = getattr(service, name)

        def counted(*a: Any, _real: Callable[..., Any] = real, _name: str = name, **kw: Any) -> Any:
            with lock:
                reads[_name] = reads.get(_name, 0) + 1
            return _real(*a, **kw)

        monkeypatch.setattr(service, name, counted)
    jobs: list[str] = []
    real_run_op = ops.run_op

    def counted_run_op(*a: Any, **kw: Any) -> None:
        jobs.append(kw.get("label", ""))
        real_run_op(*a, **kw)

    monkeypatch.setattr(ops, "run_op", counted_run_op)
    window = MainWindow(service)
    qtbot.addWidget(window)
    window.list_pane.set_view("all")
    wait_ops(qtbot)
    d = Desk(db, channel, service, window, reads, jobs)
    d.text_in("Hi, where is my order?", "SM1")
    qtbot.waitUntil(lambda: window.list_pane.model.rowCount() == 1, timeout=5000)
    window.list_pane.step(0)  # open it
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() == 1, timeout=5000)
    wait_ops(qtbot)
    try:
        yield d
    finally:
        window.close()
        wait_ops(qtbot)
        off_gui(db.dispose)


def _bodies(w: MainWindow) -> list[str]:
    model = w.thread_pane.model
    return [str(model.data(model.index(r))) for r in range(model.rowCount())]


def test_one_text_in_the_open_conversation_costs_one_job_and_one_summary(qtbot, desk: Desk):
    w = desk.window
    assert not w.isActiveWindow()  # in the background: the notifier wants it too
    desk.reset_counts()
    desk.text_in("And can I change the address?", "SM2")
    qtbot.waitUntil(lambda: len(_bodies(w)) == 2, timeout=5000)
    wait_ops(qtbot)
    # one job that read the summary once and the message once …
    assert desk.jobs == ["Refreshing"]
    assert desk.reads == {"conversation_summaries": 1, "messages": 1, "unread_total": 1}
    # … for the list row, the header, the thread, the unread total (title, tray) and the notification
    row = w.list_pane.model.summary(0)
    assert row is not None and row.last_message_preview == "And can I change the address?"
    assert (
        w.thread_pane.summary is not None and w.thread_pane.summary.unread_count == row.unread_count == 1
    )  # opening read the first
    assert w.status.unread.text() == "1 unread" and w.windowTitle().endswith("(1)")
    assert w.notifier.shown[-1][1] == "And can I change the address?"


def test_a_burst_of_texts_costs_one_reload(qtbot, desk: Desk):
    w = desk.window
    desk.reset_counts()
    refreshed_before = w.refresher.reloads
    w.refresher.conversations_changed(frozenset({1}))
    w.refresher.messages_changed(frozenset({1}), frozenset({1}))
    w.refresher.conversations_changed(frozenset({1}))
    wait_ops(qtbot)
    assert w.refresher.reloads == refreshed_before + 1
    assert desk.reads.get("conversation_summaries") == 1


def test_an_agents_own_reply_is_not_fetched_again(qtbot, desk: Desk):
    w = desk.window
    desk.reset_counts()
    w.thread_pane.send("Yes — send me the new one.", note=False)
    qtbot.waitUntil(lambda: "Yes — send me the new one." in _bodies(w), timeout=5000)
    wait_ops(qtbot)
    assert _bodies(w).count("Yes — send me the new one.") == 1
    row = w.list_pane.model.summary(0)
    assert row is not None and row.last_message_direction is Direction.OUTBOUND  # the list row moved on
    assert desk.jobs == ["Sending", "Refreshing"]
    assert desk.reads.get("messages", 0) == 0  # the composer's op already showed the reply
    assert desk.reads.get("conversation_summaries") == 1


def test_someone_elses_change_to_a_shown_message_is_fetched(qtbot, desk: Desk):
    """The skip is only for the initiator: the same ids from elsewhere (the scheduler, another
    desktop through the change feed) are read again."""
    w = desk.window
    cid = w.thread_pane.conversation_id
    assert cid is not None
    mid = w.thread_pane.model.message(0).id  # type: ignore[union-attr]
    desk.reset_counts()
    w.refresher.messages_changed(frozenset({cid}), frozenset({mid}), None)
    wait_ops(qtbot)
    assert desk.reads.get("messages") == 1


def test_everything_changed_reloads_what_is_shown(qtbot, desk: Desk):
    """The change feed fell behind what the log keeps: the list and the open thread start over."""
    w = desk.window
    desk.reset_counts()
    w.refresher.everything_changed()
    wait_ops(qtbot)
    assert desk.reads.get("thread_page") == 1 and desk.reads.get("unread_total") == 1
    assert "Loading conversations" in desk.jobs and w.list_pane.model.rowCount() == 1
    assert len(_bodies(w)) == 1


def test_the_feed_state_is_said_only_when_it_is_not_the_usual(qtbot, desk: Desk):
    status = desk.window.status
    status.set_feed_state("connected")
    assert not status.live.isVisibleTo(desk.window)
    status.set_feed_state("reconnecting")
    assert status.live.isVisibleTo(desk.window) and "reconnecting" in status.live.text()
    status.set_feed_state("polling-fallback")
    assert "½ s" in status.live.text() and "LISTEN" in status.live.toolTip()
    status.set_feed_state("connected")
    assert not status.live.isVisibleTo(desk.window)


def test_a_change_committed_elsewhere_reaches_a_window_following_the_feed(qtbot, desk: Desk):
    """Another process's commit (here: ingest publishing on a bus this window does not hear)
    arrives through the change feed alone."""
    from inbox.store.feed import latest_seq
    from inbox.ui.live import LiveUpdates

    w = desk.window
    live = LiveUpdates(desk.service, since=off_gui(lambda: latest_seq(desk.db)), parent=w)
    w.live = live
    live.state_changed.connect(w._on_feed_state)
    live.start()
    try:
        msg = InboundMessage("SM9", CUSTOMER, OUR, "From another process", datetime.now(UTC))
        off_gui(lambda: ingest(desk.db, desk.channel, InboundBatch([msg], PollCursor(msg.date_sent)), EventBus()))
        qtbot.waitUntil(lambda: "From another process" in _bodies(w), timeout=5000)
        row = w.list_pane.model.summary(0)
        assert row is not None and row.last_message_preview == "From another process"
    finally:
        off_gui(live.stop)
        wait_ops(qtbot)


def test_an_own_reply_reloads_once_though_the_feed_brings_it_back(qtbot, desk: Desk):
    """The reply is shown from the composer's op and reloaded once from the engine's event; the
    change feed's echo of the same commit costs nothing. A colleague's text right after still
    comes through the feed."""
    from inbox.engine import live as live_module
    from inbox.store.feed import latest_seq
    from inbox.ui.live import LiveUpdates

    w = desk.window
    live = LiveUpdates(desk.service, since=off_gui(lambda: latest_seq(desk.db)), parent=w)
    w.live = live
    live.start()
    try:
        desk.reset_counts()
        reloads = w.refresher.reloads
        w.thread_pane.send("Yes — send me the new one.", note=False)
        qtbot.waitUntil(lambda: "Yes — send me the new one." in _bodies(w), timeout=5000)
        newest = off_gui(lambda: latest_seq(desk.db))
        qtbot.waitUntil(lambda: live._feed.last_seen >= newest, timeout=5000)
        qtbot.wait(int((live_module.HOLD + 0.3) * 1000))  # an echo would be queued by now
        wait_ops(qtbot)
        assert live._feed.echoes >= 2, "the reply and its conversation came back through the feed"
        jobs = [j for j in desk.jobs if j != "Updating who is here"]  # the presence poll runs on its own clock
        assert w.refresher.reloads == reloads + 1 and jobs == ["Sending", "Refreshing"]
        assert desk.reads.get("conversation_summaries") == 1

        msg = InboundMessage("SM10", CUSTOMER, OUR, "From another process", datetime.now(UTC))
        off_gui(lambda: ingest(desk.db, desk.channel, InboundBatch([msg], PollCursor(msg.date_sent)), EventBus()))
        qtbot.waitUntil(lambda: "From another process" in _bodies(w), timeout=5000)
        assert w.refresher.reloads == reloads + 2
    finally:
        off_gui(live.stop)
        wait_ops(qtbot)


def test_changes_during_a_slow_reload_wait_for_it_and_go_as_one(qtbot, desk: Desk, monkeypatch):
    """A database slower than the changes (a daemon ingesting a hundred texts a second): bursts
    that arrive while a reload is on the worker collect into one, sent when it has applied, so the
    worker never queues reloads faster than it runs them."""
    w = desk.window
    cid = w.thread_pane.conversation_id
    assert cid is not None
    gate = threading.Event()
    real = w.service.conversation_summaries

    def slow(ids):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(ids)

    monkeypatch.setattr(w.service, "conversation_summaries", slow)
    desk.reset_counts()
    for _ in range(5):
        w.refresher.conversations_changed(frozenset({cid}))
        qtbot.wait(60)  # longer than the burst window: five bursts
    assert desk.jobs.count("Refreshing") == 1, "one reload on the worker, the rest wait for it"
    gate.set()
    wait_ops(qtbot)
    assert desk.jobs.count("Refreshing") == 2, "what came meanwhile: one more"
