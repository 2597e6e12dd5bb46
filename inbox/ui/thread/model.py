"""The open conversation's messages, paged from the newest backwards.

Why: a thread can be years long. The first page is the newest ``PAGE_SIZE`` messages; scrolling up
asks for the page before the oldest loaded id. Change events reload only the messages they name.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from inbox.core.models import Direction, Message, MessageKind, MessageStatus
from inbox.engine.service import InboxService
from inbox.ui import humanize, ops
from inbox.ui.qt_compat import emit

MessageRole = Qt.ItemDataRole.UserRole + 1
DayLabelRole = Qt.ItemDataRole.UserRole + 2
BadgeRole = Qt.ItemDataRole.UserRole + 3  # "Code sent" / "Code matched" on masked verification messages
PAGE_SIZE = 50
MASK = "••••••"

_Index = QModelIndex | QPersistentModelIndex


def shown_text(m: Message) -> str:
    """What an agent may see of a message: masked codes are bullets, never the body."""
    return MASK if m.masked else m.body


# The verdict the verification engine stored on its answer to a code (`Message.kind`), as a badge.
# The kind is written with the message, so rewording the customer's text never changes a badge.
_VERDICTS = {
    MessageKind.CODE_MATCHED: "Code matched",
    MessageKind.CODE_WRONG: "Wrong code",
    MessageKind.CODE_LOCKED: "Wrong code · locked",
    MessageKind.CODE_EXPIRED: "Code expired",
    MessageKind.CODE_REUSED: "Code already used",
    MessageKind.CODE_VOID: "Code received",
}


def code_badge(rows: list[Message], row: int) -> str | None:
    """What a masked message was: "Code sent" (our MT) or the verdict on a code the customer texted,
    read from the kind of the verification engine's automatic answer that follows it."""
    m = rows[row]
    if not m.masked:
        return None
    if m.direction is Direction.OUTBOUND:
        return "Code sent"
    for later in rows[row + 1 : row + 6]:
        if later.direction is Direction.INBOUND:
            break
        if later.kind in _VERDICTS:
            return _VERDICTS[later.kind]
    return "Code received"


def is_failed(m: Message) -> bool:
    return m.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


