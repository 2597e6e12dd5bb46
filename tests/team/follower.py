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
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    url, agent, settings_dir = sys.argv[1:4]
    from PySide6.QtCore import QSettings, QTimer

    from inbox.core.events import EventBus
    from inbox.engine.service import InboxService
    from inbox.store.db import Database
    from inbox.store.feed import latest_seq
    from inbox.ui.app import ensure_app
    from inbox.ui.conversations.model import PreviewRole
    from inbox.ui.live import LiveUpdates
    from inbox.ui.main_window import MainWindow
    from inbox.ui.thread.model import MessageRole

    db = Database(url)
    events = EventBus()
    service = InboxService(db, events, agent=agent)
    since = latest_seq(db)  # before Qt and the first loads, as `inbox app` does
    app = ensure_app()
    settings = QSettings(os.path.join(settings_dir, "follower.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, title="Inbox", qsettings=settings, live=LiveUpdates(db, events, since=since))
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
            "live": window.live.state if window.live is not None else None,
        }

    def tick() -> None:
        if window.thread_pane.conversation_id is None and window.list_pane.model.rowCount():
            window.list_pane.step(0)
        line = json.dumps(snapshot(), sort_keys=True)
        if not last or line != last[0]:
            last[:] = [line]
            print(line, flush=True)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    QTimer.singleShot(0, lambda: print(json.dumps({"ready": True}), flush=True))
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


if __name__ == "__main__":
    raise SystemExit(main())
