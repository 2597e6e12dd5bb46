"""The Supervisor's "Who is on" card: each agent with a state dot, their state and their load.

Why here: a supervisor balancing the queue needs to see who is online to take work and how much
each already holds (open conversations assigned), live. The card polls the presence table on the
op worker every few seconds while the window shows it, like the desktop's own presence poll.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from inbox.core.presence import AgentPresence, PresenceState
from inbox.engine import presence
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.cards import Card
from inbox.ui.presence import POLL_MS


def roster_entry(a: AgentPresence) -> str:
    """ "Alice · online · 3 open"."""
    return f"{a.agent} · {a.state.value} · {a.load} open"


def _dot(colour: str, size: int = 10) -> QIcon:
    pm = QPixmap(size * 2, size * 2)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pm)


class RosterCard(Card):
    """Agents as wrapping chips: online first, then away, then offline; each by name."""

    def __init__(
        self, service: InboxService, parent: QWidget | None = None, *, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__("Who is on", parent, spacing=4)
        self.db = service.db  # read on the op worker only
        self.now = now or (lambda: datetime.now(UTC))
        self.roster: tuple[AgentPresence, ...] = ()
        self.list = QListWidget(self)
        self.list.setAccessibleName("Agents and their presence")
        self.list.setViewMode(QListView.ViewMode.ListMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setSpacing(4)
        self.list.setIconSize(QSize(10, 10))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFixedHeight(36)
        self.list.setObjectName("failures")  # the same quiet list style as the failure reasons
        self.body.addWidget(self.list)
        self.empty_text = "No agents yet: add them with `inbox agents add`, or open Inbox on another computer."
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self._busy = False

    def start(self) -> None:
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        if self._busy or (self.roster and not self.isVisible()):  # hidden: one load, then wait
            return
        self._busy = True
        db, now = self.db, self.now

        def done(roster: list[AgentPresence]) -> None:
            self._busy = False
            self.show_roster(roster)

        def failed(_exc: BaseException) -> None:
            self._busy = False

        ops.run_op(self, lambda: presence.roster(db, now=now()), done, failed, label="Loading who is on")

    def show_roster(self, roster: Sequence[AgentPresence]) -> None:
        order = {PresenceState.ONLINE: 0, PresenceState.AWAY: 1, PresenceState.OFFLINE: 2}
        ranked = tuple(sorted(roster, key=lambda a: (order[a.state], a.agent.casefold())))
        if ranked == self.roster and self.list.count():
            return
        self.roster = ranked
        t = theme.tokens()
        colours = {PresenceState.ONLINE: t.success, PresenceState.AWAY: t.warning, PresenceState.OFFLINE: t.muted}
        self.list.clear()
        if not ranked:
            self.list.addItem(QListWidgetItem(self.empty_text))
            return
        for a in ranked:
            item = QListWidgetItem(_dot(colours[a.state]), roster_entry(a))
            item.setToolTip(f"{a.agent}: {a.state.value}, {a.load} open conversation{'s' if a.load != 1 else ''}")
            self.list.addItem(item)
        QTimer.singleShot(0, self._fit)

    def _fit(self) -> None:
        """As tall as its rows of chips (up to three; more scroll), so a small team takes one line."""
        if not self.list.count():
            return
        bottom = self.list.visualItemRect(self.list.item(self.list.count() - 1)).bottom()
        self.list.setFixedHeight(max(36, min(bottom + 10, 120)))
