"""The message list: painted bubbles, paging up, sticky bottom, copy and retry.

Why: scrolling must never jump. Older pages are prepended while keeping what the agent is reading
in place; new messages scroll into view only when the agent was already at the bottom, otherwise a
"N new messages ↓" pill appears.

Text is selectable inside one bubble at a time (drag, or double-click a word: an order number
with its "#" is one word); Ctrl+C copies the selection, or the whole message without one. The
selection is painted into the bubble's own text layout rather than by an editor widget, so a
thousand-message thread stays one painted list. Masked codes are never selectable.

Links in customer text are inert until clicked: a left-button click (press and release on the same
link, no drag) hands the URL to the desktop only if ``inbox.core.links.is_openable`` agrees; nothing
is fetched before that (no previews). Hovering shows the full URL and a pointing hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QPointF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from inbox.core import links
from inbox.core.models import AuthorKind, Direction, Message
from inbox.ui import theme
from inbox.ui.qt_compat import emit
from inbox.ui.thread.bubbles import (
    BubbleGeometry,
    BubbleLayouter,
    TextLink,
    can_retry,
    cursor_at,
    link_at,
    on_text,
    paint_bubble,
    text_links,
    utf16_slice,
    word_at,
)
from inbox.ui.thread.model import BadgeRole, DayLabelRole, MessageRole, ThreadModel, shown_text

_Index = QModelIndex | QPersistentModelIndex
LOAD_OLDER_AT = 160  # px from the top


class BubbleDelegate(QStyledItemDelegate):
    """Sizes and paints one message; geometry depends on the viewport width."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self.layouter = BubbleLayouter()
        self.hover_retry_row = -1
        theme.state().changed.connect(self.layouter.clear)

    def geometry(self, index: _Index) -> BubbleGeometry | None:
        m: Message | None = index.data(MessageRole)
        if m is None:
            return None
        return self.layouter.geometry(
            m, index.data(DayLabelRole), self.layout_width(), self._view.font(), index.data(BadgeRole)
        )

    def layout_width(self) -> int:
        """The width bubbles are laid out for: the viewport as if the scroll bar were always there,
        so heights do not change (and rows do not overlap) when the bar appears or disappears."""
        view = self._view
        return max(200, view.contentsRect().width() - view.verticalScrollBar().sizeHint().width())

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        g = self.geometry(index)
        return QSize(self.layout_width(), math.ceil(g.height) if g else 0)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        g = self.geometry(index)
        if g is None:
            return
        painter.save()
        painter.translate(option.rect.topLeft())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        span = self._view.text_span(index.data(MessageRole))
        paint_bubble(painter, g, self._view.font(), selected, index.row() == self.hover_retry_row, span)
        painter.restore()


