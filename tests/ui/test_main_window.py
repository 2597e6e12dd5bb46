"""Main window: filters, actions, search, change events, empty states, status bar, help."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from inbox.core.models import AuthorKind, ConversationStatus
from inbox.engine.sample.temporary import preview_inbox
from inbox.engine.service import ChannelHealth
from inbox.ui import shortcuts
from inbox.ui.main_window import MainWindow
from inbox.ui.notifications import badge_pixmap, notification_text
from inbox.ui.status import health_text
from inbox.ui.thread.header import snooze_choices
from tests.ui.conftest import add_convs, off_gui, wait_ops


def _window(qtbot, service) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    wait_ops(qtbot)
    return w


def test_filters_call_the_service_with_the_view(qtbot, service, inbox):
    add_convs(inbox, 3)
    w = _window(qtbot, service)
    views = []
    for n, view in enumerate(("mine", "unassigned", "open", "pending", "snoozed", "resolved", "all"), 1):
        inbox.reset_calls()
        next(sc for sc in w._shortcuts if sc.key().toString() == f"Ctrl+{n}").activated.emit()
        wait_ops(qtbot)
        flt = inbox.called("conversations_page")[0][0]
        views.append(flt.view)
        assert w.list_pane.filter_buttons[view].isChecked()
        assert f"Ctrl+{n}" in w.list_pane.filter_buttons[view].toolTip()
    assert views == ["mine", "unassigned", "open", "pending", "snoozed", "resolved", "all"]
    assert inbox.called("conversations_page")[0][0].agent == "Dana"
    w.list_pane.sort_box.setCurrentIndex(1)
    wait_ops(qtbot)
    assert inbox.called("conversations_page")[-1][0].sort == "waiting"


def test_every_binding_has_a_target(qtbot, service):
    w = _window(qtbot, service)
    for b in shortcuts.BINDINGS:
        assert callable(getattr(w, b.action)), b.action
    assert len(w._shortcuts) >= 15


def test_status_actions_call_the_service(qtbot, service, inbox):
    cid = add_convs(inbox, 1)[0]
    w = _window(qtbot, service)
    w.list_pane.step(0)
    wait_ops(qtbot)
    assert w.thread_pane.conversation_id == cid
    w.toggle_assign()
    wait_ops(qtbot)
    assert inbox.called("assign") == [(cid, "Dana")]
    assert w.thread_pane.header.assign_button.text() == "Unassign"  # refreshed from the change event
    w.resolve()
    wait_ops(qtbot)
    assert inbox.called("set_status") == [(cid, ConversationStatus.RESOLVED, None)]
    until = snooze_choices()[1][1]
    w.thread_pane.set_status(ConversationStatus.SNOOZED, until)
    wait_ops(qtbot)
    assert inbox.called("set_status")[-1] == (cid, ConversationStatus.SNOOZED, until)


def test_opening_marks_read(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550150", "Unread", unread=2)
    inbox.add_message(cid, "hi")
    w = _window(qtbot, service)
    w.list_pane.step(0)
    wait_ops(qtbot)
    assert inbox.called("mark_read") == [(cid,)]


def test_search_shows_hits_and_opens_the_conversation(qtbot, service, inbox):
    ids = add_convs(inbox, 150)
    target = ids[0]  # the oldest: not in the first page of the list
    inbox.add_message(target, "where is my parcel?", at=datetime(2020, 1, 1, tzinfo=UTC))
    w = _window(qtbot, service)
    w.open_search()
    dlg = w.search_dialog
    dlg.edit.setText("PARCEL")
    dlg.run_search()
    wait_ops(qtbot)
    assert dlg.model.rowCount() == 1
    assert "where is my parcel?" in dlg.model.index(0).data()
    dlg.open_current()
    wait_ops(qtbot)
    assert w.thread_pane.conversation_id == target
    assert set(inbox.called("search")) == {("PARCEL",)}  # the query as typed (the typing timer may run it too)
    # one that is loaded gets selected in the list
    w.open_conversation(ids[-1])
    wait_ops(qtbot)
    assert w.list_pane.view.currentIndex().row() == 0


def test_change_event_updates_the_row_without_reload(qtbot, service, inbox):
    ids = add_convs(inbox, 20)
    w = _window(qtbot, service)
    w.show()
    model = w.list_pane.model
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    inbox.reset_calls()
    inbox.receive(ids[3], "new text from a worker-side event")  # publishes like the engine does
    qtbot.waitUntil(lambda: model.summary(0).id == ids[3], timeout=3000)
    wait_ops(qtbot)
    assert model.summary(0).last_message_preview == "new text from a worker-side event"
    assert resets == []
    assert not inbox.called("conversations_page")
    assert inbox.called("conversation_summaries")[0] == ([ids[3]],)


def test_open_thread_receives_new_message(qtbot, service, inbox):
    cid = add_convs(inbox, 1)[0]
    w = _window(qtbot, service)
    w.list_pane.step(0)
    wait_ops(qtbot)
    before = w.thread_pane.model.rowCount()
    inbox.receive(cid, "second")
    qtbot.waitUntil(lambda: w.thread_pane.model.rowCount() == before + 1, timeout=3000)
    wait_ops(qtbot)
    assert not inbox.called("thread_page")[1:]  # no reload of the page


def test_empty_states_teach(qtbot, service):
    w = _window(qtbot, service)
    assert w.list_pane.stack.currentWidget() is w.list_pane.empty
    assert w.list_pane.empty.text() == "No conversations yet — customers who text +1 555-000-1111 appear here."
    assert w.thread_pane.stack.currentWidget() is w.thread_pane.empty
    assert w.thread_pane.empty.text().startswith("Select a conversation")


@pytest.fixture
def preview(tmp_path):
    """The screenshots' inbox: every state a row or a bubble can be in."""
    made = off_gui(lambda: preview_inbox(tmp_path / "preview"))
    yield made
    off_gui(made.close)


