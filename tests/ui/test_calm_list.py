"""Nothing jumps in the list pane: fixed pane widths, a header that fits itself, rows that hold
still under the pointer (issue 15, items 11 and 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from inbox.core.models import ConversationStatus
from inbox.ui.conversations.model import IdRole, PreviewRole
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.header import fit_parts
from tests.ui.conftest import wait_ops


def _window(qtbot, service, width: int = 1024, height: int = 700) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    wait_ops(qtbot)
    return w


@pytest.mark.parametrize("width", [1024, 1440])
def test_pane_widths_hold_whatever_conversation_is_open(qtbot, service, inbox, width):
    inbox.add_conversation("+14155550101", "Bartholomew Fitzgerald-Montgomery", assignee="Alexandria-Jane")
    inbox.add_conversation("+33612345678", "Priya", flagged=True)
    inbox.add_conversation("+14155550103", None, status=ConversationStatus.PENDING, assignee="Dana")
    gone = inbox.add_conversation("+14155550104", "Greg")
    inbox.set_opted_out(gone, datetime.now(UTC))
    w = _window(qtbot, service, width, 900 if width == 1440 else 700)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    sizes = []
    for n in range(w.list_pane.model.rowCount()):
        w.list_pane.step(1)
        wait_ops(qtbot)
        if n == 1:  # a long counter line under the composer must not push either
            w.thread_pane.composer.set_text("Thanks — we’ll send “the new date” today… ⚡")
        qtbot.wait(10)
        sizes.append(tuple(w.splitter.sizes()))
    assert len(set(sizes)) == 1, sizes
    assert sizes[0][0] == 320


def test_the_assignee_stays_readable_in_a_narrow_header(qtbot, service, inbox):
    cid = inbox.add_conversation(
        "+4915123456789", "Bartholomew Fitzgerald-Montgomery", inbox.add_channel("support-germany-weekend", "+4930"),
        assignee="Alexandria",
    )  # fmt: skip
    w = _window(qtbot, service)
    w.list_pane.select_id(cid)
    wait_ops(qtbot)
    header = w.thread_pane.header
    assert header.width() < 560  # the compact header of a 1024 px window
    shown = header.sub.shown_text()
    assert shown.endswith("Assigned to Alexandria"), shown
    assert header.sub.text() == "+49 1512 3456789 · support-germany-weekend · Assigned to Alexandria"
    assert header.labels_action.isVisible() and not header.labels_button.isVisible()


def test_a_flagged_conversations_buttons_are_never_elided_to_dots(qtbot, service, inbox):
    """In a 1,240 px window with the contact panel open the header is about 650 px: wide enough for
    Resolve in words, not for Clear flag and Opt out beside it; those went to "…" until the header
    went compact for a flagged conversation too (seen in the demo under a real X server)."""
    cid = inbox.add_conversation("+33612345678", "Dan", flagged=True)
    w = _window(qtbot, service, 1240, 800)
    w.list_pane.select_id(cid)
    wait_ops(qtbot)
    qtbot.wait(20)
    header = w.thread_pane.header
    assert w.contact_panel.isVisible() and 600 < header.width() < 800
    for button in (header.resolve_button, header.flag_button, header.opt_out_button):
        assert button.isVisible()
        assert button.width() >= button.sizeHint().width(), (button.text(), button.width())


def test_fit_parts_gives_up_the_least_important_part_first():
    fm = QFontMetrics(QFont())
    parts = [("+1 415-555-0123", 2), ("support", 1), ("Assigned to Dana", 4)]
    full = "+1 415-555-0123 · support · Assigned to Dana"
    assert fit_parts(parts, fm.horizontalAdvance(full), fm) == full
    tighter = fit_parts(parts, fm.horizontalAdvance(full) - 6, fm)
    assert tighter.startswith("+1 415-555-0123 · ") and tighter.endswith(" · Assigned to Dana") and "…" in tighter
    narrow = fit_parts(parts, fm.horizontalAdvance("+1 41… · Assigned to Dana"), fm)
    assert narrow.endswith("Assigned to Dana") and "support" not in narrow
    assert fit_parts(parts, fm.horizontalAdvance("Assigned to Dana"), fm) == "Assigned to Dana"
    assert fit_parts(parts, fm.horizontalAdvance("Assigned…"), fm).startswith("Assign")


def _enter(widget, pos: QPoint) -> None:
    local = QPointF(pos)
    QApplication.sendEvent(widget, QEnterEvent(local, local, QPointF(widget.mapToGlobal(pos))))


def _titles(w: MainWindow) -> list[str]:
    m = w.list_pane.model
    return [m.summary(i).contact_name for i in range(m.rowCount())]


def test_rows_hold_still_under_the_pointer_and_settle_when_it_leaves(qtbot, service, inbox):
    base = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
    ids = {}
    for n, name in enumerate(("Carol", "Bob", "Alice")):  # Alice newest, on top
        ids[name] = inbox.add_conversation(f"+1415555020{n}", name)
        inbox.add_message(ids[name], f"hello from {name}", at=base + timedelta(minutes=n))
    w = _window(qtbot, service)
    view = w.list_pane.view
    assert _titles(w) == ["Alice", "Bob", "Carol"]
    at = view.visualRect(w.list_pane.model.index(2)).center()  # the pointer over Carol
    _enter(view.viewport(), at)
    qtbot.mouseMove(view.viewport(), at)

    inbox.receive(ids["Carol"], "are you there?")  # Carol's row would jump to the top
    inbox.receive(ids["Bob"], "me too")
    qtbot.waitUntil(lambda: "are you there?" in str(view.indexAt(at).data(PreviewRole)))
    wait_ops(qtbot)
    assert _titles(w) == ["Alice", "Bob", "Carol"]  # still in place, showing the new text
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    wait_ops(qtbot)
    assert w.thread_pane.conversation_id == ids["Carol"]  # the row that was under the pointer
    assert _titles(w) == ["Alice", "Bob", "Carol"]

    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))
    assert _titles(w) == ["Bob", "Carol", "Alice"]  # settled: newest activity first
    assert w.thread_pane.conversation_id == ids["Carol"]
    assert view.currentIndex().data(IdRole) == ids["Carol"]  # the selection followed its row


def test_a_resting_pointer_lets_the_rows_settle_after_a_quiet_time(qtbot, service, inbox):
    a = inbox.add_conversation("+14155550301", "Ann")
    inbox.add_message(a, "old", at=datetime(2024, 11, 20, 12, 0, tzinfo=UTC))
    b = inbox.add_conversation("+14155550302", "Ben")
    inbox.add_message(b, "newer", at=datetime(2024, 11, 20, 12, 5, tzinfo=UTC))
    w = _window(qtbot, service)
    view = w.list_pane.view
    quiet = w.list_pane.row_hold.quiet
    at = view.visualRect(w.list_pane.model.index(1)).center()  # over Ann
    _enter(view.viewport(), at)
    qtbot.mouseMove(view.viewport(), at)
    assert quiet.isActive() and quiet.interval() == 2000
    quiet.stop()  # the pointer is still moving (a slow machine must not make the test race the timer)
    inbox.receive(a, "hello again")
    qtbot.waitUntil(lambda: "hello again" in str(view.indexAt(at).data(PreviewRole)))
    wait_ops(qtbot)
    assert _titles(w) == ["Ben", "Ann"]
    quiet.start(100)  # …and now it rests
    qtbot.waitUntil(lambda: _titles(w) == ["Ann", "Ben"], timeout=2000)
    assert not w.list_pane.model.held
