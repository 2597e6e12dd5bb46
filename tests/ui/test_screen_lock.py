"""A locked screen makes this desktop "away" at once, where the screensaver says so on D-Bus.

A private dbus-daemon stands in for the session bus, and a fake `org.freedesktop.ScreenSaver`
(a QObject exported on its own connection) answers `GetActive` and emits `ActiveChanged`, as KDE's
or Xfce's does. The presence tracker runs on a real SQLite inbox: what the others read is the row
its heartbeat writes. Without a bus, or with nobody answering on it, input idle alone decides.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import ClassInfo, QObject, Slot

from inbox.core.presence import IDLE_SECONDS, PresenceState
from inbox.engine import presence
from inbox.engine.service import InboxService
from inbox.ui import screen_lock
from inbox.ui.presence import PresenceTracker
from inbox.ui.screen_lock import ScreenLock
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

PATH, INTERFACE = "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"


@pytest.fixture
def bus_address() -> Iterator[str]:
    """A private D-Bus daemon's address (skipped where dbus-daemon is not installed)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian: apt-get install dbus)")
    proc = subprocess.Popen(
        [daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def connect(address: str):
    from PySide6.QtDBus import QDBusConnection

    bus = QDBusConnection.connectToBus(address, f"inbox-test-{uuid.uuid4().hex[:8]}")
    assert bus.isConnected(), bus.lastError().message()
    return bus


@ClassInfo({"D-Bus Interface": INTERFACE})
class FakeScreenSaver(QObject):
    """The desktop's screensaver: answers GetActive, announces ActiveChanged."""

    def __init__(self, bus, active: bool) -> None:
        from PySide6.QtDBus import QDBusConnection

        super().__init__()
        self.bus, self.active = bus, active
        assert bus.registerService(INTERFACE)
        assert bus.registerObject(PATH, self, QDBusConnection.RegisterOption.ExportAllSlots)

    @Slot(result=bool)
    def GetActive(self) -> bool:  # the D-Bus method's name
        return self.active

    def set_active(self, active: bool) -> None:
        from PySide6.QtDBus import QDBusMessage

        self.active = active
        signal = QDBusMessage.createSignal(PATH, INTERFACE, "ActiveChanged")
        signal.setArguments([active])
        assert self.bus.send(signal)


def tracker_on(qtbot, db, screen: ScreenLock) -> PresenceTracker:
    tracker = PresenceTracker(InboxService(db, agent="Dana"), screen=screen, poll_ms=60_000)
    tracker.start()
    wait_ops(qtbot)
    return tracker


def stored_state(db) -> PresenceState:
    (dana,) = [a for a in off_gui(lambda: presence.roster(db)) if a.agent == "Dana"]
    return dana.state


def test_a_screen_locked_at_start_and_after_shows_away_and_unlocking_online(qtbot, channel_db, bus_address) -> None:
    saver = FakeScreenSaver(connect(bus_address), active=True)
    lock = ScreenLock(bus=connect(bus_address))
    assert lock.following
    qtbot.waitUntil(lambda: lock.locked, timeout=3000)  # GetActive, answered asynchronously
    tracker = tracker_on(qtbot, channel_db, lock)
    assert tracker.state() is PresenceState.AWAY
    assert stored_state(channel_db) is PresenceState.AWAY

    with qtbot.waitSignal(lock.changed, timeout=3000) as unlocked:
        saver.set_active(False)
    assert unlocked.args == [False]
    qtbot.waitUntil(lambda: stored_state(channel_db) is PresenceState.ONLINE, timeout=3000)

    with qtbot.waitSignal(lock.changed, timeout=3000):
        saver.set_active(True)
    qtbot.waitUntil(lambda: stored_state(channel_db) is PresenceState.AWAY, timeout=3000)  # at once, not after idle
    tracker.stop()  # signs off
    wait_ops(qtbot)


def test_a_bus_without_a_screensaver_leaves_input_idle_to_decide(qtbot, channel_db, bus_address) -> None:
    lock = ScreenLock(bus=connect(bus_address))
    clock = {"mono": 1000.0}
    tracker = PresenceTracker(InboxService(channel_db, agent="Dana"), screen=lock, monotonic=lambda: clock["mono"])
    qtbot.wait(300)  # GetActive fails: no name owner
    assert not lock.locked and tracker.state() is PresenceState.ONLINE
    clock["mono"] += IDLE_SECONDS
    assert tracker.state() is PresenceState.AWAY


def test_no_session_bus_is_no_error_and_idle_still_counts(qtbot, channel_db, monkeypatch) -> None:
    monkeypatch.setattr(screen_lock, "session_bus", lambda: None)
    tracker = tracker_on(qtbot, channel_db, ScreenLock())
    assert tracker.screen is not None and not tracker.screen.following
    assert stored_state(channel_db) is PresenceState.ONLINE
    tracker.stop()  # signs off
    wait_ops(qtbot)
