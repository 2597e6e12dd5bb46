"""The Supervisor view's filter bar: period (today, 7 days, 30 days, custom dates), channel, agent, label.

Why its own widget: the same filters drive the cards, the charts, the review queue and the export
dialog, so one object turns the controls into a ``ReportFilter`` and a bucket size, once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QDateEdit, QHBoxLayout, QLabel, QToolButton, QWidget

from inbox.reports.dashboard import Options
from inbox.reports.filters import ReportFilter
from inbox.ui.qt_compat import emit
from inbox.ui.supervisor.formatting import date_range

PERIODS = (("today", "Today"), ("7d", "7 days"), ("30d", "30 days"), ("custom", "Custom"))
ALL = None  # the combo data of "All …"


def local_midnight(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


class FilterBar(QWidget):
    """Segmented period buttons, two date edits (custom range), and three combos.

    Signals:
        changed(): any filter changed (the view reloads).
    """

    changed = Signal()

    def __init__(self, tz: tzinfo, now: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._tz, self._now = tz, now
        self._quiet = False
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.setSpacing(4)
        self.period_group = QButtonGroup(self)
        self.period_group.setExclusive(True)
        self.period_buttons: dict[str, QToolButton] = {}
        for key, label in PERIODS:
            b = QToolButton(self)
            b.setObjectName("segment")
            b.setText(label)
            b.setCheckable(True)
            b.setAccessibleName(f"Period: {label}")
            self.period_group.addButton(b)
            self.period_buttons[key] = b
            row.addWidget(b)
            b.toggled.connect(lambda on, k=key: on and self._period_changed(k))
        today = self._today()
        self.date_from = QDateEdit(QDate(today - timedelta(days=6)), self)
        self.date_to = QDateEdit(QDate(today), self)
        for edit, name in ((self.date_from, "From"), (self.date_to, "To (inclusive)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self._dates_changed)
        self.dash = QLabel("–", self)
        row.addSpacing(6)
        row.addWidget(self.date_from)
        row.addWidget(self.dash)
        row.addWidget(self.date_to)
        row.addSpacing(12)
        self.channel = self._combo("Channel", "All channels")
        self.agent = self._combo("Agent", "All agents")
        self.label = self._combo("Label", "All labels")
        for combo in (self.channel, self.agent, self.label):
            row.addWidget(combo)
        row.addStretch(1)
        self.range_label = QLabel("", self)
        self.range_label.setProperty("role", "muted")
        row.addWidget(self.range_label)
        self.period_buttons["7d"].setChecked(True)

    def _combo(self, name: str, all_text: str) -> QComboBox:
        c = QComboBox(self)
        c.setAccessibleName(name)
        c.addItem(all_text, ALL)
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        c.currentIndexChanged.connect(self._fire)
        return c

    def _today(self) -> date:
        return self._now().astimezone(self._tz).date()

    # -- state -----------------------------------------------------------------------------------
    @property
    def period_key(self) -> str:
        return next((k for k, b in self.period_buttons.items() if b.isChecked()), "7d")

    def set_period(self, key: str) -> None:
        self.period_buttons[key].setChecked(True)

    def set_custom_range(self, first: date, last: date) -> None:
        """Custom range, both days inclusive (tests and remembered ranges)."""
        self._quiet = True
        self.date_from.setDate(QDate(first))
        self.date_to.setDate(QDate(last))
        self._quiet = False
        if self.period_key == "custom":
            self._fire()
        else:
            self.set_period("custom")

    def set_options(self, opts: Options) -> None:
        """Fill the combos, keeping the current choices when they still exist."""
        self._quiet = True
        for combo, items in (
            (self.channel, [(name, cid) for cid, name in opts.channels]),
            (self.agent, [(a, a) for a in opts.agents]),
            (self.label, [(lab, lab) for lab in opts.labels]),
        ):
            current = combo.currentData()
            while combo.count() > 1:
                combo.removeItem(1)
            for text, data in items:
                combo.addItem(text, data)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, found))
        self._quiet = False

    def select(self, combo: QComboBox, data: object) -> None:
        combo.setCurrentIndex(max(0, combo.findData(data)))

    def range(self) -> tuple[datetime, datetime]:
        """[start, end) at local midnights in the viewer's zone."""
        today = self._today()
        key = self.period_key
        if key == "custom":
            first, last = self.date_from.date().toPython(), self.date_to.date().toPython()
            if last < first:
                first, last = last, first
        else:
            days = {"today": 1, "7d": 7, "30d": 30}[key]
            first, last = today - timedelta(days=days - 1), today
        return local_midnight(first, self._tz), local_midnight(last + timedelta(days=1), self._tz)

    def bucket(self) -> str:
        start, end = self.range()
        return "week" if (end - start).days > 92 else "day"

    def report_filter(self) -> ReportFilter:
        start, end = self.range()
        return ReportFilter(
            start=start,
            end=end,
            channel_id=self.channel.currentData(),
            agent=self.agent.currentData(),
            label=self.label.currentData(),
        )

    def describe(self) -> str:
        start, end = self.range()
        parts = [date_range(start, end), self.channel.currentText(), self.agent.currentText(), self.label.currentText()]
        return " · ".join(parts)

    # -- events ----------------------------------------------------------------------------------
    def _period_changed(self, key: str) -> None:
        custom = key == "custom"
        for w in (self.date_from, self.dash, self.date_to):
            w.setVisible(custom)
        self._fire()

    def _dates_changed(self) -> None:
        if self.period_key == "custom":
            self._fire()

    def _fire(self) -> None:
        if self._quiet:
            return
        start, end = self.range()
        self.range_label.setText(date_range(start, end))
        emit(self.changed)
