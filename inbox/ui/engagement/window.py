"""The Engagement window (View → Engagement, Ctrl+Shift+E): polls, broadcasts, contests, surveys.

Why its own window rather than a fourth pane: agents keep the inbox open all day, and a campaign
manager watching a poll or a broadcast wants both side by side. It shares the main window's event
bridge, so votes and replies arriving through the engine refresh it without polling the database.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.engine.campaigns import Engagement
from inbox.engine.service import InboxService
from inbox.ui import icons, shortcuts, theme
from inbox.ui.bridge import EventBridge
from inbox.ui.engagement import parts
from inbox.ui.engagement.broadcasts import BroadcastsPage
from inbox.ui.engagement.contests import ContestsPage
from inbox.ui.engagement.page import Page
from inbox.ui.engagement.polls import PollsPage
from inbox.ui.engagement.surveys import SurveysPage

PAGES = ("polls", "broadcasts", "contests", "surveys")


class EngagementWindow(QWidget):
    """A top-level window (owned by the main window) with one page per engagement tool."""

    def __init__(
        self,
        service: InboxService,
        bridge: EventBridge | None = None,
        parent: QWidget | None = None,
        qsettings: QSettings | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("engagementRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle("Engagement — Inbox")
        self.setMinimumSize(900, 600)
        self.qsettings = qsettings
        self.api = Engagement(service.db, service.agent)
        self.polls = PollsPage(self.api, self)
        self.broadcasts = BroadcastsPage(self.api, self)
        self.contests = ContestsPage(self.api, self)
        self.surveys = SurveysPage(self.api, self)
        self.pages: dict[str, Page] = {
            "polls": self.polls,
            "broadcasts": self.broadcasts,
            "contests": self.contests,
            "surveys": self.surveys,
        }

        header = QWidget(self)
        header.setObjectName("engagementHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        header.setFixedHeight(52)
        hl = QHBoxLayout(header)
        hl.setContentsMargins(16, 8, 16, 8)
        hl.setSpacing(4)
        title = QLabel("Engagement", header)
        f = theme.semibold(QFont(self.font()))
        f.setPointSizeF(self.font().pointSizeF() + 2)
        title.setFont(f)
        hl.addWidget(title)
        hl.addSpacing(20)
        self.tabs: dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        labels = {"polls": "Polls", "broadcasts": "Broadcasts", "contests": "Contests", "surveys": "Surveys & CSAT"}
        for i, name in enumerate(PAGES):
            b = QToolButton(header)
            b.setObjectName("segment")
            b.setText(labels[name].replace("&", "&&"))
            b.setToolTip(f"{labels[name]} (Ctrl+{i + 1})")
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, n=name: self.show_page(n))
            group.addButton(b)
            hl.addWidget(b)
            self.tabs[name] = b
            sc = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            sc.activated.connect(lambda n=name: self.show_page(n))
        hl.addStretch(1)
        self.status = QLabel("", header)
        self.status.setProperty("role", "muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        hl.addWidget(self.status)
        self.refresh_button = QToolButton(header)
        self.refresh_button.setObjectName("action")
        self.refresh_button.setToolTip("Reload (F5)")
        self.refresh_button.setAccessibleName("Reload")
        self.refresh_button.clicked.connect(self.reload)
        hl.addWidget(self.refresh_button)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.reload)
        shortcuts.install_close_keys(self)  # Esc and Ctrl+W, as every secondary window

        self.stack = QStackedWidget(self)
        for name in PAGES:
            self.stack.addWidget(self.pages[name])
            self.pages[name].status.connect(self.show_status)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(header)
        lay.addWidget(self.stack, 1)

        self.bridge = bridge
        if bridge is not None:
            q = Qt.ConnectionType.QueuedConnection
            bridge.conversations_changed.connect(self._on_change, q)
            bridge.messages_changed.connect(self._on_change, q)
        self.apply_theme()
        theme.state().changed.connect(self.apply_theme)
        self.resize(1280, 800)
        self.show_page("polls")

    # -- pages -------------------------------------------------------------------------------------
    def show_page(self, name: str) -> None:
        page = self.pages[name]
        self.tabs[name].setChecked(True)
        self.stack.setCurrentWidget(page)
        page.reload()  # cheap, and what the agent expects when they switch to it

    def current(self) -> Page:
        page = self.stack.currentWidget()
        assert isinstance(page, Page)
        return page

    def reload(self) -> None:
        self.current().reload()

    def _on_change(self, *_ids: object) -> None:
        """Votes, entries and replies arrive as messages: let the visible page reload, debounced."""
        self.current().on_change()

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def apply_theme(self) -> None:
        t = theme.tokens()
        self.setStyleSheet(parts.stylesheet(t))
        self.refresh_button.setIcon(icons.icon("retry", "muted"))

    # -- lifecycle ---------------------------------------------------------------------------------
    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        if self.qsettings is not None and not getattr(self, "_restored", False):
            self._restored = True
            geometry = self.qsettings.value("engagement/geometry")
            if geometry is not None:
                self.restoreGeometry(geometry)

    def closeEvent(self, e: QCloseEvent) -> None:
        if self.qsettings is not None:
            self.qsettings.setValue("engagement/geometry", self.saveGeometry())
        self.broadcasts.timer.stop()
        super().closeEvent(e)

    @classmethod
    def show_for(cls, main: QWidget) -> EngagementWindow | None:
        """Open (or raise) the main window's Engagement window, on its service."""
        existing = main.findChild(EngagementWindow)
        if existing is not None:
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
        window = cls(main.service, getattr(main, "bridge", None), main, getattr(main, "settings", None))
        window.show()
        return window
