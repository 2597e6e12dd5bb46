"""Links in bubbles: painted as links, opened only by a click, only http(s), never from masked text."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from inbox.core.models import AuthorKind
from inbox.ui.thread.bubbles import link_colour, link_rects
from inbox.ui.thread.model import ThreadModel
from inbox.ui.thread.view import ThreadView

BODY = "see https://example.com/a?b=1. and javascript:alert(1)"
URL = "https://example.com/a?b=1"


def _view(qtbot, inbox, *bodies: str, **kw) -> tuple[ThreadView, list[QUrl]]:
    cid = inbox.add_conversation("+14155550101", "Pat")
    for body in bodies:
        inbox.add_message(cid, body, **kw)
    model = ThreadModel(inbox.service)
    view = ThreadView(model)
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    opened: list[QUrl] = []
    view.opener = lambda url: opened.append(url) or True
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    view.doItemsLayout()
    return view, opened


def _geometry(view: ThreadView, row: int = 0):
    idx = view.model().index(row, 0)
    g = view.bubbles.geometry(idx)
    assert g is not None
    return g, view.visualRect(idx).topLeft()


def _on_screen(rect, origin: QPoint) -> QPoint:
    return rect.center().toPoint() + origin


def test_one_http_link_is_found_and_a_click_on_it_opens_it(qtbot, service, inbox):
    view, opened = _view(qtbot, inbox, BODY)
    g, origin = _geometry(view)
    assert [link.url for link in g.links] == [URL]  # javascript: is plain text
    (rect,) = link_rects(g, g.links[0])
    with qtbot.waitSignal(view.link_opened) as sig:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_on_screen(rect, origin))
    assert [u.toString() for u in opened] == [URL]
    assert sig.args == [URL]


def test_clicking_plain_text_or_the_javascript_text_opens_nothing(qtbot, service, inbox):
    view, opened = _view(qtbot, inbox, BODY)
    g, origin = _geometry(view)
    line = g.text.lineAt(0)
    for word in ("see", "javascript:alert(1)"):
        start = BODY.index(word)
        x1, x2 = line.cursorToX(start)[0], line.cursorToX(start + len(word))[0]
        at = QPoint(int((x1 + x2) / 2 + g.text_origin.x()), int(line.y() + line.height() / 2 + g.text_origin.y()))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at + origin)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=g.bubble.bottomRight().toPoint() + origin)
    assert opened == []


def test_a_drag_or_a_right_click_starting_on_a_link_opens_nothing(qtbot, service, inbox):
    view, opened = _view(qtbot, inbox, BODY)
    g, origin = _geometry(view)
    (rect,) = link_rects(g, g.links[0])
    start = _on_screen(rect, origin)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(0, 60))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=start)
    assert opened == []


def test_pointer_and_full_url_tooltip_while_hovering_a_link(qtbot, service, inbox):
    long_url = "https://example.com/" + "segment/" * 30 + "end"
    view, _opened = _view(qtbot, inbox, f"read {long_url} please")
    g, origin = _geometry(view)
    rects = link_rects(g, g.links[0])
    assert len(rects) > 1  # wraps over lines, still one link
    pos = _on_screen(rects[-1], origin)
    qtbot.mouseMove(view.viewport(), pos)
    assert view.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert QToolTip.text() == long_url
    QToolTip.hideText()
    qtbot.mouseMove(view.viewport(), g.bubble.bottomRight().toPoint() + origin + QPoint(-2, -2))
    assert view.viewport().cursor().shape() == Qt.CursorShape.ArrowCursor


def test_context_menu_opens_and_copies_the_link(qtbot, service, inbox):
    view, opened = _view(qtbot, inbox, BODY)
    m = view.thread_model.message(0)
    actions = {a.text(): a for a in view.build_menu(m).actions()}
    assert {"Open link", "Copy link"} <= actions.keys()
    actions["Copy link"].trigger()
    assert QGuiApplication.clipboard().text() == URL
    actions["Open link"].trigger()
    assert [u.toString() for u in opened] == [URL]


def test_a_masked_message_never_shows_or_opens_a_link(qtbot, inbox):
    view, opened = _view(
        qtbot,
        inbox,
        "Your code is 123456 https://example.com/verify",
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="Verification",
        masked=True,
    )
    g, origin = _geometry(view)
    assert g.links == ()
    assert not [a for a in view.build_menu(view.thread_model.message(0)).actions() if "link" in a.text()]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=g.text_origin.toPoint() + origin + QPoint(4, 6))
    assert opened == []


def test_only_openable_urls_reach_the_desktop(qtbot, service, inbox):
    view, opened = _view(qtbot, inbox, "hello")
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "https://"):
        assert view.open_link(url) is False
    assert opened == []


def test_link_colour_reads_on_every_bubble(qtbot, inbox):
    from inbox.ui import theme

    t = theme.tokens()
    assert link_colour("out").name() == t.color("accent_text").name()  # accent bubble: its own text colour
    assert link_colour("in").name() == t.color("accent").name()
