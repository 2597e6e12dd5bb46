"""A desktop follows its database's change feed: other processes' changes reach its views.

Why: the engine publishes this process's own changes on the ``EventBus``; another agent's desktop,
the daemon or the CLI commit to the same database without this process hearing of it.
``inbox.engine.live.LiveFeed`` follows the change log (LISTEN/NOTIFY on PostgreSQL, a quarter-second
poll on SQLite) on its own thread and publishes each batch on the same bus, so the window's
refresher reloads by id whichever process made the change. This QObject owns that feed for one
window and turns its listener's state into a Qt signal for the status bar.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Signal

from inbox.engine.live import LiveFeed
from inbox.engine.service import InboxService
from inbox.ui.qt_compat import emit


class LiveUpdates(QObject):
    """The change feed of one window's database, started and stopped with the window.

    Signals:
        state_changed(str): the listener's state (``inbox.core.changes``: connected, polling,
            reconnecting, polling-fallback, stopped), from the listener's thread.
    """

    state_changed = Signal(str)

    def __init__(self, service: InboxService, *, since: int | None, parent: QObject | None = None) -> None:
        """Follows the feed of the window's one backend handle, publishing on its bus. ``since``: the
        newest change number read before the window's first loads (``inbox.engine.live.newest_change``,
        off the GUI thread), so nothing committed in between is
        missed; None follows from whatever is newest when the listener connects."""
        super().__init__(parent)
        self._feed = LiveFeed(service.db, service.events, since=since, on_state=self._on_state)
        self._started = False

    @property
    def state(self) -> str | None:
        return self._feed.state

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._feed.start()

    def stop(self) -> None:
        """Ends the listener thread and closes its connection (the window is closing)."""
        if self._started:
            self._started = False
            self._feed.stop()

    def _on_state(self, state: str) -> None:
        """Runs on the listener's thread: only emits (Qt queues it to the window)."""
        if shiboken6.isValid(self):
            emit(self.state_changed, state)
