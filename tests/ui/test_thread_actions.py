"""The thread's "More" menu exports the open conversation's PDF transcript (role-checked), and the
`?` overlay lists F1 without a second, ambiguous F1 shortcut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtGui import QKeySequence, QShortcut

from inbox.core.models import InboundMessage, PollCursor
from inbox.engine import ingest
from inbox.engine.service import InboxService
from inbox.providers.base import InboundBatch
from inbox.store import agents, channels
from inbox.store.agents import Role
from inbox.store.db import Database
from inbox.ui import shortcuts
from inbox.ui.main_window import MainWindow
from inbox.ui.supervisor.export_dialog import ExportDialog
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops


@pytest.fixture
def db(channel_db: Database) -> Database:
    """The main channel with one customer message in it."""

    def text_in() -> None:
        with channel_db.read() as s:
            channel = channels.by_name(s, "main")
        now = datetime.now(UTC).replace(microsecond=0)
        msg = InboundMessage("SM" + "1" * 32, "+14155550123", "+15550001111", "Where is my parcel?", now)
        ingest.ingest(channel_db, channel, InboundBatch([msg], PollCursor(now)))

    off_gui(text_in)
    return channel_db


def _open_window(qtbot, db: Database, agent: str) -> MainWindow:
    w = MainWindow(InboxService(db, agent=agent))
    qtbot.addWidget(w)
    w.show()
    wait_ops(qtbot)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    w.list_pane.step(0)
    wait_ops(qtbot)
    assert w.thread_pane.summary is not None
    return w


def test_more_menu_exports_the_transcript_as_pdf(qtbot, db, tmp_path):
    w = _open_window(qtbot, db, "Dana")
    header = w.thread_pane.header
    assert header.more_button.isVisibleTo(w) and header.export_action.text() == "Export transcript (PDF)…"
    header.export_action.trigger()
    dialog = w.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.kind.currentData() == "transcript"
    dialog.path.setText(str(tmp_path / "t.pdf"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF") and "Exported 1 message" in dialog.status.text()


def test_an_agent_is_refused_a_transcript_of_someone_elses_conversation(qtbot, db, tmp_path):
    def team() -> None:
        with db.write() as s:
            agents.upsert(s, "Sam", Role.ADMIN)
            agents.upsert(s, "Dana", Role.AGENT)

    off_gui(team)
    w = _open_window(qtbot, db, "Dana")
    w.export_transcript()  # the Conversation menu's entry
    dialog = w.export_dialog
    dialog.path.setText(str(tmp_path / "t.pdf"))
    dialog.start()
    qtbot.waitUntil(lambda: "failed" in dialog.status.text(), timeout=10_000)
    assert "may export only conversations assigned to them" in dialog.status.text()
    assert not (tmp_path / "t.pdf").exists()


def test_f1_is_listed_in_the_help_but_installed_once(qtbot, db):
    w = _open_window(qtbot, db, "Dana")
    assert any(b.keys == ("F1",) and b.display_only for b in shortcuts.BINDINGS)
    f1 = QKeySequence("F1")
    assert not [sc for sc in w.findChildren(QShortcut) if sc.key() == f1]
    assert w.about_action.shortcut() == f1