def test_status_bar_shows_health_unread_and_agent(qtbot, preview):
    svc = preview.service()
    w = MainWindow(svc)
    qtbot.addWidget(w)
    wait_ops(qtbot)
    # the preview's one reply still "sending" is the outbox's backlog
    assert re.fullmatch(r"Twilio · main · synced \d+ s ago · 1 waiting to send", w.status.health.text())
    assert w.status.unread.text() == f"{off_gui(svc.unread_total)} unread"
    assert w.status.agent.text() == "Signed in as Dana"


def test_status_bar_says_when_the_background_work_waits_for_the_team_daemon(qtbot, preview, monkeypatch):
    """An agent who sees only their own conversations does no background work: the bar says who
    should, in the warning colour while nobody does; on a desktop that may lead, nothing is said."""
    from inbox.ui import theme

    svc = preview.service()
    w = MainWindow(svc)
    qtbot.addWidget(w)
    wait_ops(qtbot)
    assert not w.status.work.isVisibleTo(w)  # SQLite: this desktop does it
    said = "Background work: waiting for the team daemon"
    monkeypatch.setattr(svc, "background_work", lambda: said)
    w.status.refresh_health()
    wait_ops(qtbot)
    assert w.status.work.isVisibleTo(w) and w.status.work.text() == said
    assert theme.tokens().warning in w.status.work.styleSheet() and "inbox daemon" in w.status.work.toolTip()
    monkeypatch.setattr(svc, "background_work", lambda: "Background work: done by the team daemon")
    w.status.refresh_health()
    wait_ops(qtbot)
    assert theme.tokens().muted in w.status.work.styleSheet()


def test_channel_status_with_the_database_down_is_said_once_and_comes_back(qtbot, preview, monkeypatch):
    """The 15 s channel check fails while the database is down: the status bar says so once (not
    "Checking channels failed" every 15 s), the label stays on "unknown" through the 1 s tick, and
    the first check that works shows the channels again."""
    from sqlalchemy.exc import OperationalError

    from inbox.ui import ops

    svc = preview.service()
    w = MainWindow(svc)
    qtbot.addWidget(w)
    wait_ops(qtbot)
    shown: list[str] = []
    broadcast: list[str] = []
    monkeypatch.setattr(w.status, "show_failure", shown.append)
    ops.dispatcher().failed.connect(broadcast.append)
    real = svc.channel_health

    def down():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(svc, "channel_health", down)
    for _ in range(3):
        w.status.refresh_health()
        wait_ops(qtbot)
    w.status.render_health()  # the 1 s tick
    assert len(shown) == 1 and "connection refused" in shown[0] and broadcast == []
    assert w.status.health.text() == "Channel status unknown: the database cannot be reached"
    monkeypatch.setattr(svc, "channel_health", real)
    w.status.refresh_health()
    wait_ops(qtbot)
    assert w.status.health.text().startswith("Twilio · main · synced") and len(shown) == 1


