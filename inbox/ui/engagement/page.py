"""A master/detail page: a painted list on the left, a scrolling detail of cards on the right.

Why one base: polls, contests, broadcasts and surveys all load a list on the worker, keep the
selection across reloads, load the selected item's detail on the worker and drop answers that
arrive for an item no longer selected. Dialog-style questions (confirm, file paths) are attributes
so tests can answer them without a modal loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inbox.engine.campaigns import Engagement
from inbox.ui import ops, theme
from inbox.ui.engagement.parts import RowList
from inbox.ui.qt_compat import emit

MASTER_WIDTH = 340
LIVE_DEBOUNCE_MS = 500  # change events in a burst (500 votes) become one reload


def ask_confirm(parent: QWidget, title: str, text: str, ok: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    yes = box.addButton(ok, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


def ask_save_path(parent: QWidget, title: str, suggested: str, pattern: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, pattern)
    return Path(path) if path else None


def ask_open_path(parent: QWidget, title: str, pattern: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", pattern)
    return Path(path) if path else None


class Page(QWidget):
    """List | detail. Subclasses fill ``detail`` and implement ``_load_list`` and ``_load_detail``.

    Signals:
        status(str): a short sentence for the window's status line ("Poll closed").
    """

    status = Signal(str)

    def __init__(self, api: Engagement, title: str, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.confirm: Callable[[str, str, str], bool] = lambda title, text, ok: ask_confirm(self, title, text, ok)
        self.save_path: Callable[[str, str, str], Path | None] = lambda t, s, p: ask_save_path(self, t, s, p)
        self.open_path: Callable[[str, str], Path | None] = lambda t, p: ask_open_path(self, t, p)
        self.loaded = False

        self.master = QWidget(self)
        self.master.setObjectName("masterPane")
        self.master.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        head = QWidget(self.master)
        head.setObjectName("masterHeader")
        head.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        head.setFixedHeight(52)
        hl = QHBoxLayout(head)
        hl.setContentsMargins(16, 8, 12, 8)
        self.title = QLabel(title, head)
        self.title.setFont(theme.semibold(QFont(self.font())))
        hl.addWidget(self.title)
        self.count_label = QLabel("", head)
        self.count_label.setProperty("role", "muted")
        hl.addWidget(self.count_label)
        hl.addStretch(1)
        self.header_buttons = hl
        self.list = RowList(self.master)
        self.list.setAccessibleName(title)
        ml = QVBoxLayout(self.master)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.setSpacing(0)
        ml.addWidget(head)
        ml.addWidget(self.list, 1)
        self.master.setMinimumWidth(280)

        self.detail = QWidget()
        self.detail.setObjectName("detailBody")
        self.detail_layout = QVBoxLayout(self.detail)
        self.detail_layout.setContentsMargins(24, 20, 24, 24)
        self.detail_layout.setSpacing(16)
        scroll = QScrollArea(self)
        scroll.setObjectName("detailScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.detail)
        self.empty = QLabel(empty_text, self)
        self.empty.setProperty("role", "empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.right = QStackedWidget(self)
        self.right.addWidget(self.empty)
        self.right.addWidget(scroll)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.addWidget(self.master)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([MASTER_WIDTH, 900])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)
        self.list.currentRowChanged.connect(lambda _r: self.open_selected())
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_DEBOUNCE_MS)
        self._live.timeout.connect(self.refresh_live)
        self.live_reloads = 0

    def add_header_button(self, text: str, slot: Callable[[], None], primary: bool = False) -> QPushButton:
        button = QPushButton(text, self)
        if primary:
            button.setObjectName("primary")
        button.clicked.connect(slot)
        self.header_buttons.addWidget(button)
        return button

    def show_detail(self, shown: bool) -> None:
        self.right.setCurrentIndex(1 if shown else 0)

    # -- loading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Reload the list (then the selected item's detail) on the worker."""
        ops.run_op(self, self._load_list, self._on_list, label=f"Loading {self.title.text().lower()}")

    def open_selected(self) -> None:
        key = self.list.current_key()
        if key is None:
            self.show_detail(False)
            return
        ops.run_op(
            self,
            lambda: self._load_detail(key),
            lambda d: self._deliver(key, d),
            label=f"Loading {self.title.text().lower()}",
        )

    def _deliver(self, key: int, detail: object) -> None:
        if key != self.list.current_key():
            return  # the selection moved on while this loaded
        if detail is None:
            self.show_detail(False)
            return
        self.show_detail(True)
        self._show(detail)

    def _on_list(self, items: object) -> None:
        self.loaded = True
        rows = self._rows(items)
        before = self.list.current_key()
        self.list.set_rows(rows)
        self.count_label.setText(str(len(rows)) if rows else "")
        if not rows:
            self.show_detail(False)
        elif self.list.current_key() == before:
            self.open_selected()  # same selection: refresh its detail too

    # -- live updates ------------------------------------------------------------------------------
    def on_change(self) -> None:
        """A change event arrived: (re)start the debounce; one reload happens once it goes quiet."""
        if self.loaded:
            self._live.start()

    def refresh_live(self) -> None:
        if not self.isVisible():
            return  # a hidden page reloads when it is shown again
        self.live_reloads += 1
        self.reload()

    def say(self, text: str) -> None:
        emit(self.status, text)

    # -- for subclasses ----------------------------------------------------------------------------
    def _load_list(self) -> object:  # worker
        raise NotImplementedError

    def _rows(self, items: object) -> list:
        raise NotImplementedError

    def _load_detail(self, key: int) -> object:  # worker
        raise NotImplementedError

    def _show(self, detail: object) -> None:
        raise NotImplementedError
