"""Snooze ▸ Custom…: pick the day and time a conversation comes back.

Why: "In 1 hour", "Tomorrow 9:00" and "Next week" cover most snoozes, not "after the delivery on
Thursday at 14:00". The picker refuses a time already past (the conversation would wake at once),
saying so instead of greying OK without a word.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from inbox.ui import humanize


def default_time(now: datetime) -> datetime:
    """Tomorrow at 9:00 local time: where most custom picks start from."""
    local = now.astimezone()
    return (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


class SnoozeDialog(QDialog):
    """A date-and-time field with a calendar, the wake-up time in words, OK and Cancel."""

    def __init__(self, parent: QWidget | None = None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Snooze until")
        self._now = (now or datetime.now().astimezone()).astimezone()
        self.edit = QDateTimeEdit(self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.edit.setAccessibleName("Snooze until")
        self.edit.setMinimumDateTime(QDateTime(self._now.replace(second=0, microsecond=0, tzinfo=None)))
        self.edit.setDateTime(QDateTime(default_time(self._now).replace(tzinfo=None)))
        self.hint = QLabel(self)
        self.hint.setProperty("role", "muted")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Snooze")
        self.ok.setObjectName("primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(8)
        lay.addWidget(QLabel("Bring this conversation back on:", self))
        lay.addWidget(self.edit)
        lay.addWidget(self.hint)
        lay.addWidget(self.buttons)
        self.edit.dateTimeChanged.connect(lambda _d: self._check())
        self._check()

    def chosen(self) -> datetime:
        """The picked time, aware, in the local zone."""
        return self.edit.dateTime().toPython().astimezone()

    def _check(self) -> None:
        when = self.chosen()
        ok = when > self._now
        self.ok.setEnabled(ok)
        if ok:
            self.hint.setText(f"Back {humanize.short_date(when)} at {when:%H:%M} — or sooner if the customer writes.")
        else:
            self.hint.setText("That time has passed: pick a later one.")


def ask_snooze_time(parent: QWidget) -> datetime | None:
    """Show the picker; the chosen time, or None if cancelled."""
    dialog = SnoozeDialog(parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None
