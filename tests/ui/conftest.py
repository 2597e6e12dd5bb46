"""UI test fixtures: a GUI-thread I/O guard (autouse), isolated settings, and a real inbox.

The guard is the executable form of the rule "no database or HTTP call on the GUI thread": any
SQLAlchemy cursor execution or pool checkout, or any httpx request, made from the Qt GUI thread is
recorded and raises, and the test fails at teardown even if the exception was swallowed.

Windows under test run on a real temporary SQLite inbox (inbox.engine.sample.temporary) and the
real InboxService, so the guard sees every statement they cause. The test's own set-up writes
through the sample package's history writer on a helper thread.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from inbox.core.events import ConversationsChanged, MessagesChanged
from inbox.core.models import (
    AuthorKind,
    Channel,
    ConversationStatus,
    ConversationSummary,
    Message,
    MessageKind,
    MessageStatus,
    OptOutSource,
)
from inbox.engine.sample import history
from inbox.engine.sample.temporary import TemporaryInbox
from inbox.engine.service import InboxService
from inbox.store import conversations, messages, optouts
from inbox.ui import ops, theme


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


_helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-setup")


def off_gui(fn: Callable[[], Any]) -> Any:
    """Run a blocking set-up call on a helper thread (the guard forbids it on the GUI thread)."""
    return _helper.submit(fn).result(timeout=60)


class Calls:
    """Records what the windows asked of the real service (the real methods still run)."""

    def __init__(self, service: InboxService) -> None:
        self.log: list[tuple[str, tuple]] = []
        self._lock = threading.Lock()
        for name in SERVICE_METHODS:
            setattr(service, name, self._recording(name, getattr(service, name)))

    def _recording(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.log.append((name, args))
            return fn(*args, **kwargs)

        return wrapper

    def of(self, name: str) -> list[tuple]:
        with self._lock:
            return [args for n, args in self.log if n == name]

    def clear(self) -> None:
        with self._lock:
            self.log.clear()


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
    "opt_out",
)


class SampleInbox:
    """A test's inbox: conversations and messages written as finished history (no events, like
    rows that were there before the window opened), and `receive` for a text arriving while it is open."""

    def __init__(self, inbox: TemporaryInbox, service: InboxService) -> None:
        self.inbox, self.db, self.service = inbox, inbox.db, service
        self.calls = Calls(service)
        self._refs = itertools.count(1)

    @property
    def channel(self) -> Channel:
        return self.inbox.channels[0]

    def called(self, name: str) -> list[tuple]:
        return self.calls.of(name)

    def reset_calls(self) -> None:
        self.calls.clear()

    def add_channel(self, name: str, number: str) -> Channel:
        return off_gui(lambda: self.inbox.add_channel(name, number))

    def add_conversation(
        self,
        phone: str,
        name: str | None,
        channel: Channel | None = None,
        *,
        status: ConversationStatus = ConversationStatus.OPEN,
        assignee: str | None = None,
        unread: int = 0,
        flagged: bool = False,
        labels: tuple[str, ...] = (),
        snoozed_until: datetime | None = None,
    ) -> int:
        def write() -> int:
            with self.db.write() as s:
                ch = channel or self.channel
                script = history.Script(
                    phone, name, (), status, assignee, unread=unread, flagged=flagged, labels=labels
                )
                cid = history.write_script(s, ch, script, now=datetime.now(UTC), agent=self.service.agent)
                assert cid is not None
                if snoozed_until is not None:
                    conversations.set_fields(s, cid, snoozed_until=snoozed_until)
                return cid

        return off_gui(write)

    def add_message(
        self,
        conv_id: int,
        body: str,
        *,
        inbound: bool = True,
        at: datetime | None = None,
        author_kind: AuthorKind | None = None,
        author: str | None = None,
        status: MessageStatus | None = None,
        masked: bool = False,
        kind: MessageKind | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
    ) -> Message:
        """One message, leaving the conversation's status and unread count as they were."""
        return off_gui(
            lambda: self._write_message(
                conv_id, body, inbound, at, author_kind, author, status, masked, kind, error_code, error_message
            )
        )

    def _write_message(
        self, conv_id, body, inbound, at, author_kind, author, status, masked, kind, error_code, error_message
    ) -> Message:
        who = {AuthorKind.NOTE: "n", AuthorKind.AUTOMATION: "r:", AuthorKind.PROVIDER: "p:"}.get(author_kind, "a")
        if who.endswith(":"):
            who += author or "automation"
        if inbound and author_kind in (None, AuthorKind.CUSTOMER):
            who = "c"
        default = MessageStatus.RECEIVED if who == "c" else MessageStatus.DELIVERED
        error = (error_code or 30007, error_message) if error_message else None
        line = history.Line(at or datetime.now(UTC), who, body, (status or default).value, error, author, masked, kind)
        with self.db.write() as s:
            before = conversations.summary(s, conv_id)
            assert before is not None
            ch = next(c for c in self.inbox.channels if c.id == before.channel_id)
            new_id = history.write_line(
                s, ch, conv_id, before.contact_phone, line, now=datetime.now(UTC), agent=self.service.agent,
                ref=next(self._refs),
            )  # fmt: skip
            assert new_id is not None
            conversations.set_fields(
                s, conv_id, status=before.status.value, unread_count=before.unread_count,
                snoozed_until=before.snoozed_until,
            )  # fmt: skip
            return messages.get_many(s, [new_id])[0]

    def receive(self, conv_id: int, body: str) -> Message:
        """A customer's text arriving now: stored as ingest stores it, then the change events."""

        def write() -> Message:
            with self.db.write() as s:
                conv = conversations.summary(s, conv_id)
                assert conv is not None
                ch = next(c for c in self.inbox.channels if c.id == conv.channel_id)
                line = history.Line(datetime.now(UTC), "c", body)
                new_id = history.write_line(
                    s, ch, conv_id, conv.contact_phone, line, now=datetime.now(UTC), agent="", ref=next(self._refs)
                )
                assert new_id is not None
                return messages.get_many(s, [new_id])[0]

        msg = off_gui(write)
        self.service.events.publish(MessagesChanged(frozenset({conv_id}), frozenset({msg.id})))
        self.service.events.publish(ConversationsChanged(frozenset({conv_id})))
        return msg

    def set_opted_out(self, conv_id: int, at: datetime, keyword: str | None = "STOP") -> None:
        def write() -> None:
            with self.db.write() as s:
                conv = conversations.summary(s, conv_id)
                assert conv is not None
                optouts.record(
                    s, conv.contact_id, conv.channel_id, opted_out=True, at=at, source=OptOutSource.KEYWORD,
                    keyword=keyword,
                )  # fmt: skip

        off_gui(write)

    def set_fields(self, conv_id: int, **fields: object) -> None:
        """Change a conversation behind the window's back (no event)."""

        def write() -> None:
            with self.db.write() as s:
                conversations.set_fields(s, conv_id, **fields)

        off_gui(write)

    def summary(self, conv_id: int) -> ConversationSummary:
        return off_gui(lambda: self.service.conversation_summaries([conv_id])[0])


