"""The conversation list as a paged Qt model.

Why: an inbox can hold many thousands of conversations; the list loads one page at a time through
``canFetchMore``/``fetchMore`` (on the op worker), and change events refresh only the rows they
name, placing new or re-sorted rows where the filter's sort puts them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from inbox.core.models import ConversationSummary
from inbox.engine.service import ConversationFilter, InboxService
from inbox.ui import humanize, ops
from inbox.ui.conversations.filtering import matches, sort_key
from inbox.ui.qt_compat import emit

SummaryRole = Qt.ItemDataRole.UserRole + 1
IdRole = Qt.ItemDataRole.UserRole + 2
PreviewRole = Qt.ItemDataRole.UserRole + 3  # the last message as the row shows it ("Alice: …")

PAGE_SIZE = 100

_Index = QModelIndex | QPersistentModelIndex


class ConversationListModel(QAbstractListModel):
    """Rows of ``ConversationSummary``, loaded page by page, updated by id.

    Signals:
        loading_changed(bool): a page request started or finished.
        page_loaded(int): rows added by a page (0 when the list is exhausted).
        rows_refreshed(object): ids of rows updated from a change event.
    """

    loading_changed = Signal(bool)
    page_loaded = Signal(int)
    rows_refreshed = Signal(object)

    def __init__(self, service: InboxService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._filter = ConversationFilter(view="open", agent=service.agent)
        self._rows: list[ConversationSummary] = []
        self._exhausted = False
        self._loading = False
        self._generation = 0  # bumps on filter change so stale pages are dropped
        self.page_requests = 0
        self._held = False
        self._deferred: dict[int, ConversationSummary | None] = {}  # re-placed when the hold ends

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        if role == SummaryRole:
            return s
        if role == IdRole:
            return s.id
        if role == Qt.ItemDataRole.DisplayRole:
            return humanize.contact_title(s)
        if role == PreviewRole:
            return s.preview_for(self._service.agent)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            unread = f", {s.unread_count} unread" if s.unread_count else ""
            mention = ", a note mentions you" if s.mentions_unseen_by(self._service.agent) else ""
            return f"{humanize.contact_title(s)}{unread}{mention}: {s.preview_for(self._service.agent)}"
        return None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._set_loading(True)
        gen, flt, offset = self._generation, self._filter, len(self._rows)
        self.page_requests += 1
        ops.run_op(
            self,
            lambda: self._service.conversations_page(flt, offset, PAGE_SIZE),
            lambda rows: self._on_page(gen, offset, rows),
            lambda _exc: self._on_page_failed(gen),
            label="Loading conversations",
        )

    # -- public API ----------------------------------------------------------------------------
    @property
    def filter(self) -> ConversationFilter:
        return self._filter

    @property
    def generation(self) -> int:
        """Bumps when the list starts over; a reload read before that is dropped on arrival."""
        return self._generation

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def loading(self) -> bool:
        return self._loading

    def set_filter(self, flt: ConversationFilter) -> None:
        """Start over with another view or sort; the first page loads right away."""
        self._generation += 1
        self._deferred.clear()  # the new view's first page reads the current rows anyway
        self.beginResetModel()
        self._filter = flt
        self._rows = []
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self.fetchMore()

    def reload(self) -> None:
        self.set_filter(self._filter)

    def summary(self, row: int) -> ConversationSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, conversation_id: int) -> int:
        return next((i for i, s in enumerate(self._rows) if s.id == conversation_id), -1)

    def refresh(self, ids: Iterable[int]) -> None:
        """Reload only these conversations (from a ConversationsChanged event)."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        gen = self._generation
        ops.run_op(
            self,
            lambda: self._service.conversation_summaries(wanted),
            lambda rows: self.apply_summaries(wanted, rows, gen),
            label="Refreshing conversations",
        )

    @property
    def held(self) -> bool:
        return self._held

    def hold(self, held: bool) -> None:
        """While held (the pointer is over the list, or a button is down) rows keep their places:
        changes update rows where they stand, and the moves, insertions and removals they call for
        wait until the hold ends. A new text reordering the rows under the pointer made a click
        open the wrong conversation."""
        if held == self._held:
            return
        self._held = held
        if not held and self._deferred:
            deferred, self._deferred = self._deferred, {}
            self._settle(deferred)

    def apply_summaries(self, ids: list[int], rows: list[ConversationSummary], gen: int | None = None) -> None:
        """Update, move, insert or drop rows so the list matches the filter and its sort."""
        if gen is not None and gen != self._generation:
            return
        fresh = {s.id: s for s in rows}
        if self._held:
            self._apply_in_place(ids, fresh)
            return
        for cid in ids:
            row = self.row_of(cid)
            s = fresh.get(cid)
            keep = s is not None and matches(self._filter, s, self._service.agent)
            if row >= 0 and not keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
            elif row >= 0 and s is not None:
                self._update_row(row, s)
            elif keep and s is not None:
                pos = self._insert_position(s)
                if pos == len(self._rows) and not self._exhausted:
                    continue  # belongs further down: a later page will bring it
                self.beginInsertRows(QModelIndex(), pos, pos)
                self._rows.insert(pos, s)
                self.endInsertRows()
        emit(self.rows_refreshed, frozenset(ids))

    # -- internals -----------------------------------------------------------------------------
    def _apply_in_place(self, ids: list[int], fresh: dict[int, ConversationSummary]) -> None:
        """The held form of ``apply_summaries``: a row on screen shows its new content where it
        stands; where it belongs (or whether it belongs at all) is settled when the hold ends."""
        for cid in ids:
            s = fresh.get(cid)
            self._deferred[cid] = s
            row = self.row_of(cid)
            if row >= 0 and s is not None:
                self._rows[row] = s
                idx = self.index(row)
                emit(self.dataChanged, idx, idx)
        emit(self.rows_refreshed, frozenset(ids))

    def _settle(self, deferred: dict[int, ConversationSummary | None]) -> None:
        """After a hold: drop the rows that left the view, re-sort by moves (several rows may be
        out of place at once, so one-by-one bisection would misplace them; moves keep the
        selection on its row), then insert the newcomers."""
        agent = self._service.agent
        for cid, s in deferred.items():
            row = self.row_of(cid)
            if row >= 0 and (s is None or not matches(self._filter, s, agent)):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        target = sorted(self._rows, key=lambda r: sort_key(self._filter, r))
        for i, want in enumerate(target):
            j = next(k for k in range(i, len(self._rows)) if self._rows[k].id == want.id)
            if j != i:
                self.beginMoveRows(QModelIndex(), j, j, QModelIndex(), i)
                self._rows.insert(i, self._rows.pop(j))
                self.endMoveRows()
        for cid, s in deferred.items():
            if s is not None and self.row_of(cid) < 0 and matches(self._filter, s, agent):
                pos = self._insert_position(s)
                if pos == len(self._rows) and not self._exhausted:
                    continue  # belongs further down: a later page will bring it
                self.beginInsertRows(QModelIndex(), pos, pos)
                self._rows.insert(pos, s)
                self.endInsertRows()
        emit(self.rows_refreshed, frozenset(deferred))

    def _insert_position(self, s: ConversationSummary, skip: int = -1) -> int:
        """Where ``s`` sorts among the rows, ignoring row ``skip`` (its own old place)."""
        keys = [sort_key(self._filter, r) for i, r in enumerate(self._rows) if i != skip]
        return bisect.bisect_left(keys, sort_key(self._filter, s))

    def _update_row(self, row: int, s: ConversationSummary) -> None:
        """Replace a row in place, moving it when its sort position changed."""
        target = self._insert_position(s, skip=row)
        if target != row:
            dest = target if target < row else target + 1  # Qt counts before removal
            self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
            del self._rows[row]
            self._rows.insert(target, s)
            self.endMoveRows()
            row = target
        self._rows[row] = s
        idx = self.index(row)
        emit(self.dataChanged, idx, idx)

    def _set_loading(self, value: bool) -> None:
        if self._loading != value:
            self._loading = value
            emit(self.loading_changed, value)

    def _on_page(self, gen: int, offset: int, rows: list[ConversationSummary]) -> None:
        if gen != self._generation:
            return
        self._set_loading(False)
        if len(rows) < PAGE_SIZE:
            self._exhausted = True
        known = {s.id for s in self._rows}
        rows = [r for r in rows if r.id not in known]  # a change event may have inserted it already
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        emit(self.page_loaded, len(rows))

    def _on_page_failed(self, gen: int) -> None:
        if gen == self._generation:
            self._set_loading(False)
