"""Snooze ▸ Custom…: a picked day and time snoozes the conversation until then; a past time is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime

from inbox.core.models import ConversationStatus
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.snooze_dialog import SnoozeDialog
from tests.ui.conftest import wait_ops


def test_custom_snooze_snoozes_until_the_picked_time(qtbot, service, inbox) -> None:
    cid = inbox.add_conversation("+14155550190", "Thursday delivery")
    inbox.add_message(cid, "Can you check on Thursday?")
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.show()
    wait_ops(qtbot)
    w.list_pane.step(0)
    wait_ops(qtbot)
    header = w.thread_pane.header
    picked = (datetime.now().astimezone() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    header.ask_snooze_time = lambda _parent: picked
    header._fill_snooze_menu()
    custom = next(a for a in header.snooze_menu.actions() if a.text() == "Custom…")
    custom.trigger()
    wait_ops(qtbot)
    s = inbox.summary(cid)
    assert s.status is ConversationStatus.SNOOZED and s.snoozed_until == picked
    assert w.undo_bar.label.text().startswith(f"Snoozed until {picked.day} ")  # and it can be undone


def test_the_picker_refuses_a_time_already_past(qtbot) -> None:
    now = datetime(2026, 12, 1, 15, 30).astimezone()
    dialog = SnoozeDialog(now=now)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == (now + timedelta(days=1)).replace(hour=9, minute=0)  # tomorrow 9:00
    assert dialog.ok.isEnabled() and dialog.edit.calendarPopup()
    dialog.edit.setDateTime(QDateTime(datetime(2026, 12, 4, 14, 0)))
    assert dialog.chosen() == datetime(2026, 12, 4, 14, 0).astimezone() and "4 Dec at 14:00" in dialog.hint.text()
    dialog.edit.setDateTime(QDateTime(datetime(2026, 12, 1, 15, 30)))  # the minimum: this very minute
    assert not dialog.ok.isEnabled() and dialog.hint.text() == "That time has passed: pick a later one."