def test_health_text_when_failing():
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    h = ChannelHealth(
        1, "main", now - timedelta(minutes=5), "HTTP 503", now - timedelta(seconds=3), now + timedelta(seconds=40)
    )
    assert health_text(h, now=now) == ("Twilio · main · retrying in 40 s", False)


def test_op_failure_is_shown_in_the_status_bar(qtbot, service, monkeypatch):
    w = _window(qtbot, service)

    def broken(*_a):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(service, "conversations_page", broken)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    assert "database unreachable" in w.statusBar().currentMessage()


def test_help_overlay_and_contact_panel_toggle(qtbot, service):
    w = _window(qtbot, service)
    w.show()
    w.toggle_help()
    assert w.help_overlay.isVisible()
    img = QImage(w.size(), QImage.Format.Format_ARGB32)
    w.help_overlay.render(img)
    w.go_back()
    assert not w.help_overlay.isVisible()
    visible = w.contact_panel.isVisible()
    w.toggle_contact_panel()
    assert w.contact_panel.isVisible() != visible


def test_splitter_sizes_are_remembered(qtbot, service):
    w = _window(qtbot, service)
    w.show()
    w.splitter.setSizes([420, 600, 260])
    sizes = w.splitter.sizes()
    assert sizes[0] > 320  # moved from the default
    w.close()
    w2 = _window(qtbot, service)
    w2.resize(w.size())  # the offscreen platform does not restore geometry
    w2.show()
    assert abs(w2.splitter.sizes()[0] - sizes[0]) <= 8, (w2.size(), sizes, w2.splitter.sizes())


def test_every_control_has_an_accessible_name(qtbot, preview):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QPlainTextEdit

    w = _window(qtbot, preview.service())
    w.list_pane.step(0)
    wait_ops(qtbot)
    for cls in (QAbstractButton, QAbstractItemView, QComboBox, QPlainTextEdit):
        for widget in w.findChildren(cls):
            if widget.parent() is not None and widget.objectName() not in ("qt_scrollarea_viewport",):
                if type(widget).__name__ in ("QScrollBar",) or not widget.isVisibleTo(w):
                    continue
                assert widget.accessibleName(), type(widget).__name__


def test_notification_never_shows_masked_text(service, inbox):
    cid = inbox.add_conversation("+14155550160", None)
    m = inbox.add_message(cid, "Your code is 999111", masked=True, author_kind=AuthorKind.CUSTOMER)
    s = inbox.summary(cid)
    title, body = notification_text(m, s)
    assert "999111" not in body and title == "+1 415-555-0160"
    assert not badge_pixmap(7).isNull()


def test_notifier_fires_when_window_inactive(qtbot, service, inbox):
    cid = add_convs(inbox, 1)[0]
    w = _window(qtbot, service)
    assert not w.isActiveWindow()
    inbox.receive(cid, "ping " * 40)  # publishes like the engine does
    qtbot.waitUntil(lambda: bool(w.notifier.shown), timeout=3000)
    title, body = w.notifier.shown[-1]
    assert title == "Customer 0" and len(body) <= 80


def test_thread_keeps_position_and_shows_pill(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550170", "Scroller")
    base = datetime.now(UTC) - timedelta(days=1)
    for i in range(80):
        inbox.add_message(cid, f"line {i} " * 8, at=base + timedelta(minutes=i))
    w = _window(qtbot, service)
    w.resize(1200, 700)
    w.show()
    w.list_pane.step(0)
    wait_ops(qtbot)
    view = w.thread_pane.view
    assert view.at_bottom()
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    wait_ops(qtbot)
    inbox.receive(cid, "brand new")
    qtbot.waitUntil(lambda: view.pill.isVisible(), timeout=3000)
    assert view.pill.text() == "1 new message ↓"
    view.jump_to_bottom()
    assert view.at_bottom() and not view.pill.isVisible()
    # scrolling to the top loads the older page and keeps the reader's place
    model = w.thread_pane.model
    view.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: model.rowCount() == 81, timeout=3000)
    assert view.verticalScrollBar().value() > 0


