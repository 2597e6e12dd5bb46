"""This desktop's presence: its heartbeat, its idle detection, and the poll that shows who else is here.

Why a poll: presence changes every few seconds on every desktop and is kept out of the change feed
on purpose, so each desktop reads the small `presence` table every POLL_MS on the op worker (never
on the GUI thread) and hands the result to the views: "Alice is viewing" in the thread header, an
eye on the list row, the team line in the status bar. One poll both renews this desktop's row (when
due) and reads everyone's, so a desktop costs one short transaction every two seconds.

Idle is the time since the last keyboard or mouse input anywhere in the application (an event
filter on the QApplication): after IDLE_SECONDS the desktop reports "away"; so does a locked
screen, at once, where the screensaver says so on D-Bus (`inbox.ui.screen_lock`; elsewhere, input
idle alone). Unlocking counts as input: the agent is back.

A database that is down fails every poll: the tracker says so once (the log and the status bar,
and the team line reads "Team: not updating"), polls less often the longer it lasts (doubling up
to BACKOFF_CAP_MS), and says once when it works again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QStatusBar

from inbox.core.presence import (
    HEARTBEAT_SECONDS,
    IDLE_SECONDS,
    TYPING_REPORT_SECONDS,
    AgentPresence,
    Here,
    PresenceSnapshot,
    PresenceState,
)
from inbox.engine import presence
from inbox.engine.service import InboxService
from inbox.ui import ops
from inbox.ui.qt_compat import emit
from inbox.ui.screen_lock import ScreenLock


class PresentWindow(Protocol):
    """What `attach` wires: the main window's service, panes and status bar (named as a Protocol so
    this module need not import the window that imports it)."""

    service: InboxService
    thread_pane: Any  # its header (set_here), composer (edit) and conversation_id
    list_pane: Any  # its conversation_selected signal and set_here
    status: Any  # the StatusBarController: its show_failure

    def statusBar(self) -> QStatusBar: ...


POLL_MS = 2000
BACKOFF_CAP_MS = 60_000  # a database down for long is asked about once a minute
NOT_UPDATING = "Team: not updating"

log = logging.getLogger(__name__)

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def _names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]}, {names[1]} and {len(names) - 2} other{'s' if len(names) > 3 else ''}"


def here_line(here: Here) -> str:
    """ "Alice is typing…", "Alice and Bob are viewing", "Alice is typing… · Bob is viewing"; "" if nobody."""
    parts = []
    if here.typing:
        parts.append(f"{_names(here.typing)} {'is' if len(here.typing) == 1 else 'are'} typing…")
    if here.viewing:
        parts.append(f"{_names(here.viewing)} {'is' if len(here.viewing) == 1 else 'are'} viewing")
    return " · ".join(parts)


def here_short(here: Here) -> str:
    """The narrow header's form: "Alice typing…", "Alice +2 here"; "" if nobody."""
    names = here.typing + here.viewing
    if not names:
        return ""
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    return f"{names[0]}{more} {'typing…' if here.typing else 'here'}"


def roster_line(roster: Sequence[AgentPresence], me: str) -> str:
    """The status bar's compact team line: "Team: 2 online · 1 away" (this agent not counted)."""
    others = [a for a in roster if a.agent != me]
    online = sum(1 for a in others if a.state is PresenceState.ONLINE)
    away = sum(1 for a in others if a.state is PresenceState.AWAY)
    if not online and not away:
        return "Team: nobody else on"
    return "Team: " + " · ".join(p for p in (f"{online} online" if online else "", f"{away} away" if away else "") if p)


def roster_tooltip(roster: Sequence[AgentPresence]) -> str:
    dots = {PresenceState.ONLINE: "●", PresenceState.AWAY: "◐", PresenceState.OFFLINE: "○"}
    return "\n".join(f"{dots[a.state]} {a.agent} — {a.state.value}, {a.load} open" for a in roster)


