"""UI test fixtures: a GUI-thread I/O guard (autouse), isolated settings, and a FakeService.

The guard is the executable form of the rule "no database or HTTP call on the GUI thread": any
SQLAlchemy cursor execution or pool checkout, or any httpx request, made from the Qt GUI thread is
recorded and raises, and the test fails at teardown even if the exception was swallowed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from inbox.ui import ops, theme
from inbox.ui.preview_data import InMemoryService


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    if app is not None:
        return QThread.currentThread() == app.thread()
    return threading.current_thread() is threading.main_thread()


class GuiThreadIO(AssertionError):
    """Raised when the GUI thread touches the database or the network."""


@dataclass
class Guard:
    violations: list[str] = field(default_factory=list)
    expected: bool = False

    def check(self, what: str) -> None:
        if on_gui_thread():
            self.violations.append(what)
            raise GuiThreadIO(f"{what} on the GUI thread")


@pytest.fixture(autouse=True)
def gui_io_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    """Autouse: fail any test whose GUI thread runs SQL or HTTP."""
    guard = Guard()

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        guard.check(f"SQL {statement[:60]!r}")

    def on_checkout(*_a: Any) -> None:
        guard.check("database connection checkout")

    event.listen(Engine, "before_cursor_execute", before_execute)
    event.listen(Pool, "checkout", on_checkout)

    real_send = httpx.Client.send

    @functools.wraps(real_send)
    def guarded_send(self: httpx.Client, request: httpx.Request, *a: Any, **kw: Any) -> httpx.Response:
        guard.check(f"HTTP {request.method} {request.url}")
        return real_send(self, request, *a, **kw)

    monkeypatch.setattr(httpx.Client, "send", guarded_send)
    try:
        yield guard
    finally:
        event.remove(Engine, "before_cursor_execute", before_execute)
        event.remove(Pool, "checkout", on_checkout)
    if guard.violations and not guard.expected:
        pytest.fail("I/O on the GUI thread: " + "; ".join(guard.violations))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp) -> Iterator[None]:
    """Every QSettings read/write goes to a temp dir; the light theme is applied."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    theme.apply_theme(qapp, dark=False)
    yield


SERVICE_METHODS = (
    "conversations_page",
    "conversations_count",
    "conversation_summaries",
    "thread_page",
    "messages",
    "contact_details",
    "search",
    "channels",
    "channel_health",
    "unread_total",
    "send_reply",
    "add_note",
    "retry",
    "assign",
    "set_status",
    "mark_read",
    "rename_contact",
    "set_labels",
    "clear_flag",
)


def _guarded(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(self: FakeService, *args: Any, **kwargs: Any) -> Any:
        if on_gui_thread():
            self.gui_thread_calls.append(name)
            raise GuiThreadIO(f"service.{name} called on the GUI thread")
        with self._calls_lock:
            self.calls.append((name, args))
        return fn(self, *args, **kwargs)

    return wrapper


class FakeService(InMemoryService):
    """The in-memory service, recording calls and refusing to be called from the GUI thread."""

    def __init__(self, agent: str = "Dana") -> None:
        super().__init__(agent=agent)
        self.calls: list[tuple[str, tuple]] = []
        self.gui_thread_calls: list[str] = []
        self._calls_lock = threading.Lock()

    def called(self, name: str) -> list[tuple]:
        with self._calls_lock:
            return [args for n, args in self.calls if n == name]

    def reset_calls(self) -> None:
        with self._calls_lock:
            self.calls.clear()


for _name in SERVICE_METHODS:
    setattr(FakeService, _name, _guarded(_name, getattr(InMemoryService, _name)))


def wait_ops(qtbot, timeout: int = 3000) -> None:
    """Wait until every op has delivered its result on the GUI thread."""
    qtbot.waitUntil(lambda: ops.pending() == 0, timeout=timeout)


@pytest.fixture
def service() -> Iterator[FakeService]:
    svc = FakeService()
    svc.add_channel("main", "+15550001111")
    yield svc
    assert not svc.gui_thread_calls, svc.gui_thread_calls


def add_convs(svc: FakeService, n: int) -> list[int]:
    """n conversations with one inbound message each, newest first by id."""
    from datetime import UTC, datetime, timedelta

    base = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
    ids = []
    for i in range(n):
        cid = svc.add_conversation(f"+1415555{i:04d}", f"Customer {i}")
        svc.add_message(cid, f"Message {i}", at=base + timedelta(minutes=i))
        ids.append(cid)
    return ids


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns once when a top-level window is shown; that is not our bug."""
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))
