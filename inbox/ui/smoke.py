"""A hidden self-check for packaged builds: ``INBOX_SMOKE_TEST=1 inbox demo`` (or ``inbox app``).

Why: a frozen bundle can start, print ``--version`` and still fail the moment the window paints (a
missing Qt plugin, an icon not bundled, a SQL dialect not collected). With the variable set the app
opens as usual, waits for the main window's first paint and the first loads on the workers, then
closes itself: exit 0 if all went well, 1 on a worker failure or if nothing painted in time.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from inbox.ui import ops

ENV = "INBOX_SMOKE_TEST"
TIMEOUT_S = 60.0
SETTLE_MS = 1500  # after the first paint: long enough for the first list and channel loads


class _SmokeCheck(QObject):
    def __init__(self, app: QApplication, timeout_s: float) -> None:
        super().__init__(app)
        self.app = app
        self.started = time.monotonic()
        self.painted_at: float | None = None
        self.failures: list[str] = []
        self.done = False
        app.installEventFilter(self)
        ops.dispatcher().failed.connect(self.failures.append)
        QTimer.singleShot(round(timeout_s * 1000), self, lambda: self.finish("no window painted in time"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.painted_at is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and isinstance(watched.window(), QMainWindow)
        ):
            self.painted_at = time.monotonic()
            QTimer.singleShot(SETTLE_MS, self, lambda: self.finish(None))
        return False

    def finish(self, problem: str | None) -> None:
        if self.done:
            return
        self.done = True
        self.app.removeEventFilter(self)
        problem = problem or ("; ".join(self.failures) if self.failures else None)
        if problem is None and self.painted_at is not None:
            print(f"smoke test: first paint after {self.painted_at - self.started:.2f} s, no failures", file=sys.stderr)
            code = 0
        else:
            print(f"smoke test failed: {problem}", file=sys.stderr)
            code = 1
        self.app.closeAllWindows()
        self.app.exit(code)  # last, so a window's own quit() on close cannot turn a failure into 0


def arm_from_env(app: QApplication) -> None:
    """Start the check when ``INBOX_SMOKE_TEST`` is set (its value, if a number > 1, is the timeout)."""
    value = os.environ.get(ENV, "")
    if not value or value == "0":
        return
    try:
        timeout = float(value)
    except ValueError:
        timeout = TIMEOUT_S
    _SmokeCheck(app, timeout if timeout > 1 else TIMEOUT_S)
