"""A headless follower desktop: the real main window, offscreen, on a database another process writes.

`python -m tests.team.follower URL AGENT SETTINGS_DIR` builds what `inbox app` builds for the views
(``InboxService``, the EventBus, the change feed through ``inbox.ui.live.LiveUpdates``; no engine
runner: the writer processes do the work), shows every conversation, opens the first one, and
prints one JSON line whenever what the window shows changes: the list rows, the open thread's
bubbles, the window title, the unread label and the feed's state. It only reads its widgets and
models (no database call of its own); a test asserts on those lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    url, agent, settings_dir = sys.argv[1:4]
    count_queries = "--count-queries" in sys.argv[4:]  # a line per query: for the benchmark only
    watch = _option("--watch")  # a conversation id: the benchmark's light mode (see `_watch`)
    from PySide6.QtCore import QSettings, QTimer

    from inbox.core.events import EventBus
    from inbox.engine.service import InboxService
    from inbox.store.db import Database
    from inbox.store.feed import latest_seq
    from inbox.ui.application import ensure_app
    from inbox.ui.conversations.model import PreviewRole
    from inbox.ui.live import LiveUpdates
    from inbox.ui.main_window import MainWindow
    from inbox.ui.thread.model import MessageRole

    db = Database(url)
    queries = [0]  # statements this desktop sent (through SQLAlchemy, and the feed's reads)

    from sqlalchemy import event

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_a: object) -> None:
        queries[0] += 1

    if count_queries:  # the change feed's reads on its own connection count too
        from inbox.store import feed as feed_module

        read = feed_module._LogReader._all

        def counted(reader: Any, conn: Any, sql: str, params: Any = ()) -> Any:
            queries[0] += 1
            return read(reader, conn, sql, params)

        feed_module._LogReader._all = counted  # type: ignore[method-assign]
    events = EventBus()
    service = InboxService(db, events, agent=agent)
    since = latest_seq(db)  # before Qt and the first loads, as `inbox app` does
    app = ensure_app()
    settings = QSettings(os.path.join(settings_dir, "follower.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, title="Inbox", qsettings=settings, live=LiveUpdates(service, since=since))
    window.list_pane.set_view("all")
    last: list[str] = []

    def snapshot() -> dict:
        model, thread = window.list_pane.model, window.thread_pane.model
        rows = []
        for r in range(model.rowCount()):
            s = model.summary(r)
            if s is not None:
                rows.append(
                    {
                        "id": s.id,
                        "preview": model.data(model.index(r), PreviewRole),
                        "unread": s.unread_count,
                        "assignee": s.assignee,
                        "status": s.status.value,
                        "labels": list(s.labels),
                        "opted_out": s.opted_out,
                    }
                )
        bubbles = []
        for r in range(thread.rowCount()):
            m = thread.data(thread.index(r), MessageRole)
            bubbles.append({"id": m.id, "body": m.body, "status": m.status.value, "author": m.author})
        return {
            "rows": rows,
            "open": window.thread_pane.conversation_id,
            "assigned": window.thread_pane.header.sub.text(),
            "bubbles": bubbles,
            "title": window.windowTitle(),
            "unread": window.status.unread.text(),
            "notified": [body for _title, body in window.notifier.shown],
            "tray": window.notifier.badge,
            "live": window.live.state if window.live is not None else None,
            "queries": queries[0] if count_queries else None,
        }

    def tick() -> None:
        if window.thread_pane.conversation_id is None and window.list_pane.model.rowCount():
            window.list_pane.step(0)
        line = json.dumps(snapshot(), sort_keys=True)
        if not last or line != last[0]:
            last[:] = [line]
            print(line, flush=True)

    timer = QTimer()
    if watch is None:
        timer.timeout.connect(tick)
        timer.start(20)
        QTimer.singleShot(0, lambda: print(json.dumps({"ready": True}), flush=True))
    else:
        _watch(window, int(watch), queries, timer)
    # The test ends the follower by closing its stdin.
    from PySide6.QtCore import QSocketNotifier

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def stdin_ready() -> None:
        if not sys.stdin.readline():
            window.close()
            app.quit()

    notifier.activated.connect(stdin_ready)
    code = app.exec()
    from inbox.ui import ops

    ops.shutdown()
    db.dispose()
    return code


def _option(name: str) -> str | None:
    args = sys.argv[4:]
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def _watch(window: Any, conversation_id: int, queries: list[int], timer: Any) -> None:
    """The benchmark's follower: the same window, listener and refresher, but instead of printing
    its whole view every 20 ms (which would cost more than the desktop itself with twenty of them
    on two cores), it opens `conversation_id` and prints one line per bubble that appears in its
    thread: ``{"seen": body, "t": time.monotonic()}`` (the clock every process on the machine
    shares), at the moment the thread model inserts it. Once a second: ``{"queries": n}``."""
    from inbox.ui import ops
    from inbox.ui.thread.model import MessageRole

    thread = window.thread_pane.model
    shown: set[int] = set()

    def look(*_a: object) -> None:
        now = time.monotonic()
        for r in range(thread.rowCount()):
            m = thread.data(thread.index(r), MessageRole)
            if m is not None and m.id not in shown:
                shown.add(m.id)
                print(json.dumps({"seen": m.body, "t": now}), flush=True)

    thread.rowsInserted.connect(look)
    thread.modelReset.connect(look)
    window.open_conversation(conversation_id)

    def second() -> None:
        line = {"queries": queries[0], "live": window.live.state, "pending": ops.pending()}
        line["reloads"] = window.refresher.reloads
        print(json.dumps(line), flush=True)

    timer.timeout.connect(second)
    timer.start(1000)
    print(json.dumps({"ready": True}), flush=True)


class Follower:
    """Drives the follower from a test: the process and the latest snapshot it printed."""

    def __init__(self, url: str, agent: str, settings_dir: Path, *extra: str, stderr: Any = subprocess.PIPE) -> None:
        """`stderr`: where the follower's log goes (a file when nobody reads the pipe: a benchmark)."""
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.team.follower", url, agent, str(settings_dir), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.on_line: Callable[[dict, float], None] | None = None  # called on the reader thread
        self.latest: dict = {}
        self.lines = 0
        self.states: list[str] = []  # the feed states shown, in order
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            arrived = time.monotonic()
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                self.latest = doc
                self.lines += 1
                if self.on_line is not None:
                    self.on_line(doc, arrived)
                state = doc.get("live")
                if state and (not self.states or self.states[-1] != state):
                    self.states.append(state)
                self._cond.notify_all()

    def wait_for(self, what: str, check: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self.latest and "rows" in self.latest and check(self.latest)):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
                    raise AssertionError(f"the follower never showed {what}; it shows {self.latest}\n{err}")
                self._cond.wait(min(left, 0.5))
            return self.latest

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