def test_copy_selected_bubble(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550180", "Copy")
    inbox.add_message(cid, "copy me")
    w = _window(qtbot, service)
    w.show()
    w.list_pane.step(0)
    wait_ops(qtbot)
    view = w.thread_pane.view
    view.setCurrentIndex(w.thread_pane.model.index(0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "copy me"


def test_events_published_on_a_worker_thread_reach_the_gui(qtbot, service, inbox):
    import threading

    ids = add_convs(inbox, 5)
    w = _window(qtbot, service)
    t = threading.Thread(target=lambda: inbox.receive(ids[0], "from the scheduler thread"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: w.list_pane.model.summary(0).id == ids[0], timeout=3000)
    wait_ops(qtbot)


def test_slash_opens_canned_replies(qtbot, service, inbox):
    add_convs(inbox, 1)
    w = _window(qtbot, service)
    w.show()
    w.list_pane.step(0)
    wait_ops(qtbot)
    comp = w.thread_pane.composer
    comp.edit.setFocus()
    comp.set_text("/order num")
    completer = comp.edit.completer
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Could you send us your order number, please?"
    completer.activated.emit(completer.currentCompletion())
    assert comp.text() == "Could you send us your order number, please?"


def test_waiting_to_send_goes_with_the_delivery_and_health_is_read_at_the_poll_cadence(qtbot, service, inbox):
    from inbox.core.events import MessagesChanged
    from inbox.core.models import MessageStatus
    from inbox.store import messages

    cid = inbox.add_conversation("+14155550160", "Rita")
    reply = inbox.add_message(
        cid, "On its way", inbound=False, author_kind=AuthorKind.AGENT, status=MessageStatus.SENDING
    )
    w = _window(qtbot, service)
    assert w.status.poll.interval() == 5000  # the channel polls every 5 s: so is its health read
    assert w.status.health.text().endswith("· 1 waiting to send")

    def delivered() -> None:
        with inbox.db.write() as s:
            messages.set_fields(s, reply.id, status=MessageStatus.DELIVERED.value)

    off_gui(delivered)
    w.status.poll.stop()  # only the change event may bring the news
    service.events.publish(MessagesChanged(frozenset({cid}), frozenset({reply.id})))
    qtbot.waitUntil(lambda: "waiting to send" not in w.status.health.text(), timeout=2000)
    assert re.fullmatch(r"Twilio · main · synced \d+ s ago", w.status.health.text())


def test_a_conversation_on_screen_in_the_active_window_stays_read(qtbot, service, inbox):
    """Issue 15, item 5: a text landing in the open conversation does not count as unread while the
    agent is looking at it (active window); in a background window it does, until it is active."""
    from PySide6.QtWidgets import QWidget

    from inbox.store import conversations

    cid = add_convs(inbox, 1)[0]
    w = _window(qtbot, service)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    w.list_pane.step(0)
    wait_ops(qtbot)

    def db_unread() -> int:
        def read() -> int:
            with inbox.db.read() as s:
                return conversations.summary(s, cid).unread_count

        return off_gui(read)

    qtbot.waitUntil(lambda: db_unread() == 0, timeout=3000)
    rows = w.thread_pane.model.rowCount()
    counted = []  # every unread count the row and the title showed meanwhile
    w.list_pane.model.dataChanged.connect(lambda *_a: counted.append(w.list_pane.model.summary(0).unread_count))
    w.windowTitleChanged.connect(lambda title: counted.append(title))
    inbox.receive(cid, "are you there?")
    qtbot.waitUntil(lambda: w.thread_pane.model.rowCount() == rows + 1, timeout=3000)
    qtbot.waitUntil(lambda: w.list_pane.model.summary(0).last_message_preview == "are you there?", timeout=3000)
    wait_ops(qtbot)
    assert db_unread() == 0 and w.list_pane.model.summary(0).unread_count == 0
    assert all(c == 0 or (isinstance(c, str) and not c.endswith(")")) for c in counted), counted
    assert w.windowTitle().endswith(")") is False  # no "(1)" unread count in the title
    assert w.status.unread.text() == "All caught up"

    other = QWidget()  # the agent switched to another window
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not w.isActiveWindow(), timeout=3000)
    inbox.receive(cid, "hello??")
    qtbot.waitUntil(lambda: w.thread_pane.model.rowCount() == rows + 2, timeout=3000)
    qtbot.waitUntil(lambda: w.list_pane.model.summary(0).unread_count == 1, timeout=3000)
    wait_ops(qtbot)
    assert db_unread() == 1 and w.windowTitle().endswith("(1)")

    w.activateWindow()  # back to Inbox: what is on screen is read now
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    qtbot.waitUntil(lambda: db_unread() == 0 and w.list_pane.model.summary(0).unread_count == 0, timeout=3000)