class ThreadView(QListView):
    """Messages of the open conversation.

    Signals:
        retry_requested(object): the failed ``Message`` to send again.
        copied(str): text placed on the clipboard.
        link_opened(str): a URL the agent clicked (or chose) and that was handed to the desktop.

    ``opener`` is what hands a URL to the desktop (``QDesktopServices.openUrl``); tests replace it.
    """

    retry_requested = Signal(object)
    copied = Signal(str)
    link_opened = Signal(str)

    def __init__(self, model: ThreadModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("threadView")
        self.setAccessibleName("Messages")
        self.thread_model = model
        self.setModel(model)
        self.bubbles = BubbleDelegate(self)
        self.setItemDelegate(self.bubbles)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setMouseTracking(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.opener: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self._pressed_link: tuple[int, TextLink, QPoint] | None = None
        # Text selected inside one bubble: (message id, anchor, cursor) in UTF-16 positions.
        self._text_sel: tuple[int, int, int] | None = None
        self._selecting = False

        self.new_count = 0
        self.pill = QPushButton(self.viewport())
        self.pill.setObjectName("newPill")
        self.pill.setAccessibleName("Jump to new messages")
        self.pill.setCursor(Qt.CursorShape.PointingHandCursor)
        self.pill.clicked.connect(self.jump_to_bottom)
        self.pill.hide()

        self._was_at_bottom = True
        self._anchor: tuple[int, int] | None = None
        model.rowsAboutToBeInserted.connect(self._before_insert)
        model.loaded.connect(self._after_first_page)
        model.older_loaded.connect(self._after_older)
        model.messages_arrived.connect(self._after_arrival)
        model.modelReset.connect(self._reset_pill)
        model.modelReset.connect(self.clear_text_selection)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # -- scroll logic --------------------------------------------------------------------------
    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 8

    def _before_insert(self, _parent: QModelIndex, first: int, _last: int) -> None:
        self._was_at_bottom = self.at_bottom()
        bar = self.verticalScrollBar()
        self._anchor = (bar.maximum(), bar.value()) if first == 0 else None

    def _after_first_page(self) -> None:
        self.doItemsLayout()
        self.scrollToBottom()
        self._reset_pill()
        if self.verticalScrollBar().maximum() == 0:
            self.thread_model.load_older()  # a short page may not fill the pane

    def _after_older(self, added: int) -> None:
        if not added or self._anchor is None:
            return
        old_max, old_value = self._anchor
        self.doItemsLayout()
        bar = self.verticalScrollBar()
        bar.setValue(old_value + (bar.maximum() - old_max))

    def _after_arrival(self, msgs: list[Message]) -> None:
        mine = any(
            m.direction == Direction.OUTBOUND and m.author_kind in (AuthorKind.AGENT, AuthorKind.NOTE) for m in msgs
        )
        self.doItemsLayout()
        if self._was_at_bottom or mine:
            self.scrollToBottom()
            self._reset_pill()
            return
        self.new_count += sum(1 for m in msgs if m.direction == Direction.INBOUND) or len(msgs)
        self.pill.setText(f"{self.new_count} new message{'s' if self.new_count != 1 else ''} ↓")
        self.pill.adjustSize()
        self._place_pill()
        self.pill.show()

    def _reset_pill(self) -> None:
        self.new_count = 0
        self.pill.hide()

    def jump_to_bottom(self) -> None:
        self.scrollToBottom()
        self._reset_pill()

    def _on_scrolled(self, value: int) -> None:
        if value < LOAD_OLDER_AT and self.thread_model.has_older:
            self.thread_model.load_older()
        if self.pill.isVisible() and self.at_bottom():
            self._reset_pill()

    def _place_pill(self) -> None:
        vp = self.viewport()
        self.pill.move((vp.width() - self.pill.width()) // 2, vp.height() - self.pill.height() - 12)

    def resizeEvent(self, e) -> None:
        bottom = self.at_bottom()
        super().resizeEvent(e)
        if e.size().width() != e.oldSize().width():
            # Bubble heights depend on the width: lay out now rather than on Adjust's delayed timer,
            # so no frame (or screenshot) ever shows rows overlapping at their old heights.
            self.doItemsLayout()
        self._place_pill()
        if bottom:
            self.scrollToBottom()

    # -- copy / retry --------------------------------------------------------------------------
    def selected_message(self) -> Message | None:
        idx = self.currentIndex()
        return idx.data(MessageRole) if idx.isValid() else None

    def copy_message(self, m: Message | None) -> None:
        """Copy a message's text (never a masked code's)."""
        if m is None or m.masked:
            return
        QGuiApplication.clipboard().setText(m.body)
        emit(self.copied, m.body)

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            emit(self.copied, text)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.matches(QKeySequence.StandardKey.Copy):
            if self.selected_text():  # the part the agent selected, else the whole message
                self.copy_selection()
            else:
                self.copy_message(self.selected_message())
            return
        super().keyPressEvent(e)

    # -- text selection inside a bubble ----------------------------------------------------------
    def text_span(self, m: Message | None) -> tuple[int, int] | None:
        """The selected span of ``m``'s text, if the selection is in that bubble."""
        if m is None or self._text_sel is None or self._text_sel[0] != m.id:
            return None
        return self._text_sel[1], self._text_sel[2]

    def selected_text(self) -> str:
        """The selected part of a bubble's text ("" without a selection)."""
        if self._text_sel is None:
            return ""
        message_id, anchor, cursor = self._text_sel
        row = self.thread_model.row_of(message_id)
        g = self.bubbles.geometry(self.thread_model.index(row)) if row >= 0 else None
        return utf16_slice(g.text.text(), anchor, cursor) if g is not None else ""

    def clear_text_selection(self) -> None:
        if self._text_sel is not None:
            self._text_sel = None
            self.viewport().update()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Moving to another message (↓, J/K) drops a selection left in the one before: Ctrl+C then
        copies the message the agent is on, never a fragment they can no longer see marked."""
        m: Message | None = current.data(MessageRole) if current.isValid() else None
        if self._text_sel is not None and (m is None or m.id != self._text_sel[0]):
            self.clear_text_selection()

    def select_text(self, message_id: int, start: int, end: int) -> None:
        self._text_sel = (message_id, start, end)
        self.viewport().update()

    def _text_target(self, pos: QPoint) -> tuple[Message, BubbleGeometry, QPointF] | None:
        """The message whose text is under ``pos`` and the item-local point, if selectable."""
        idx = self.indexAt(pos)
        m: Message | None = idx.data(MessageRole) if idx.isValid() else None
        g = self.bubbles.geometry(idx) if m is not None else None
        if m is None or g is None or m.masked:  # a masked code is never selectable or copyable
            return None
        local = (pos - self.visualRect(idx).topLeft()).toPointF()
        return (m, g, local) if on_text(g, local) else None

    def contextMenuEvent(self, e: QContextMenuEvent) -> None:
        keyboard = e.reason() == QContextMenuEvent.Reason.Keyboard
        idx = self.currentIndex() if keyboard else self.indexAt(e.pos())
        m: Message | None = idx.data(MessageRole) if idx.isValid() else None
        if m is None:
            return
        self.setCurrentIndex(idx)
        menu = self.build_menu(m)
        if keyboard:  # the menu key: open it at the selected bubble, not wherever the pointer is
            g = self.bubbles.geometry(idx)
            at = self.visualRect(idx).topLeft() + (g.bubble.center().toPoint() if g else QPoint())
            menu.exec(self.viewport().mapToGlobal(at))
            return
        menu.exec(e.globalPos())

    def build_menu(self, m: Message) -> QMenu:
        menu = QMenu(self)
        if self.text_span(m) and self.selected_text():
            menu.addAction("Copy selection").triggered.connect(self.copy_selection)
        copy = menu.addAction("Copy text")
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setEnabled(not m.masked)
        copy.triggered.connect(lambda: self.copy_message(m))
        self._add_link_actions(menu, text_links(m))
        if can_retry(m):
            retry = menu.addAction("Retry sending")
            retry.triggered.connect(lambda: emit(self.retry_requested, m))
        return menu

    def _add_link_actions(self, menu: QMenu, found: tuple[TextLink, ...]) -> None:
        """Adds "Open link" / "Copy link" (a submenu each when the message has several links)."""
        if not found:
            return
        if len(found) == 1:
            url = found[0].url
            menu.addAction("Open link").triggered.connect(lambda: self.open_link(url))
            menu.addAction("Copy link").triggered.connect(lambda: self.copy_link(url))
            return
        opens, copies = menu.addMenu("Open link"), menu.addMenu("Copy link")
        for link in found:
            label = _elided(link.url)
            opens.addAction(label).triggered.connect(lambda _=False, u=link.url: self.open_link(u))
            copies.addAction(label).triggered.connect(lambda _=False, u=link.url: self.copy_link(u))

    # -- links ---------------------------------------------------------------------------------
    def open_link(self, url: str) -> bool:
        """Hand ``url`` to the desktop, only if it is a plain http(s) address."""
        if not links.is_openable(url):
            return False
        qurl = QUrl(url)
        if not qurl.isValid() or qurl.scheme().lower() not in ("http", "https"):
            return False
        opened = bool(self.opener(qurl))
        if opened:
            emit(self.link_opened, url)
        return opened

    def copy_link(self, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        emit(self.copied, url)

    def link_hit(self, pos: QPoint) -> tuple[int, TextLink] | None:
        """The row and link whose glyphs are under ``pos`` (viewport coordinates)."""
        idx = self.indexAt(pos)
        if not idx.isValid():
            return None
        g = self.bubbles.geometry(idx)
        if g is None or not g.links:
            return None
        link = link_at(g, (pos - self.visualRect(idx).topLeft()).toPointF())
        return (idx.row(), link) if link is not None else None

    def _retry_hit(self, pos: QPoint) -> Message | None:
        idx = self.indexAt(pos)
        if not idx.isValid():
            return None
        g = self.bubbles.geometry(idx)
        m: Message | None = idx.data(MessageRole)
        if g is None or m is None or g.retry_rect is None:
            return None
        local = pos - self.visualRect(idx).topLeft()
        return m if g.retry_rect.contains(local.toPointF()) else None

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        pos = e.position().toPoint()
        if self._selecting and e.buttons() & Qt.MouseButton.LeftButton and self._text_sel is not None:
            self._drag_selection(pos)
            return  # the drag selects text; it does not move the current item
        hit = self._retry_hit(pos)
        row = self.indexAt(pos).row() if hit else -1
        if row != self.bubbles.hover_retry_row:
            self.bubbles.hover_retry_row = row
            self.viewport().update()
        pointer = hit is not None or self.link_hit(pos) is not None
        shape = Qt.CursorShape.PointingHandCursor if pointer else Qt.CursorShape.ArrowCursor
        if not pointer and self._text_target(pos) is not None:
            shape = Qt.CursorShape.IBeamCursor
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)
        super().mouseMoveEvent(e)

    def mousePressEvent(self, e: QMouseEvent) -> None:
        pos = e.position().toPoint()
        left = e.button() == Qt.MouseButton.LeftButton
        hit = self.link_hit(pos) if left else None
        self._pressed_link = (hit[0], hit[1], pos) if hit else None
        if left:
            target = self._text_target(pos)
            if target is not None:
                m, g, local = target
                at = cursor_at(g, local)
                self._selecting = True
                self.select_text(m.id, at, at)
            else:
                self.clear_text_selection()
        super().mousePressEvent(e)

    def _drag_selection(self, pos: QPoint) -> None:
        assert self._text_sel is not None
        message_id, anchor, _ = self._text_sel
        row = self.thread_model.row_of(message_id)
        if row < 0:
            self.clear_text_selection()
            return
        idx = self.thread_model.index(row)
        g = self.bubbles.geometry(idx)
        if g is None:
            return
        local = (pos - self.visualRect(idx).topLeft()).toPointF()
        self.select_text(message_id, anchor, cursor_at(g, local))
        if self._pressed_link is not None and (pos - self._pressed_link[2]).manhattanLength() >= (
            QApplication.startDragDistance()
        ):
            self._pressed_link = None  # a drag that began on a link selects; it does not open

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        super().mouseDoubleClickEvent(e)  # first: Qt may replay it as a press, which resets the selection
        target = self._text_target(e.position().toPoint()) if e.button() == Qt.MouseButton.LeftButton else None
        if target is not None:
            m, g, local = target
            start, end = word_at(g.text.text(), cursor_at(g, local))
            self.select_text(m.id, start, end)
            self._selecting = False

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        pos = e.position().toPoint()
        if e.button() == Qt.MouseButton.LeftButton:
            self._selecting = False
        hit = self._retry_hit(pos)
        if hit is not None and e.button() == Qt.MouseButton.LeftButton:
            emit(self.retry_requested, hit)
        pressed, self._pressed_link = self._pressed_link, None
        if pressed is not None and e.button() == Qt.MouseButton.LeftButton:
            row, link, at = pressed
            moved = (pos - at).manhattanLength() >= QApplication.startDragDistance()
            if not moved and self.link_hit(pos) == (row, link):
                self.open_link(link.url)
        super().mouseReleaseEvent(e)

    def viewportEvent(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            hit = self.link_hit(e.pos())
            if hit is not None:
                QToolTip.showText(e.globalPos(), hit[1].url, self.viewport())
                return True
        return super().viewportEvent(e)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.LayoutDirectionChange:
            self.bubbles.layouter.clear()
        return super().event(e)


def _elided(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def bubble_text(m: Message) -> str:
    """What the bubble shows (masked → bullets); re-exported for tests."""
    return shown_text(m)