class PresenceTracker(QObject):
    """Renews this desktop's presence row and polls everyone's.

    Signals:
        snapshot_changed(object): a new ``PresenceSnapshot`` (after each poll).
        trouble(str): polls started failing (once, with why) or work again (once, with "").

    `now` and `monotonic` are injectable so tests can move time without sleeping: `now` stamps and
    reads rows (wall clock, shared with other desktops), `monotonic` paces heartbeats and idleness.
    """

    snapshot_changed = Signal(object)
    trouble = Signal(str)

    def __init__(
        self,
        service: InboxService,
        parent: QObject | None = None,
        *,
        session_id: str | None = None,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] | None = None,
        poll_ms: int = POLL_MS,
        viewing: Callable[[], int | None] | None = None,
        screen: ScreenLock | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = service.db  # read and written on the op worker only
        self.agent = service.agent
        self.session_id = session_id or uuid.uuid4().hex
        self.now = now or (lambda: datetime.now(UTC))
        self.monotonic = monotonic or time.monotonic
        self.viewing: int | None = None
        self._viewing_source = viewing  # read at each tick: the conversation the window shows
        self.snapshot = PresenceSnapshot()
        self._last_input = self.monotonic()
        self._last_beat: float | None = None
        self._sent: tuple[PresenceState, int | None] | None = None
        self._typing: int | None = None  # a keystroke to report with the next heartbeat
        self._typing_reported: float | None = None
        self._busy = False
        self._again = False
        self.poll_ms = poll_ms
        self.failures = 0  # polls failed in a row (the backoff); 0 when the last one worked
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.tick)
        self._filtering = False
        self.screen = screen  # None until `start` follows the session bus's screensaver
        if screen is not None:
            screen.changed.connect(self._screen_changed)

    # -- what this desktop does ------------------------------------------------------------------
    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True
        if self.screen is None:
            self.screen = ScreenLock(self)
            self.screen.changed.connect(self._screen_changed)
        self.timer.start()
        self.tick()

    def stop(self) -> None:
        """Stop polling and sign this desktop off (others see it leave now, not after the expiry)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
            self._filtering = False
        db, agent, session, at = self.db, self.agent, self.session_id, self.now
        ops.run_op(None, lambda: presence.sign_off(db, agent, session, now=at()), label="Signing off")

    def state(self) -> PresenceState:
        if self.screen is not None and self.screen.locked:
            return PresenceState.AWAY
        idle = self.monotonic() - self._last_input
        return PresenceState.AWAY if idle >= IDLE_SECONDS else PresenceState.ONLINE

    def _screen_changed(self, locked: bool) -> None:
        if not locked:
            self._last_input = self.monotonic()  # unlocking is the agent coming back
        QTimer.singleShot(0, self.tick)  # say so now, not at the next beat

    def set_viewing(self, conversation_id: int | None) -> None:
        """The conversation this desktop shows; others see the change at the next poll of theirs."""
        if conversation_id != self.viewing:
            self.viewing = conversation_id
            self._typing = None
            self._typing_reported = None
            self.tick()

    def typed(self) -> None:
        """A keystroke in the composer: report "typing" at most once per TYPING_REPORT_SECONDS."""
        if self.viewing is None:
            return
        at = self.monotonic()
        if self._typing_reported is not None and at - self._typing_reported < TYPING_REPORT_SECONDS:
            return
        self._typing_reported = at
        self._typing = self.viewing
        self.tick()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            was_away = self.state() is PresenceState.AWAY
            self._last_input = self.monotonic()
            if was_away:
                QTimer.singleShot(0, self.tick)  # back: say so now, not at the next beat
        return False

    # -- one poll ----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Heartbeat if something changed or a beat is due, then read who is where; one op at a time."""
        if self._busy:
            self._again = True
            return
        if self._viewing_source is not None and self._viewing_source() != self.viewing:
            self.viewing = self._viewing_source()
            self._typing = None
            self._typing_reported = None
        state, viewing, typing = self.state(), self.viewing, self._typing
        due = (
            self._sent != (state, viewing)
            or typing is not None
            or self._last_beat is None
            or self.monotonic() - self._last_beat >= HEARTBEAT_SECONDS
        )
        self._typing = None
        db, agent, session, now = self.db, self.agent, self.session_id, self.now

        def work() -> PresenceSnapshot:
            if due:
                presence.heartbeat(db, agent, session, state, viewing, typing, now=now())
            return presence.snapshot(db, session, now=now())

        def done(snap: PresenceSnapshot) -> None:
            self._busy = False
            self._recovered()
            if due:
                self._sent = (state, viewing)
                self._last_beat = self.monotonic()
            self.snapshot = snap
            emit(self.snapshot_changed, snap)
            self._follow_up()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._failed(exc)
            self._follow_up()

        self._busy = True
        ops.run_op(self, work, done, failed, label="Updating who is here", quiet=True)

    def _failed(self, exc: BaseException) -> None:
        """Say it once, then poll less often: every failure after the first is the same news."""
        self.failures += 1
        if self.failures == 1:
            why = ops.describe(exc)
            log.warning("who is here: the poll failed (%s); retrying less often until it works", why)
            emit(self.trouble, f"Who is here is not updating: {why}")
        self.timer.setInterval(min(BACKOFF_CAP_MS, self.poll_ms * 2**self.failures))

    def _recovered(self) -> None:
        if self.failures:
            log.info("who is here: updating again after %d failed poll(s)", self.failures)
            self.failures = 0
            self.timer.setInterval(self.poll_ms)
            emit(self.trouble, "")

    def _follow_up(self) -> None:
        if self._again and shiboken6.isValid(self):
            self._again = False
            self.tick()


