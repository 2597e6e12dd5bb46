"""The review queue as a table model: bounded (the reports layer returns at most ``limit`` threads).

Why bounded rather than paged: the queue is sorted by the longest wait, which the reports layer has
to compute for every matching thread anyway; a supervisor reads the worst few hundred, not all.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from inbox.core import phone
from inbox.reports.review import ReviewItem
from inbox.ui import humanize, theme
from inbox.ui.supervisor.formatting import EMPTY, duration

ItemRole = Qt.ItemDataRole.UserRole + 1
QUEUE_LIMIT = 200
COLUMNS = ("Customer", "Channel", "Agent", "Status", "Labels", "Longest wait", "Waiting now", "Reviews", "Flags")

_Index = QModelIndex | QPersistentModelIndex


def flags_text(item: ReviewItem) -> str:
    c = item.conversation
    parts = []
    if c.opted_out:
        parts.append("Opted out")
    if c.flagged:
        parts.append("Possible opt-out")
    if c.failed_delivery:
        parts.append("Failed delivery")
    return " · ".join(parts)


class ReviewQueueModel(QAbstractTableModel):
    """Rows are ``ReviewItem`` (longest wait first, as the reports layer sorts them)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[ReviewItem] = []
        self.now: datetime | None = None

    def set_items(self, items: tuple[ReviewItem, ...], now: datetime) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.now = now
        self.endResetModel()

    def item(self, row: int) -> ReviewItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def text(self, row: int, column: int) -> str:
        it = self.items[row]
        c = it.conversation
        if column == 0:
            return humanize.contact_title(c)
        if column == 1:
            return c.channel_name
        if column == 2:
            return c.assignee or "Unassigned"
        if column == 3:
            return c.status.value.title()
        if column == 4:
            return ", ".join(it.labels)
        if column == 5:
            return duration(it.longest_wait_seconds)
        if column == 6:
            if c.waiting_since is None or c.status.value == "resolved" or self.now is None:
                return EMPTY
            return duration((self.now - c.waiting_since).total_seconds())
        if column == 7:
            return str(it.reviews) if it.reviews else ""
        return flags_text(it)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        row, col = index.row(), index.column()
        it = self.items[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, col)
        if role == ItemRole:
            return it
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return phone.display(it.conversation.contact_phone)
            if col == 7 and it.last_review is not None:
                return f"Last review by {it.last_review.reviewer}: {it.last_review.note}"
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            t = theme.tokens()
            if col == 8:
                return t.color("danger")
            if col == 5 and (it.longest_wait_seconds or 0) >= 3600:
                return t.color("warning")
            c = it.conversation
            if col == 6 and c.waiting_since and self.now and (self.now - c.waiting_since).total_seconds() >= 3600:
                return t.color("warning")
            if col in (1, 4):
                return t.color("muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (5, 6, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
