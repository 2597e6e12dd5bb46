"""Canned replies with variables: filled from the open conversation, unknown ones highlighted, fuzzy `/`."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import QStyleOptionViewItem, QToolTip

from inbox.ui import settings, theme
from inbox.ui.composer import canned, canned_popup
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import wait_ops

GREETING = "Hi {first_name}, this is {agent}. We'll text {number} on {date} ({name})."
ORDER = "Your order {order_id} ships soon, {first_name|there}."


def _window(qtbot, inbox, name: str | None) -> MainWindow:
    settings.set_canned_replies([GREETING, ORDER, "Your order has shipped; tracking is on its way by text."])
    cid = inbox.add_conversation("+14155550123", name)
    inbox.add_message(cid, "Where is my parcel?")
    w = MainWindow(inbox.service)
    qtbot.addWidget(w)
    w.show()
    wait_ops(qtbot)
    w.list_pane.step(0)
    wait_ops(qtbot)
    assert w.thread_pane.summary is not None and w.thread_pane.summary.id == cid
    return w


def _insert(qtbot, w: MainWindow, query: str) -> str:
    comp = w.thread_pane.composer
    comp.edit.setFocus()
    comp.set_text(query)
    completer = comp.edit.completer
    assert completer.completionCount() >= 1
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Tab)  # Tab inserts the preselected best match
    return comp.text()


def test_variables_are_filled_from_the_open_conversation(qtbot, service, inbox):
    w = _window(qtbot, inbox, "Ada Lovelace")
    text = _insert(qtbot, w, "/hi this")
    today = f"{date.today():%-d %b %Y}"
    assert text == f"Hi Ada, this is Dana. We'll text +1 415-555-0123 on {today} (Ada Lovelace)."
    comp = w.thread_pane.composer
    assert comp.unfilled_hint.isHidden()
    sent: list[tuple[str, bool]] = []
    comp.send_requested.connect(lambda body, note: sent.append((body, note)))
    comp.set_text("Thanks {first_name}!")  # typed by hand: filled before sending
    comp.submit()
    assert sent == [("Thanks Ada!", False)] and comp.text() == "Thanks Ada!"


def _colours_over(comp, needle: str) -> list[QColor]:
    """The text colours the highlighter put over ``needle`` (first block)."""
    block = comp.edit.document().firstBlock()
    start = block.text().index(needle)
    found = []
    for r in block.layout().formats():
        if r.start <= start and r.start + r.length >= start + len(needle):
            found.append(QColor(r.format.foreground().color()))
    return found


def test_unknown_variables_stay_visible_and_highlighted(qtbot, service, inbox):
    w = _window(qtbot, inbox, None)  # no name on file: {first_name} cannot be filled either
    text = _insert(qtbot, w, "/order ships")
    assert text == "Your order {order_id} ships soon, there."  # the |default is used
    comp = w.thread_pane.composer
    danger = QColor(theme.tokens().danger)
    assert danger in _colours_over(comp, "{order_id}")
    assert not comp.unfilled_hint.isHidden() and comp.unfilled_hint.text() == "Fill in {order_id}"
    comp.set_text("Hello {first_name}")
    assert comp.unfilled_hint.text() == "Fill in {first_name}"
    assert danger in _colours_over(comp, "{first_name}")
    comp.set_text("Hello Sam")
    assert comp.unfilled_hint.isHidden() and not _colours_over(comp, "Sam")


def test_slash_search_is_fuzzy_and_best_first():
    replies = [GREETING, ORDER, "Your order has shipped; tracking is on its way by text."]
    assert canned.rank("shpd", replies)[0].startswith("Your order has shipped")
    assert canned.rank("order ships", replies)[0] == ORDER  # every word, any order
    assert canned.rank("ORDER", replies)[:2] == [ORDER, replies[2]]  # ties keep the saved order
    assert canned.rank("zzz", replies) == []
    assert canned.fill("{{literal}} {agent}", {"agent": "Dana"}) == "{{literal}} Dana"


LONG = (
    "Thanks for your patience! Your refund of the full amount was approved today and will reach the card "
    "you paid with within five working days; you will get a text from us the moment it is on its way."
)


def test_the_popup_shows_replies_wrapped_not_cut_after_one_line(qtbot, service, inbox):
    w = _window(qtbot, inbox, "Ada Lovelace")
    settings.set_canned_replies(["Short one.", LONG])
    w.apply_preferences(theme_too=False)
    comp = w.thread_pane.composer
    comp.edit.setFocus()
    comp.set_text("/refund")
    popup = comp.edit.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    index = popup.model().index(0, 0)
    assert index.data() == LONG
    width = popup.viewport().width() - 2 * canned_popup.PAD_X
    lines = canned_popup.shown_lines(LONG, popup.font(), width)
    fm = QFontMetricsF(popup.font())
    assert fm.horizontalAdvance(LONG) > width  # one line would have cut it
    assert len(lines) > 1 and all(fm.horizontalAdvance(line) <= width + 1 for line in lines)
    shown = " ".join(lines)
    assert shown == LONG or (len(lines) == canned_popup.MAX_LINES and shown.endswith("…"))
    assert popup.sizeHintForRow(0) >= len(lines) * fm.lineSpacing()  # the row is as tall as its lines
    delegate = popup.itemDelegate()
    assert isinstance(delegate, canned_popup.CannedPopupDelegate)
    center = popup.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, center, popup.viewport().mapToGlobal(center))
    assert delegate.helpEvent(event, popup, QStyleOptionViewItem(), index)
    assert QToolTip.text() == LONG

    comp.set_text("/")  # every reply: rows of different heights, laid out without overlapping
    qtbot.waitUntil(lambda: popup.model().rowCount() == 2, timeout=2000)
    rects = [popup.visualRect(popup.model().index(i, 0)) for i in range(2)]
    assert [r.height() for r in rects] == [popup.sizeHintForRow(i) for i in range(2)]
    assert rects[0].bottom() < rects[1].top() and rects[1].height() > rects[0].height()
    assert popup.viewport().height() >= rects[1].bottom()  # the popup is as tall as its rows: nothing hidden
