"""The rows of the `/` canned-replies popup: each reply wrapped over up to three lines, the rest
elided, the whole text in its tooltip.

Why: a one-line row cut every reply after forty characters, so two replies that start alike
("Your order has shipped…", "Your order has been refunded…") looked the same. Three lines read most
replies whole; a longer one ends in "…" and shows in full on hover.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QHelpEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from inbox.ui import theme
from inbox.ui.text_layout import lay_out

MAX_LINES = 3
PAD_X, PAD_Y = 10, 6
_Index = QModelIndex | QPersistentModelIndex


def shown_lines(text: str, font, width: float) -> list[str]:
    """The lines a row shows for ``text`` at ``width``: all of them if they fit in MAX_LINES, else
    the first ones with the last elided ("…")."""
    flat = " ".join(text.split())
    layout, _ = lay_out(flat, font, width, align_to_direction=False)
    lines = [flat[layout.lineAt(i).textStart() :][: layout.lineAt(i).textLength()] for i in range(layout.lineCount())]
    if len(lines) <= MAX_LINES:
        return [line.rstrip() for line in lines]
    rest = flat[layout.lineAt(MAX_LINES - 1).textStart() :]
    last = QFontMetricsF(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return [line.rstrip() for line in lines[: MAX_LINES - 1]] + [last]


class CannedPopupDelegate(QStyledItemDelegate):
    """Wrapped rows of at most MAX_LINES, selection in the accent's soft tint, full text on hover."""

    def _width(self, option: QStyleOptionViewItem) -> float:
        view = self.parent()
        w = view.viewport().width() if isinstance(view, QAbstractItemView) else option.rect.width()
        return max(80.0, w - 2 * PAD_X)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        lines = shown_lines(str(index.data() or ""), option.font, self._width(option))
        return QSize(int(self._width(option)), int(len(lines) * QFontMetricsF(option.font).lineSpacing() + 2 * PAD_Y))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        t = theme.tokens()
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, t.color("accent_soft"))
        painter.setFont(option.font)
        painter.setPen(t.color("text"))
        fm = QFontMetricsF(option.font)
        y = option.rect.top() + PAD_Y
        for line in shown_lines(str(index.data() or ""), option.font, self._width(option)):
            painter.drawText(QRectF(option.rect.left() + PAD_X, y, self._width(option), fm.lineSpacing()), line)
            y += fm.lineSpacing()
        painter.restore()

    def helpEvent(
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem, index: _Index
    ) -> bool:
        """The tooltip is the reply as saved, whole."""
        if event is not None and index.isValid():
            QToolTip.showText(event.globalPos(), str(index.data() or ""), view)
            return True
        return super().helpEvent(event, view, option, index)


def fit_popup(popup: QListView, visible: int, anchor: QWidget) -> None:
    """After ``QCompleter.complete`` (which sizes the popup as if every row were as tall as the
    first): lay the rows out at the popup's width and make it as tall as its first ``visible`` rows,
    keeping the edge that touches the composer where it is."""
    popup.doItemsLayout()
    rows = min(visible, popup.model().rowCount())
    if rows <= 0:
        return
    height = sum(popup.sizeHintForRow(i) for i in range(rows)) + 2 * popup.frameWidth()
    g = popup.geometry()
    above = g.top() < anchor.mapToGlobal(QPoint(0, 0)).y()  # QCompleter put it over the editor, not under
    popup.setGeometry(g.left(), g.bottom() + 1 - height if above else g.top(), g.width(), height)
