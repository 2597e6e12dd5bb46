"""One desktop app per user and database: a second start focuses the first window and exits.

Why: two windows on one database would mean two pollers racing for the same provider pages and the
same outbox. The leadership lease already keeps the engine safe, but a person who double-clicks the
icon twice expects the window they already have, not a second one.

How: the first process listens on a ``QLocalServer`` whose name is derived from the user and a hash
of the database URL (a Unix socket in the temp folder, a named pipe on Windows). A later process
connects, sends ``activate``, waits for ``ok`` and exits 0. A stale socket left by a crash is
removed when nobody answers on it.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow

from inbox.ui.qt_compat import emit

ACTIVATE = b"activate\n"
ACK = b"ok\n"
TIMEOUT_MS = 1000
ACK_WAIT_MS = 5000


def server_name(database_url: str, user: str | None = None) -> str:
    """A short, stable name per (user, database); the URL (which may hold a password) is hashed."""
    try:
        who = user or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): still unique per database
        who = "user"
    digest = hashlib.sha256(f"{who}\0{database_url}".encode()).hexdigest()[:16]
    return f"inbox-{digest}"


def notify_running(name: str, timeout_ms: int = TIMEOUT_MS) -> bool:
    """Ask the instance listening on ``name`` to come to the front; True if one is listening.

    A listener that accepts but is slow to answer (busy starting up) still counts as running: the
    request waits in its socket, and taking over its name would let two windows poll.
    """
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(ACTIVATE)
    sock.waitForBytesWritten(timeout_ms)  # False when flushed already: the answer is what counts
    answer = b""
    while not answer.endswith(b"\n") and sock.waitForReadyRead(ACK_WAIT_MS):
        answer += bytes(sock.readAll().data())
    sock.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """The listening side. ``claim()`` decides who is first.

    Signals:
        activated: another start asked this instance to show its window.
    """

    activated = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None

    @classmethod
    def for_database(cls, database_url: str) -> SingleInstance:
        return cls(server_name(database_url))

    def claim(self) -> bool:
        """True if this process is now the one instance; False if another one was told to activate."""
        if notify_running(self.name):
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Nobody answered, so the socket is a leftover from a crash: remove it and listen again.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                return not notify_running(self.name)  # lost a race to a simultaneous start
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_connection(self) -> None:
        assert self.server is not None
        while (sock := self.server.nextPendingConnection()) is not None:
            sock.readyRead.connect(lambda s=sock: self._on_ready_read(s))
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():
                self._on_ready_read(sock)

    def _on_ready_read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            return
        if bytes(sock.readLine().data()) == ACTIVATE:
            sock.write(ACK)
            sock.flush()
            emit(self.activated)


def raise_main_windows() -> None:
    """Bring every visible main window to the front (un-minimising it): the ``activated`` slot."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMainWindow) and not widget.isHidden():
            if widget.isMinimized():
                widget.showNormal()
            widget.raise_()
            widget.activateWindow()


def claim(database_url: str) -> SingleInstance | None:
    """For ``inbox app``: the held instance if this process is first, else None after telling the
    running one to come forward (the caller then exits 0)."""
    instance = SingleInstance.for_database(database_url)
    if not instance.claim():
        print("Inbox is already open on this database: its window was brought to the front.")
        return None
    instance.activated.connect(raise_main_windows)
    return instance