class ThreadModel(QAbstractListModel):
    """Messages of one conversation, oldest first.

    Signals:
        loaded(): the newest page of a newly opened conversation arrived.
        older_loaded(int): rows prepended by a backwards page.
        messages_arrived(object): list of brand-new ``Message`` rows appended or inserted.
    """

    loaded = Signal()
    older_loaded = Signal(int)
    messages_arrived = Signal(object)

    def __init__(self, service: InboxService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._rows: list[Message] = []
        self.conversation_id: int | None = None
        self.has_older = False
        self.loading_older = False
        self._generation = 0

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    @property
    def generation(self) -> int:
        """Bumps when another conversation opens; messages read before that are dropped on arrival."""
        return self._generation

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        m = self._rows[index.row()]
        if role == MessageRole:
            return m
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return shown_text(m)
        if role == DayLabelRole:
            return self._day_label(index.row())
        if role == BadgeRole:
            return code_badge(self._rows, index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            if is_failed(m):
                return m.error_message or "Not delivered"
            if m.masked:
                return "Verification code: hidden from agents"
        return None

    def _day_label(self, row: int) -> str | None:
        m = self._rows[row]
        if row > 0 and humanize.local(self._rows[row - 1].created_at).date() == humanize.local(m.created_at).date():
            return None
        return humanize.day_label(m.created_at)

    # -- loading -------------------------------------------------------------------------------
    def message(self, row: int) -> Message | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def newest_id(self) -> int | None:
        """The newest message shown (ids are arrival order): what a reply is written against."""
        return max((m.id for m in self._rows), default=None)

    def row_of(self, message_id: int) -> int:
        """The row showing ``message_id``, or -1 (rows shift when older pages are prepended)."""
        for row in range(len(self._rows) - 1, -1, -1):  # selections are usually near the bottom
            if self._rows[row].id == message_id:
                return row
        return -1

    def load(self, conversation_id: int | None) -> None:
        """Show another conversation: clear, then fetch its newest page."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self.conversation_id = conversation_id
        self.has_older = False
        self.loading_older = False
        self.endResetModel()
        if conversation_id is None:
            return
        gen = self._generation
        ops.run_op(
            self,
            lambda: self._service.thread_page(conversation_id, None, PAGE_SIZE),
            lambda msgs: self._on_first_page(gen, msgs),
            label="Loading messages",
        )

    def _on_first_page(self, gen: int, msgs: list[Message]) -> None:
        if gen != self._generation:
            return
        self.has_older = len(msgs) >= PAGE_SIZE
        if msgs:
            self.beginInsertRows(QModelIndex(), 0, len(msgs) - 1)
            self._rows = list(msgs)
            self.endInsertRows()
        emit(self.loaded)

    def load_older(self) -> None:
        """Fetch the page before the oldest loaded message (scrolling up)."""
        if not self.has_older or self.loading_older or not self._rows or self.conversation_id is None:
            return
        self.loading_older = True
        gen, cid, before = self._generation, self.conversation_id, self._rows[0].id
        ops.run_op(
            self,
            lambda: self._service.thread_page(cid, before, PAGE_SIZE),
            lambda msgs: self._on_older(gen, msgs),
            lambda _e: setattr(self, "loading_older", False),
            label="Loading older messages",
        )

    def _on_older(self, gen: int, msgs: list[Message]) -> None:
        if gen != self._generation:
            return
        self.loading_older = False
        self.has_older = len(msgs) >= PAGE_SIZE
        known = {m.id for m in self._rows}
        msgs = [m for m in msgs if m.id not in known]
        if msgs:
            self.beginInsertRows(QModelIndex(), 0, len(msgs) - 1)
            self._rows[0:0] = msgs
            self.endInsertRows()
            if len(self._rows) > len(msgs):  # the row that was first may lose its day separator
                idx = self.index(len(msgs))
                emit(self.dataChanged, idx, idx)
        emit(self.older_loaded, len(msgs))

    def refresh(self, message_ids: Iterable[int]) -> None:
        """Reload the named messages (status changes, new arrivals) without touching the rest."""
        ids = sorted(set(message_ids))
        if not ids or self.conversation_id is None:
            return
        gen = self._generation
        ops.run_op(
            self,
            lambda: self._service.messages(ids),
            lambda msgs: self.apply_messages(msgs, gen),
            label="Refreshing messages",
        )

    def _mark_retried(self, message_id: int) -> None:
        """A Retry's copy landed (sent here or on another desktop): its original loses its Retry."""
        row = next((i for i, r in enumerate(self._rows) if r.id == message_id), -1)
        if row >= 0 and not self._rows[row].retried:
            self._rows[row] = replace(self._rows[row], retried=True)
            idx = self.index(row)
            emit(self.dataChanged, idx, idx)

    def apply_messages(self, msgs: list[Message], gen: int | None = None) -> None:
        """Replace known rows, insert new ones in time order; emits ``messages_arrived``."""
        if gen is not None and gen != self._generation:
            return
        arrived: list[Message] = []
        for m in sorted(msgs, key=lambda m: (m.created_at, m.id)):
            if m.conversation_id != self.conversation_id:
                continue
            if m.retry_of_id is not None:
                self._mark_retried(m.retry_of_id)
            row = next((i for i, r in enumerate(self._rows) if r.id == m.id), -1)
            if row >= 0:
                self._rows[row] = m
                idx = self.index(row)
                emit(self.dataChanged, idx, idx)
                continue
            keys = [(r.created_at, r.id) for r in self._rows]
            pos = bisect.bisect_left(keys, (m.created_at, m.id))
            if pos == 0 and self.has_older and self._rows:
                continue  # older than what is loaded: the page above will bring it
            self.beginInsertRows(QModelIndex(), pos, pos)
            self._rows.insert(pos, m)
            self.endInsertRows()
            if pos + 1 < len(self._rows):
                nxt = self.index(pos + 1)
                emit(self.dataChanged, nxt, nxt)
            arrived.append(m)
        if arrived:
            emit(self.messages_arrived, arrived)
