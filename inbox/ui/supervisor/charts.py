"""The Supervisor view's charts, on the app's themed chart view (``inbox.ui.charts``).

The series colours (the accent for MO, teal for MT) are re-read on every scheme flip, with the
background, grid and axis labels, so the charts follow light/dark like the rest of the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPen
from PySide6.QtWidgets import QWidget

from inbox.ui import theme
from inbox.ui.charts import ThemedChart

SECOND_SERIES = "#2f9e9e"  # teal: MT next to the accent MO, readable on both schemes
SECOND_SERIES_DARK = "#45c1b9"


def second_colour() -> QColor:
    return QColor(SECOND_SERIES_DARK if theme.tokens().dark else SECOND_SERIES)


def _value_axis(top: float) -> QValueAxis:
    """0 … a round number just above ``top``, with whole-number ticks (Qt's "nice numbers")."""
    axis = QValueAxis()
    axis.setRange(0, max(4.0, top * 1.08))
    axis.applyNiceNumbers()
    axis.setLabelFormat("%d")
    return axis


class CardChart(ThemedChart):
    """A chart on an overview card; the card's layout shares out the real space."""

    def sizeHint(self) -> QSize:
        return QSize(360, 200)


class VolumeChart(CardChart):
    """MO (customers) and MT (replies) per period, as two lines over a date axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Volume over time")
        self.mo = QLineSeries()
        self.mo.setName("Received (MO)")
        self.mt = QLineSeries()
        self.mt.setName("Sent (MT)")
        self.chart().addSeries(self.mo)
        self.chart().addSeries(self.mt)
        self.set_points([])

    def set_points(self, points: Sequence[tuple[datetime, int, int]]) -> None:
        """(bucket start, MO, MT) per bucket."""
        self.mo.clear()
        self.mt.clear()
        for at, mo, mt in points:
            ms = float(QDateTime(at).toMSecsSinceEpoch())
            self.mo.append(ms, mo)
            self.mt.append(ms, mt)
        x = QDateTimeAxis()
        x.setFormat("d MMM")
        if points:
            first, last = QDateTime(points[0][0]), QDateTime(points[-1][0])
            if first == last:
                first, last = first.addSecs(-43200), last.addSecs(43200)
            x.setRange(first, last)
        x.setTickCount(max(2, min(8, len(points))))
        y = _value_axis(max((max(mo, mt) for _a, mo, mt in points), default=0))
        self.replace_axes((x, Qt.AlignmentFlag.AlignBottom), (y, Qt.AlignmentFlag.AlignLeft))
        self.apply_theme()

    def style_series(self) -> None:
        t = theme.tokens()
        for series, colour in ((self.mo, t.color("accent")), (self.mt, second_colour())):
            pen = QPen(colour, 2.5)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            series.setPen(pen)
            series.setPointsVisible(series.count() <= 31)
            series.setMarkerSize(5.0)
            series.setColor(colour)


class HistogramChart(CardChart):
    """How long answered customer turns waited, in fixed buckets, fastest at the top (horizontal bars
    leave the bucket labels their full width at any window size)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Response-time distribution")
        self.chart().legend().setVisible(False)
        self.bars = QBarSet("Answered turns")
        self.series = QHorizontalBarSeries()
        self.series.setBarWidth(0.7)
        self.series.append(self.bars)
        self.chart().addSeries(self.series)
        self.set_buckets([])

    def set_buckets(self, buckets: Sequence[tuple[str, int]]) -> None:
        """(label, count) fastest first; stored bottom-up as QHorizontalBarSeries draws them."""
        ordered = list(reversed(buckets))
        self.bars.remove(0, self.bars.count())
        self.bars.append([float(n) for _label, n in ordered])
        y = QBarCategoryAxis()
        y.append([label for label, _n in ordered])
        x = _value_axis(max((n for _l, n in buckets), default=0))
        self.replace_axes((y, Qt.AlignmentFlag.AlignLeft), (x, Qt.AlignmentFlag.AlignBottom))
        self.apply_theme()

    def counts(self) -> list[int]:
        """The bar values fastest first (as given to ``set_buckets``)."""
        return [round(self.bars.at(i)) for i in reversed(range(self.bars.count()))]

    def style_series(self) -> None:
        t = theme.tokens()
        self.bars.setColor(t.color("accent"))
        self.bars.setBorderColor(t.color("accent"))


class AgentBarsChart(CardChart):
    """One measure per agent as horizontal bars, agents top to bottom in name order.

    Horizontal so every name has a label: a vertical bar's category axis silently drops labels
    that do not fit under their bar (five agents in a half-width card already lost one). Names
    longer than the label column are elided; the full names are in the tooltip.
    """

    LABEL_WIDTH = 96  # px for an agent's name beside its bar

    def __init__(self, name: str, colour: str = "accent", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._colour = colour
        self._names: list[str] = []
        self.chart().legend().setVisible(False)
        self.bars = QBarSet(name)
        self.series = QHorizontalBarSeries()
        self.series.setBarWidth(0.6)
        self.series.append(self.bars)
        self.chart().addSeries(self.series)
        self.set_values([])

    def set_values(self, values: Sequence[tuple[str, float]]) -> None:
        """(agent, value) pairs, in the order to show top to bottom."""
        self._names = [name for name, _v in values]
        ordered = list(reversed(values))  # QHorizontalBarSeries draws the first category at the bottom
        self.bars.remove(0, self.bars.count())
        self.bars.append([float(v) for _name, v in ordered])
        y = QBarCategoryAxis()
        y.append(self._labels([name for name, _v in ordered]))
        x = _value_axis(max((v for _n, v in values), default=0))
        self.replace_axes((y, Qt.AlignmentFlag.AlignLeft), (x, Qt.AlignmentFlag.AlignBottom))
        self.setToolTip("\n".join(f"{name}: {value:g}" for name, value in values))
        self.apply_theme()

    def _labels(self, names: list[str]) -> list[str]:
        """Elided names, kept distinct (a category axis merges equal labels)."""
        metrics = QFontMetrics(self.small_font())
        out: list[str] = []
        for name in names:
            label = metrics.elidedText(name or "—", Qt.TextElideMode.ElideRight, self.LABEL_WIDTH)
            while label in out:
                label += "\u200b"  # invisible, but makes the category unique
            out.append(label)
        return out

    def names(self) -> list[str]:
        return list(self._names)

    def values(self) -> list[float]:
        """The bar values in the order given to ``set_values`` (top to bottom)."""
        return [self.bars.at(i) for i in reversed(range(self.bars.count()))]

    def style_series(self) -> None:
        colour = second_colour() if self._colour == "second" else theme.tokens().color("accent")
        self.bars.setColor(colour)
        self.bars.setBorderColor(colour)
