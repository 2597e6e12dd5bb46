"""Selecting part of a bubble's text with the mouse and copying just that (UX.md: "text selectable")."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication

from inbox.core.models import AuthorKind
from inbox.ui.thread.bubbles import utf16_slice, word_at
from inbox.ui.thread.view import ThreadView
from tests.ui.test_links import _geometry, _view

BODY = "Hi, my order #4411 never arrived"


def _at(view: ThreadView, text: str, offset: int, row: int = 0) -> QPoint:
    """The viewport point between characters `offset` and `offset + 1` of `text` (UTF-16)."""
    g, origin = _geometry(view, row)
    for i in range(g.text.lineCount()):
        line = g.text.lineAt(i)
        if line.textStart() <= offset <= line.textStart() + line.textLength():
            x = line.cursorToX(offset)[0]
            y = line.y() + line.height() / 2
            return QPoint(round(x + g.text_origin.x()), round(y + g.text_origin.y())) + origin
    raise AssertionError(f"offset {offset} not laid out in {text!r}")


def _drag(view: ThreadView, start: QPoint, end: QPoint) -> None:
    vp = view.viewport()
    for kind, pos, buttons in (
        (QMouseEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton),
        (QMouseEvent.Type.MouseMove, (start + end) / 2, Qt.MouseButton.LeftButton),
        (QMouseEvent.Type.MouseMove, end, Qt.MouseButton.LeftButton),
        (QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind,
            QPointF(pos),
            QPointF(vp.mapToGlobal(pos)),
            Qt.MouseButton.LeftButton if kind != QMouseEvent.Type.MouseMove else Qt.MouseButton.NoButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(vp, event)


def _copy(qtbot, view: ThreadView) -> str:
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    return QGuiApplication.clipboard().text()


def test_dragging_across_words_selects_and_copies_only_them(qtbot, inbox):
    view, opened = _view(qtbot, inbox, BODY)
    start = BODY.index("order")
    _drag(view, _at(view, BODY, start), _at(view, BODY, start + len("order #4411")))
    assert view.selected_text() == "order #4411"
    assert _copy(qtbot, view) == "order #4411"
    assert opened == []


def test_a_plain_click_clears_the_selection_and_copy_takes_the_whole_message(qtbot, inbox):
    view, _ = _view(qtbot, inbox, BODY)
    _drag(view, _at(view, BODY, 0), _at(view, BODY, 2))
    assert view.selected_text() == "Hi"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_at(view, BODY, 5))
    assert view.selected_text() == ""
    assert _copy(qtbot, view) == BODY


def test_double_click_selects_an_order_number_as_one_word(qtbot, inbox):
    view, _ = _view(qtbot, inbox, BODY)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_at(view, BODY, BODY.index("4411") + 1))
    assert view.selected_text() == "#4411"


def test_the_context_menu_offers_the_selection_first(qtbot, inbox):
    view, _ = _view(qtbot, inbox, BODY)
    _drag(view, _at(view, BODY, BODY.index("never")), _at(view, BODY, len(BODY)))
    m = view.thread_model.message(0)
    texts = [a.text() for a in view.build_menu(m).actions()]
    assert texts[:2] == ["Copy selection", "Copy text"]


def test_emoji_and_right_to_left_text_copy_exactly(qtbot, inbox):
    body = "תודה רבה 🙏🏽 שלום"
    view, _ = _view(qtbot, inbox, body)
    units = len(body.encode("utf-16-le")) // 2
    _drag(view, _at(view, body, 0), _at(view, body, units))
    assert view.selected_text() == body
    assert utf16_slice("a🙏🏽b", 1, 5) == "🙏🏽"


def test_a_masked_code_cannot_be_selected(qtbot, inbox):
    view, _ = _view(qtbot, inbox, "Your code is 123456", inbound=False, author_kind=AuthorKind.AUTOMATION, masked=True)
    g, _ = _geometry(view)
    text = g.text.text()
    _drag(view, _at(view, text, 0), _at(view, text, len(text)))
    assert view.selected_text() == ""
    assert _copy(qtbot, view) == ""


def test_word_boundaries() -> None:
    text = "see #4411, ok"
    assert word_at(text, 6) == (4, 9)
    assert word_at(text, 9) == (4, 9)  # just after the word still picks it
    assert word_at(text, 10) == (10, 10)  # between "," and " ": nothing


def test_dragging_past_the_end_of_emoji_text_selects_all_of_it(qtbot, inbox):
    body = "😀😀 hello"
    view, _ = _view(qtbot, inbox, body)
    g, origin = _geometry(view)
    below = g.bubble.bottomLeft().toPoint() + origin + QPoint(4, 30)
    _drag(view, _at(view, body, 0), below)
    assert view.selected_text() == body


def test_moving_to_another_message_drops_the_old_selection(qtbot, inbox):
    view, _ = _view(qtbot, inbox, BODY, "second message")
    _drag(view, _at(view, BODY, 0), _at(view, BODY, 2))
    assert view.selected_text() == "Hi"
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.selected_message().body == "second message" and view.selected_text() == ""
    assert _copy(qtbot, view) == "second message"
