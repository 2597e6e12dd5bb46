"""The chart view every window's charts start from: QtCharts without its chrome, themed with the app.

Why QtCharts: it ships with PySide6-Addons, renders offscreen (screenshots, tests) and needs no web
engine. Why one base: the Engagement and Supervisor charts sit on the same cards, so background,
grid, axis labels and legend follow ``theme.tokens()`` the same way and re-read them when the
scheme flips. Animations are off so tests and screenshots see the end state.
"""

from __future__ import annotations

from PySide6.QtCharts import QAbstractAxis, QChart, QChartView
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from inbox.ui import theme


class ThemedChart(QChartView):
    """A chart view whose card draws the title while Qt draws the plot; subclasses add the series.

    ``MARGINS`` and ``MINIMUM_HEIGHT`` are the plot's room inside its card; ``style_series`` colours
    what the subclass drew, on every theme change.
    """

    MARGINS = QMargins(4, 4, 8, 4)
    MINIMUM_HEIGHT = 160

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QChartView.Shape.NoFrame)
        chart = QChart()
        chart.setMargins(self.MARGINS)
        chart.setBackgroundRoundness(0)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setChart(chart)
        self.setMinimumHeight(self.MINIMUM_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.state().changed.connect(self.apply_theme)

    def apply_theme(self) -> None:
        t = theme.tokens()
        chart = self.chart()
        chart.setBackgroundBrush(t.color("surface"))
        chart.setPlotAreaBackgroundVisible(False)
        self.setBackgroundBrush(t.color("surface"))
        small = self.small_font()
        legend = chart.legend()
        legend.setLabelColor(t.color("text"))
        legend.setFont(small)
        for axis in chart.axes():
            self.style_axis(axis, small)
        self.style_series()

    def small_font(self) -> QFont:
        """Axis labels and legend: a step below the window's text, never below 7.5 pt."""
        small = QFont(self.font())
        small.setPointSizeF(max(7.5, small.pointSizeF() - 1.5))
        return small

    def style_axis(self, axis: QAbstractAxis, font: QFont) -> None:
        t = theme.tokens()
        axis.setLabelsBrush(t.color("muted"))
        axis.setLabelsFont(font)
        axis.setLinePen(QPen(t.color("border"), 1))
        axis.setGridLinePen(QPen(t.color("border"), 1, Qt.PenStyle.DotLine))
        axis.setMinorGridLineVisible(False)
        axis.setShadesVisible(False)
        axis.setTruncateLabels(False)  # short labels ("Marcus", "15–30m") must never become "…"
        axis.setTitleBrush(t.color("muted"))
        axis.setTitleFont(font)

    def style_series(self) -> None:
        """Colour the series (subclasses)."""

    def replace_axes(self, *axes: tuple[QAbstractAxis, Qt.AlignmentFlag]) -> None:
        """Swap the chart's axes for ``axes`` (axis, edge), each attached to every series."""
        chart = self.chart()
        for old in chart.axes():
            chart.removeAxis(old)
            old.deleteLater()
        for axis, align in axes:
            self.style_axis(axis, self.small_font())  # before layout: labels are measured with this font
            chart.addAxis(axis, align)
            for series in chart.series():
                series.attachAxis(axis)
