"""One rule for every window: Esc and Ctrl+W close a secondary window; the main window's Ctrl+Q quits,
Ctrl+W leaves it open; the ``?`` sheet shows every shortcut in full."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from inbox.engine.service import InboxService
from inbox.ui import shortcuts
from inbox.ui.engagement.window import EngagementWindow
from inbox.ui.main_window import MainWindow
from inbox.ui.supervisor.window import SupervisorWindow
from tests.ui.conftest import wait_ops


def _main(qtbot, service) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    wait_ops(qtbot)
    return w


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_W])
@pytest.mark.parametrize("kind", ["supervisor", "engagement"])
def test_esc_and_ctrl_w_close_each_secondary_window(qtbot, service, kind, key) -> None:
    main = _main(qtbot, service)
    win: SupervisorWindow | EngagementWindow
    if kind == "supervisor":
        main.open_supervisor()
        win = main.supervisor_window
    else:
        main.open_engagement()
        win = main.findChild(EngagementWindow)
    wait_ops(qtbot)
    win.activateWindow()
    qtbot.waitExposed(win)
    assert win.isVisible()
    modifier = Qt.KeyboardModifier.ControlModifier if key == Qt.Key.Key_W else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(win, key, modifier)
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=2000)
    assert main.isVisible()  # only the secondary window went


def test_main_window_ctrl_w_stays_open_and_ctrl_q_quits(qtbot, service) -> None:
    w = _main(qtbot, service)
    qtbot.keyClick(w, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    assert w.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.isVisible()  # Esc goes back to the list
    quit_entry = next(a for a in w.menus["inbox"].actions() if a.text() == "Quit")
    assert quit_entry.shortcut().toString() == "Ctrl+Q"
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=2000)


@pytest.mark.parametrize("size", [(1440, 900), (1024, 700), (880, 560)])
def test_the_shortcut_sheet_shows_every_shortcut_in_full(qtbot, service, size) -> None:
    w = _main(qtbot, service)
    w.resize(*size)
    w.toggle_help()
    overlay = w.help_overlay
    assert overlay.isVisible() and overlay.size() == w.size()
    sheet = overlay.sheet()
    fm = QFontMetricsF(overlay.font())
    assert len(sheet.rows) == len(shortcuts.BINDINGS)
    assert {r.keys for r in sheet.rows} >= {"Ctrl+Q", "Ctrl+Z", "Esc / Ctrl+W"}
    for row in sheet.rows:
        assert fm.horizontalAdvance(row.label) <= row.label_rect.width(), row.label  # not cut short
        assert row.chip.right() < row.label_rect.left()  # the key chip does not run into its label
        assert sheet.card.contains(row.chip) and sheet.card.contains(row.label_rect)
    assert overlay.rect().toRectF().contains(sheet.card)


def test_supervisor_has_no_private_close_keys(qtbot, sqlite_db) -> None:
    """The same two keys, installed by the one helper: no window binds Esc or Ctrl+W its own way."""
    win = SupervisorWindow(InboxService(sqlite_db, agent="admin"))
    qtbot.addWidget(win)
    wait_ops(qtbot)
    from PySide6.QtGui import QShortcut

    keys = [sc.key().toString() for sc in win.findChildren(QShortcut)]
    assert keys.count("Esc") == 1 and keys.count("Ctrl+W") == 1


def test_ctrl_w_closes_a_dialog_as_esc_does(qtbot, service, qapp) -> None:
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    shortcuts.close_dialogs_with_ctrl_w(qapp)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.show()
    qtbot.waitExposed(dialog)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)  # even from a text field
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
