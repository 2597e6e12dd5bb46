"""Poll charts on the app's themed chart view: votes per option, and votes over time.

Why our own small views: they use the same option colours as the share bars, so a bar, a line and
a badge of one option are always the same colour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QDateTimeAxis,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QWidget

from inbox.ui.charts import ThemedChart
from inbox.ui.engagement.parts import series_colour


def nice_max(value: float) -> float:
    """A round axis top just above ``value`` (1, 2, 5 × 10ⁿ) so ticks land on whole numbers."""
    if value <= 4:
        return 4.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for mult in (1, 2, 2.5, 5, 10):
        if step * mult >= value * 1.05:
            return step * mult
    return step * 10


def ticks_for(top: float) -> int:
    """Tick marks on whole numbers: five intervals for 10, 25, 250…, four for 4."""
    return 6 if top % 5 == 0 else 5


class _PollChart(ThemedChart):
    """A poll's chart: a little taller than the Supervisor's, flush with its card's left edge."""

    MARGINS = QMargins(0, 4, 4, 0)
    MINIMUM_HEIGHT = 200


class VotesChart(_PollChart):
    """Votes per option as vertical bars, one colour per option (the share bars' colours)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Votes per option")
        self.chart().legend().setVisible(False)
        self.values: list[tuple[str, int]] = []

    def set_votes(self, values: list[tuple[str, int]]) -> None:
        """``values``: (option key, votes) in poll order."""
        self.values = values
        chart = self.chart()
        chart.removeAllSeries()
        series = QStackedBarSeries()
        series.setBarWidth(0.55)
        # One stacked set per option with a single non-zero slot: each bar is centred on its category
        # and takes its option's colour.
        for i, (_key, votes) in enumerate(values):
            bar = QBarSet(_key)
            for j in range(len(values)):
                bar.append(votes if j == i else 0)
            bar.setColor(series_colour(i))
            bar.setBorderColor(series_colour(i))
            series.append(bar)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([k for k, _ in values] or [""])
        axis = QValueAxis()
        top = nice_max(max((v for _, v in values), default=0))
        axis.setRange(0, top)
        axis.setTickCount(ticks_for(top))
        axis.setLabelFormat("%d")
        self.replace_axes((categories, Qt.AlignmentFlag.AlignBottom), (axis, Qt.AlignmentFlag.AlignLeft))
        categories.setGridLineVisible(False)
        self.apply_theme()


class TimelineChart(_PollChart):
    """Cumulative votes per option over time (one line each), from the poll's hourly buckets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Votes over time")
        self.points = 0

    def set_timeline(self, options: list[tuple[str, str]], over_time: list[tuple[datetime, str, int]]) -> None:
        """``options``: (key, label) in poll order; ``over_time``: (hour, key, votes in that hour)."""
        chart = self.chart()
        chart.removeAllSeries()
        hours = sorted({h for h, _, _ in over_time})
        if hours:
            hours = [hours[0] - timedelta(hours=1), *hours]
        top = 0
        self.points = 0
        for i, (key, label) in enumerate(options):
            per_hour = {h: n for h, k, n in over_time if k == key}
            line = QLineSeries()
            line.setName(label)
            pen = QPen(series_colour(i), 2.2)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            line.setPen(pen)
            running = 0
            for h in hours:
                running += per_hour.get(h, 0)
                line.append(QDateTime(h.astimezone()).toMSecsSinceEpoch(), running)
                self.points += 1
            top = max(top, running)
            chart.addSeries(line)
        x = QDateTimeAxis()
        span = (hours[-1] - hours[0]) if len(hours) > 1 else timedelta(hours=1)
        x.setFormat("HH:mm" if span <= timedelta(hours=36) else "d MMM")
        x.setTickCount(len(hours) if 2 <= len(hours) <= 12 else 7)
        if hours:
            x.setRange(QDateTime(hours[0].astimezone()), QDateTime(hours[-1].astimezone()))
        y = QValueAxis()
        y.setRange(0, nice_max(top))
        y.setTickCount(ticks_for(nice_max(top)))
        y.setLabelFormat("%d")
        self.replace_axes((x, Qt.AlignmentFlag.AlignBottom), (y, Qt.AlignmentFlag.AlignLeft))
        chart.legend().setVisible(len(options) > 1)
        self.apply_theme()