def wait_ops(qtbot, timeout: int = 3000) -> None:
    """Wait until every op has delivered its result on the GUI thread."""
    qtbot.waitUntil(lambda: ops.pending() == 0, timeout=timeout)


def sample_inbox(tmp_path, folder: str = "inbox", agent: str = "Dana") -> Iterator[SampleInbox]:
    """An empty inbox with the channel "main" (polled 4 s ago) and the real service over it."""
    from inbox.store import health

    def build() -> TemporaryInbox:
        made = TemporaryInbox(tmp_path / folder, agent=agent)
        channel = made.add_channel("main", "+15550001111")
        with made.db.write() as s:
            health.poll_ok(s, channel.id, datetime.now(UTC) - timedelta(seconds=4))
        return made

    made = off_gui(build)
    try:
        yield SampleInbox(made, made.service())
    finally:
        off_gui(made.close)


@pytest.fixture
def inbox(tmp_path) -> Iterator[SampleInbox]:
    yield from sample_inbox(tmp_path)


@pytest.fixture
def service(inbox: SampleInbox) -> InboxService:
    return inbox.service


def add_convs(inbox: SampleInbox, n: int) -> list[int]:
    """n conversations with one inbound message each, newest first by id."""
    base = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
    scripts = [
        history.Script(
            f"+1415555{i:04d}", f"Customer {i}", (history.Line(base + timedelta(minutes=i), "c", f"Message {i}"),)
        )
        for i in range(n)
    ]

    def write() -> list[int]:
        with inbox.db.write() as s:
            now = datetime.now(UTC)
            ids = [history.write_script(s, inbox.channel, sc, now=now, agent=inbox.service.agent) for sc in scripts]
        return [i for i in ids if i is not None]

    return off_gui(write)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns once when a top-level window is shown; that is not our bug."""
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))
