"""Ctrl+K: find any message by its text and jump to its conversation.

Why: the search runs on the worker (``service.search`` is a literal full-text query), debounced
while typing; results are painted as plain text and opening one selects the conversation.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from inbox.engine.service import InboxService, SearchHit
from inbox.ui import humanize, ops, theme
from inbox.ui.qt_compat import emit

HitRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class HitModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        h = self.hits[index.row()]
        if role == HitRole:
            return h
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{humanize.contact_title(None, h.contact_name, h.contact_phone)}: {h.body}"
        return None

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()


class HitDelegate(QStyledItemDelegate):
    """Name + time on one line, the matching text elided below."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(400, 52)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        h: SearchHit | None = index.data(HitRole)
        if h is None:
            return
        t = theme.tokens()
        r = QRectF(option.rect).adjusted(8, 2, -8, -2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.color("accent_soft"))
            painter.drawRoundedRect(r, 8, 8)
        inner = r.adjusted(12, 6, -12, -6)
        name_font = theme.semibold(QFont(option.font))
        meta = theme.meta_font(option.font)
        when = humanize.relative_time(h.created_at)
        painter.setFont(meta)
        painter.setPen(t.color("muted"))
        painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, when)
        tw = QFontMetricsF(meta).horizontalAdvance(when) + 8
        painter.setFont(name_font)
        painter.setPen(t.color("text"))
        title = humanize.contact_title(None, h.contact_name, h.contact_phone)
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width() - tw, 20),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            QFontMetricsF(name_font).elidedText(title, Qt.TextElideMode.ElideRight, inner.width() - tw),
        )
        painter.setFont(option.font)
        painter.setPen(t.color("muted"))
        body = QFontMetricsF(option.font).elidedText(
            humanize.one_line(h.body), Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(
            QRectF(inner.left(), inner.top() + 20, inner.width(), 20),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            body,
        )
        painter.restore()


class SearchDialog(QDialog):
    """Type to search; ↓/↑ to pick; Enter opens.

    Signals:
        hit_opened(object): the chosen ``SearchHit``.
    """

    hit_opened = Signal(object)

    def __init__(self, service: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search messages")
        self.setModal(True)
        self.resize(560, 440)
        self._service = service
        self._serial = 0
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Search all messages…")
        self.edit.setAccessibleName("Search messages")
        self.edit.setClearButtonEnabled(True)
        self.model = HitModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setItemDelegate(HitDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setAccessibleName("Search results")
        self.list.activated.connect(self._open_index)
        self.hint = QLabel("Type to search message text.", self)
        self.hint.setProperty("role", "muted")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        lay.setSpacing(8)
        lay.addWidget(self.edit)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.hint)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(180)
        self.timer.timeout.connect(self.run_search)
        self.edit.textChanged.connect(lambda _t: self.timer.start())
        self.edit.returnPressed.connect(self.open_current)
        self.edit.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                rows = self.model.rowCount()
                if rows:
                    cur = self.list.currentIndex().row()
                    step = 1 if event.key() == Qt.Key.Key_Down else -1
                    self.list.setCurrentIndex(self.model.index(max(0, min(rows - 1, cur + step))))
                return True
        return super().eventFilter(obj, event)

    def run_search(self) -> None:
        query = self.edit.text().strip()
        self._serial += 1
        serial = self._serial
        if not query:
            self.model.set_hits([])
            self.hint.setText("Type to search message text.")
            return
        self.hint.setText("Searching…")
        ops.run_op(
            self,
            lambda: self._service.search(query),
            lambda hits: self._show(serial, hits),
            lambda _e: self.hint.setText("Search failed."),
            label="Searching",
        )

    def _show(self, serial: int, hits: list[SearchHit]) -> None:
        if serial != self._serial:
            return
        self.model.set_hits(hits)
        if hits:
            self.list.setCurrentIndex(self.model.index(0))
        n = len(hits)
        self.hint.setText(f"{n} result{'s' if n != 1 else ''} · Enter to open · Esc to close" if n else "No results.")

    def open_current(self) -> None:
        idx = self.list.currentIndex()
        if idx.isValid():
            self._open_index(idx)

    def _open_index(self, idx: QModelIndex) -> None:
        hit = idx.data(HitRole)
        if hit is not None:
            emit(self.hit_opened, hit)
            self.accept()