def attach(window: PresentWindow) -> PresenceTracker:
    """Wire presence into the main window: the open conversation and the composer's keystrokes go
    out, who is here comes back to the thread header, the list rows and the status bar."""
    pane = window.thread_pane
    tracker = PresenceTracker(window.service, window.statusBar(), viewing=lambda: pane.conversation_id)
    team = QLabel("", window.statusBar())
    team.setTextFormat(Qt.TextFormat.PlainText)
    team.setAccessibleName("Team presence")
    team.setProperty("role", "muted")
    team.setVisible(False)
    window.statusBar().addPermanentWidget(team)
    tracker.team_label = team  # type: ignore[attr-defined]

    def show(snap: PresenceSnapshot) -> None:
        pane.header.set_here(snap.at(pane.conversation_id))
        window.list_pane.set_here(snap.here)
        if len(snap.roster) > 1:  # a team: a lone agent needs no team line
            team.setText(roster_line(snap.roster, window.service.agent))
            team.setToolTip(roster_tooltip(snap.roster))
            team.setVisible(True)
        else:
            team.setVisible(False)

    def opened(_summary: object) -> None:
        # Connected after the thread pane's own slot: it already shows the new conversation.
        tracker.set_viewing(pane.conversation_id)
        pane.header.set_here(tracker.snapshot.at(pane.conversation_id))

    def keystroke() -> None:
        edit = pane.composer.edit
        if edit.hasFocus() and edit.toPlainText():  # typed, not cleared or filled in by the app
            tracker.typed()

    def trouble(text: str) -> None:
        if text:
            window.status.show_failure(text)
            team.setText(NOT_UPDATING)
            team.setToolTip(text)
            team.setVisible(True)
        else:
            window.statusBar().showMessage("Who is here is updating again", 4000)
            team.setToolTip("")

    tracker.snapshot_changed.connect(show)
    tracker.trouble.connect(trouble)
    window.list_pane.conversation_selected.connect(opened)
    pane.composer.edit.textChanged.connect(keystroke)
    return tracker
