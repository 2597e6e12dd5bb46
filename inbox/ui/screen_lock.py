"""Whether this desktop's screen is locked (or its screensaver on), for presence "away".

Why D-Bus: on Linux the screensaver says so on the session bus (`org.freedesktop.ScreenSaver`,
KDE, Xfce and others; `org.gnome.ScreenSaver` on GNOME): its `ActiveChanged(bool)` signal is
followed, and `GetActive` is asked once at start with an asynchronous call, so the GUI thread
never waits on the bus. No QtDBus, no session bus (a headless machine, macOS, Windows) or no
screensaver answering: `locked` stays False and presence falls back on input idle alone, silently.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

# (service, object path, interface) of the screensavers that say whether they are active.
SCREENSAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)


def session_bus() -> Any | None:
    """The session bus, or None where there is none (or no QtDBus)."""
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return None
    bus = QDBusConnection.sessionBus()
    return bus if bus.isConnected() else None


class ScreenLock(QObject):
    """Follows the screensaver's state on `bus` (default: the session bus).

    Signals:
        changed(bool): the screen was locked (True) or unlocked (False).
    """

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, bus: Any | None = None) -> None:
        super().__init__(parent)
        self.locked = False
        self._watchers: list[Any] = []  # pending GetActive calls, kept alive until they answer
        self.bus = bus if bus is not None else session_bus()
        self.following = False
        if self.bus is None:
            return
        from PySide6.QtCore import SLOT

        for service, path, interface in SCREENSAVERS:
            # No service named: the signal counts from whichever process owns the name now or later.
            if self.bus.connect("", path, interface, "ActiveChanged", self, SLOT("on_active_changed(bool)")):
                self.following = True
            self._ask(service, path, interface)

    def _ask(self, service: str, path: str, interface: str) -> None:
        from PySide6.QtDBus import QDBusMessage, QDBusPendingCallWatcher

        call = self.bus.asyncCall(QDBusMessage.createMethodCall(service, path, interface, "GetActive"))
        watcher = QDBusPendingCallWatcher(call, self)
        self._watchers.append(watcher)
        watcher.finished.connect(lambda w=watcher: self._answered(w))

    def _answered(self, watcher: Any) -> None:
        from PySide6.QtDBus import QDBusMessage

        self._watchers.remove(watcher)
        reply = watcher.reply()
        watcher.deleteLater()
        if reply.type() != QDBusMessage.MessageType.ReplyMessage:
            return  # no such screensaver here: nothing to say
        values = reply.arguments()
        if values and isinstance(values[0], bool) and values[0]:
            self.on_active_changed(True)

    @Slot(bool)
    def on_active_changed(self, active: bool) -> None:
        active = bool(active)
        if active != self.locked:
            self.locked = active
            log.debug("screen %s", "locked" if active else "unlocked")
            self.changed.emit(active)
