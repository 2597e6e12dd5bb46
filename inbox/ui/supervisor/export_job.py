"""An export running on its own thread, reporting progress to the GUI and stopping on Cancel.

Why not ``ops.run_op``: that pool has one worker so reads stay in order; a million-row export must
not hold it for a minute while the Supervisor view wants to refresh. Each job gets a thread, a
``threading.Event`` that the export functions check between batches, and queued signals back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from inbox.ui.qt_compat import emit

log = logging.getLogger(__name__)

# The work: receives a progress callback (done, total) and the cancel event; returns the result.
Work = Callable[[Callable[[int, int], None], threading.Event], Any]


class ExportJob(QObject):
    """Runs ``work`` once on a daemon thread.

    Signals:
        progress(int, int): rows written so far and the total (0, 0 while unknown).
        done(object): the export function's result (``ExportResult`` or a ``Path``).
        failed(str): a one-line reason; the traceback is logged.
    """

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Work, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self.label = label
        self.cancel_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.running = False

    def start(self) -> None:
        self.running = True
        self.thread = threading.Thread(target=self._run, name="inbox-export", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        """Ask the export to stop at its next batch; it removes its partial file."""
        self.cancel_event.set()

    def _emit(self, signal_name: str, *args: Any) -> None:
        if shiboken6.isValid(self):
            emit(getattr(self, signal_name), *args)

    def _run(self) -> None:
        try:
            result = self._work(lambda done, total: self._emit("progress", done, total), self.cancel_event)
        except Exception as exc:
            log.exception("export failed: %s", self.label)
            from inbox.ui import ops

            self._emit("failed", ops.describe(exc))
        else:
            self._emit("done", result)
        finally:
            self.running = False
