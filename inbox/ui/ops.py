"""Run blocking service calls off the GUI thread (in the spirit of Anki's ``QueryOp``).

Why: every ``InboxService`` method blocks on the database, which in team mode is across a network.
The GUI thread must never wait on it. ``run_op`` runs ``fn`` on a small worker pool and delivers the
result (or the exception) back on the GUI thread through a queued signal. Failures are logged and
broadcast on :data:`failures` so the main window can show them; they are never swallowed. If the
``parent`` widget was destroyed while the op was in flight, its callbacks are simply dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from inbox.ui.qt_compat import emit

log = logging.getLogger(__name__)

T = TypeVar("T")

# One worker keeps ops in submission order (a send, then the reload that shows it). Reads are short.
_MAX_WORKERS = 1

# The initiator of the op running on this worker thread: change events published while it runs
# carry it, so the view that made a change and shows its result can skip reloading it.
_running = threading.local()


class _Dispatcher(QObject):
    """Lives on the GUI thread; worker threads post thunks to it through a queued signal.

    Signals:
        posted(object): a zero-argument callable to run on the GUI thread.
        failed(str): a human-readable failure of any op, for the status bar.
        idle(): no op is pending any more (tests wait on it).
    """

    posted = Signal(object)
    failed = Signal(str)
    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.posted.connect(self._run, Qt.ConnectionType.QueuedConnection)
        self.pending = 0
        self._lock = threading.Lock()

    @Slot(object)
    def _run(self, thunk: Callable[[], None]) -> None:
        try:
            thunk()
        finally:
            with self._lock:
                self.pending -= 1
                now_idle = self.pending == 0
            if now_idle:
                emit(self.idle)


_dispatcher: _Dispatcher | None = None
_executor: ThreadPoolExecutor | None = None


def dispatcher() -> _Dispatcher:
    """The process-wide dispatcher, created on first use on the GUI thread."""
    global _dispatcher
    if _dispatcher is None or not shiboken6.isValid(_dispatcher):
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("run_op needs a QApplication")
        _dispatcher = _Dispatcher()
        _dispatcher.moveToThread(app.thread())
    return _dispatcher


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_MAX_WORKERS, thread_name_prefix="inbox-op")
    return _executor


def is_gui_thread() -> bool:
    """True on the thread that owns the QApplication (where no I/O may happen)."""
    app = QCoreApplication.instance()
    if app is None:
        return threading.current_thread() is threading.main_thread()
    return QThread.currentThread() == app.thread()


def expected(exc: BaseException) -> bool:
    """Failures that are part of using the app, not bugs: a refusal that carries its ``reason``
    (SendRefused and friends), a permission, a missing row, bad input, the network or database
    being away. They are logged in one line; anything else keeps its traceback."""
    if isinstance(getattr(exc, "reason", None), str):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names & {"PermissionDenied", "InvalidText", "InvalidPhoneNumber", "OperationalError", "HTTPError"}
    ) or isinstance(exc, PermissionError | LookupError | ValueError | OSError)


def describe(exc: BaseException) -> str:
    """A one-line sentence for the status bar; SendRefused-like errors carry a ``reason``."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    # The first line: SQLAlchemy appends "[SQL: …]" and a documentation link on lines of their own.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def run_op(
    parent: QObject | None,
    fn: Callable[[], T],
    on_success: Callable[[T], Any] | None = None,
    on_failure: Callable[[BaseException], Any] | None = None,
    *,
    label: str = "",
    initiator: object | None = None,
    quiet: bool = False,
) -> None:
    """Run ``fn()`` on the worker; call ``on_success(result)`` or ``on_failure(exc)`` on the GUI thread.

    Args:
        parent: the widget the callbacks belong to; if it is gone when the result arrives, the
            callbacks are skipped (the failure is still logged and broadcast).
        fn: the blocking call, e.g. ``lambda: service.thread_page(cid)``.
        on_success: receives the result.
        on_failure: receives the exception, after it was logged and broadcast on ``failed``.
        label: what the op does, for logs and the status bar ("Loading conversations").
        initiator: the view whose ``on_success`` shows what ``fn`` changed (a sent reply): the
            change events ``fn`` publishes carry it (:func:`initiator`), and the refresh skips
            fetching what that view already shows, as Anki's ``operation_did_execute(changes,
            handler)`` does.
        quiet: the caller reports failures itself (a poll that retries every few seconds says
            once that it fails and once that it recovered): a failure is logged without its
            traceback at debug level and not broadcast on ``failed``; ``on_failure`` still runs.
    """
    disp = dispatcher()
    with disp._lock:
        disp.pending += 1

    def alive() -> bool:
        return parent is None or shiboken6.isValid(parent)

    def work() -> None:
        _running.initiator = initiator
        try:
            result = fn()
        except BaseException as exc:
            what = label or getattr(fn, "__name__", "op")
            if quiet:  # the caller reports the failure itself, once
                log.debug("%s failed:", what, exc_info=True)
            elif expected(exc):  # a refusal or an outage, said in one line; the traceback only with -vv
                log.warning("%s failed: %s: %s", what, type(exc).__name__, exc)
                log.debug("%s failed at:", what, exc_info=True)
            else:
                log.exception("op failed: %s", what)
            failure = exc

            def deliver_failure() -> None:
                prefix = f"{label} failed: " if label else ""
                if not quiet:
                    emit(disp.failed, prefix + describe(failure))
                if on_failure is not None and alive():
                    on_failure(failure)

            _post(disp, deliver_failure)
            return
        finally:
            _running.initiator = None

        def deliver_success() -> None:
            if on_success is not None and alive():
                try:
                    on_success(result)
                except Exception as exc:
                    log.exception("op success callback failed: %s", label)
                    emit(disp.failed, describe(exc))

        _post(disp, deliver_success)

    _pool().submit(work)


def initiator() -> object | None:
    """The initiator of the op running on the calling thread (None elsewhere, e.g. the scheduler)."""
    return getattr(_running, "initiator", None)


def later(parent: QObject, delay_ms: int, fn: Callable[[], None]) -> None:
    """Call ``fn`` on the GUI thread after ``delay_ms``; counted as pending until then, so whoever
    waits for the ops to settle (a test, a shutdown) also waits for this."""
    disp = dispatcher()
    with disp._lock:
        disp.pending += 1

    def fire() -> None:
        if shiboken6.isValid(parent):
            fn()

    QTimer.singleShot(delay_ms, disp, lambda: disp._run(fire))


def _post(disp: _Dispatcher, thunk: Callable[[], None]) -> None:
    if shiboken6.isValid(disp):
        emit(disp.posted, thunk)


def pending() -> int:
    """How many ops have not delivered yet (tests wait for 0)."""
    return 0 if _dispatcher is None or not shiboken6.isValid(_dispatcher) else _dispatcher.pending


def shutdown() -> None:
    """Stop accepting work at application exit; running ops finish, queued ones are cancelled."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=False, cancel_futures=True)
        _executor = None
