"""The left pane: filter segments, sort, the paged list, and a teaching empty state.

Why: one widget owns the list so the main window only wires signals. The filter row is a compact
segmented control (Ctrl+1…8) because agents flip views all day.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QStackedWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from inbox.core import phone
from inbox.core.models import ConversationSummary
from inbox.core.presence import Here
from inbox.engine.service import ConversationFilter, InboxService
from inbox.ui import ops, theme
from inbox.ui.conversations.delegate import ConversationRowDelegate, markers, presence_marker
from inbox.ui.conversations.filtering import VIEWS
from inbox.ui.conversations.model import ConversationListModel, SummaryRole
from inbox.ui.qt_compat import emit

MORE_VIEWS = ("pending", "snoozed", "resolved", "mentions")  # behind "More ▾" so the row fits 320 px
QUIET_MS = 2000  # a pointer resting this long over the list lets the rows settle


class RowHold(QObject):
    """Holds the list's rows in place while the pointer is over it or a button is down.

    Why: rows re-sort as texts arrive; under a moving pointer that turns a click into a click on
    another conversation. The rows settle when the pointer leaves, or once it has rested for
    ``QUIET_MS`` with no button down (a pointer parked over the list must not freeze it forever);
    any movement holds them again. The row under the pointer at press stays there until release.
    """

    _EVENTS = (
        QEvent.Type.Enter,
        QEvent.Type.HoverEnter,
        QEvent.Type.Leave,
        QEvent.Type.MouseMove,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.Wheel,
    )

    def __init__(self, view: QListView, model: ConversationListModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._pressed = False
        self.quiet = QTimer(self)
        self.quiet.setSingleShot(True)
        self.quiet.setInterval(QUIET_MS)
        self.quiet.timeout.connect(self._settle)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in self._EVENTS:
            return False
        if kind == QEvent.Type.Leave:
            if not self._pressed:
                self.quiet.stop()
                self._model.hold(False)
            return False
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            self._pressed = True
        elif kind == QEvent.Type.MouseButtonRelease:
            self._pressed = False
            if not self._view.viewport().rect().contains(event.position().toPoint()):  # type: ignore[attr-defined]
                self._model.hold(False)
                return False
        self._model.hold(True)
        self.quiet.start()
        return False

    def _settle(self) -> None:
        if not self._pressed:
            self._model.hold(False)


class ConversationListView(QListView):
    """The list itself; tooltips explain the marker icons."""

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            idx = self.indexAt(event.pos())
            s: ConversationSummary | None = idx.data(SummaryRole) if idx.isValid() else None
            if s is not None:
                delegate = self.itemDelegate()
                here = getattr(delegate, "here", {}).get(s.id)
                tips = [tip for _i, _c, tip in markers(s, getattr(delegate, "me", "")) + presence_marker(here)]
                text = " · ".join([phone.display(s.contact_phone), s.status.value.title(), *tips])
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().viewportEvent(event)


class ConversationListPane(QWidget):
    """Filters + list.

    Signals:
        conversation_selected(object): the ``ConversationSummary`` of the newly current row.
        conversation_activated(object): Enter/double-click on a row (focus the thread).
        filter_changed(object): the new ``ConversationFilter``.
    """

    conversation_selected = Signal(object)
    conversation_activated = Signal(object)
    filter_changed = Signal(object)

    def __init__(self, service: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationPane")
        self._service = service
        self._channel_number: str | None = None
        self.model = ConversationListModel(service, self)

        bar = QWidget(self)
        bar.setObjectName("filterBar")
        bar_layout = QVBoxLayout(bar)
        bar_layout.setContentsMargins(8, 8, 8, 8)
        bar_layout.setSpacing(4)
        seg_row = QHBoxLayout()
        seg_row.setSpacing(2)
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[str, QToolButton] = {}
        self.more_button = QToolButton(bar)
        self.more_button.setObjectName("segment")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setAccessibleName("More filters")
        self.more_button.setToolTip("Pending (Ctrl+4), Snoozed (Ctrl+5), Resolved (Ctrl+6), Mentions (Ctrl+8)")
        self.more_button.setFont(theme.meta_font(self.more_button.font()))
        more_menu = QMenu(self.more_button)
        self.more_button.setMenu(more_menu)
        for n, (view, label) in enumerate(VIEWS, start=1):
            b = QToolButton(bar)
            b.setObjectName("segment")
            b.setText(label)
            b.setCheckable(True)
            b.setToolTip(f"{label} (Ctrl+{n})")
            b.setAccessibleName(
                "Show conversations that mention me" if view == "mentions" else f"Show {label.lower()} conversations"
            )
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setFont(theme.meta_font(b.font()))
            self.filter_group.addButton(b)
            self.filter_buttons[view] = b
            b.clicked.connect(lambda _=False, v=view: self.set_view(v))
            if view in MORE_VIEWS:
                b.hide()
                act = more_menu.addAction(f"{label}\tCtrl+{n}")
                act.triggered.connect(lambda _=False, v=view: self.set_view(v))
            else:
                seg_row.addWidget(b)
        seg_row.insertWidget(3, self.more_button)
        seg_row.addStretch(1)
        bar_layout.addLayout(seg_row)

        sort_row = QHBoxLayout()
        self.count_label = QLabel("", bar)
        self.count_label.setProperty("role", "muted")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.sort_box = QComboBox(bar)
        self.sort_box.addItem("Latest activity", "activity")
        self.sort_box.addItem("Waiting longest", "waiting")
        self.sort_box.setAccessibleName("Sort conversations")
        self.sort_box.currentIndexChanged.connect(lambda _i: self._apply_filter())
        sort_row.addWidget(self.count_label, 1)
        sort_row.addWidget(self.sort_box)
        bar_layout.addLayout(sort_row)

        self.view = ConversationListView(self)
        self.view.setObjectName("conversationList")
        self.view.setAccessibleName("Conversations")
        self.view.setModel(self.model)
        self.delegate = ConversationRowDelegate(self.view)
        self.delegate.me = service.agent
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.activated.connect(lambda idx: emit(self.conversation_activated, idx.data(SummaryRole)))
        self.row_hold = RowHold(self.view, self.model)

        self.empty = QLabel("", self)
        self.empty.setProperty("role", "empty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No conversations")

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.stack, 1)

        self.model.page_loaded.connect(lambda _n: self._update_empty())
        self.model.rowsInserted.connect(lambda *_: self._update_empty())
        self.model.rowsRemoved.connect(lambda *_: self._update_empty())
        self.model.modelReset.connect(self._update_empty)
        self.filter_buttons["open"].setChecked(True)
        self.more_button.setText("More ▾")
        self.setMinimumWidth(296)
        self._selected_id: int | None = None

    # -- filters -------------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        """Switch the segmented filter (also used by Ctrl+1…8)."""
        self.filter_buttons[view].setChecked(True)
        label = dict(VIEWS)[view] if view in MORE_VIEWS else "More"
        self.more_button.setText(f"{label} ▾")
        self.more_button.setCheckable(True)
        self.more_button.setChecked(view in MORE_VIEWS)
        self._apply_filter()

    def current_view(self) -> str:
        return next(v for v, b in self.filter_buttons.items() if b.isChecked())

    def _apply_filter(self) -> None:
        flt = ConversationFilter(
            view=self.current_view(), agent=self._service.agent, sort=self.sort_box.currentData() or "activity"
        )
        self.model.set_filter(flt)
        emit(self.filter_changed, flt)

    def start(self) -> None:
        """Load the first page of the default view."""
        self._apply_filter()

    def set_here(self, here: dict[int, Here]) -> None:
        """Who else is in which conversation (from the presence poll): repaint only if it changed."""
        if here != self.delegate.here:
            self.delegate.here = here
            self.view.viewport().update()

    def set_channel_number(self, number: str | None) -> None:
        self._channel_number = number
        self._update_empty()

    def _update_empty(self) -> None:
        rows = self.model.rowCount()
        if rows == 0 and self.model.exhausted:
            view = self.current_view()
            if view == "all":
                self._teach()
            elif view == "mentions":
                me = self._service.agent
                self.empty.setText(f"No mentions to read.\nA colleague's note with @{me} brings its conversation here.")
            else:
                self.empty.setText(f"Nothing in {dict(VIEWS)[view]}.\nPress Ctrl+7 to see all conversations.")
                ops.run_op(
                    self,
                    lambda: self._service.conversations_count(ConversationFilter(view="all")),
                    lambda n: self._teach() if n == 0 else None,
                    label="Counting conversations",
                )
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.view)
        self._show_count()

    def _show_count(self) -> None:
        """ "1,000 conversations": the rows when all are loaded; otherwise the view's count from the
        service (one COUNT, re-asked when rows come or go, never two at once)."""
        rows = self.model.rowCount()
        if self.model.exhausted:
            self._counted = (self.model.generation, rows)
            self.count_label.setText(_conversations(rows))
            return
        gen, known = self._counted
        if gen == self.model.generation:
            self.count_label.setText(_conversations(max(known, rows)))
        if getattr(self, "_counting", False):
            self._count_again = True
            return
        self._counting, self._count_again = True, False
        flt, gen = self.model.filter, self.model.generation

        def counted(n: int) -> None:
            self._counting = False
            if gen == self.model.generation:
                self._counted = (gen, n)
                self.count_label.setText(_conversations(max(n, self.model.rowCount())))
            if self._count_again or gen != self.model.generation:
                self._show_count()

        def failed(_exc: BaseException) -> None:
            self._counting = False

        count = self._service.conversations_count
        ops.run_op(self, lambda: count(flt), counted, failed, label="Counting conversations")

    _counted: tuple[int, int] = (-1, 0)  # (list generation, conversations in its view)

    def _teach(self) -> None:
        number = phone.display(self._channel_number) if self._channel_number else "your number"
        self.empty.setText(f"No conversations yet — customers who text {number} appear here.")

    # -- selection -----------------------------------------------------------------------------
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        s = current.data(SummaryRole) if current.isValid() else None
        new_id = s.id if s is not None else None
        if new_id != self._selected_id:
            self._selected_id = new_id
            if s is not None:
                emit(self.conversation_selected, s)

    def select_id(self, conversation_id: int) -> bool:
        """Select a row by conversation id if it is loaded; returns whether it was."""
        row = self.model.row_of(conversation_id)
        if row < 0:
            self.view.clearSelection()
            self._selected_id = conversation_id
            return False
        idx = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(idx)
        return True

    def step(self, delta: int) -> None:
        """Move the selection by ``delta`` rows (J/K), fetching more at the end."""
        rows = self.model.rowCount()
        if rows == 0:
            return
        cur = self.view.currentIndex().row()
        row = 0 if cur < 0 else max(0, min(rows - 1, cur + delta))
        idx = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(idx)
        if row >= rows - 2 and self.model.canFetchMore():
            self.model.fetchMore()


def _conversations(n: int) -> str:
    return f"{n:,} conversation{'s' if n != 1 else ''}"
