"""Metric cards (a title, one big number, a quiet line under it) in a grid that reflows with width.

Why a reflowing grid: twelve numbers fit in two rows of six on a 1440 px screen and three rows of
four at 1024 px; a fixed grid would either crush the numbers or waste half the window.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from inbox.ui import theme

CARD_MIN_WIDTH = 196
_CHEVRON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="{colour}" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="m6 9 6 6 6-6"/></svg>'
)


def chevron(colour: str) -> str:
    """A path to a tinted chevron SVG for QSS ``down-arrow`` (QSS takes files, not icons)."""
    folder = Path(tempfile.gettempdir()) / "inbox-ui"
    folder.mkdir(exist_ok=True)
    path = folder / f"chevron-{colour.lstrip('#')}.svg"
    if not path.exists():
        path.write_text(_CHEVRON.format(colour=colour), encoding="utf-8")
    return path.as_posix()


def card_stylesheet(t: theme.Tokens) -> str:
    """Cards and panels: the surface colour on the window colour, a hairline border, 10 px radius."""
    return (
        f"QFrame#card {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}"
        f"QFrame#card QLabel {{ background: transparent; border: none; }}"
        f"QLabel#cardTitle {{ color: {t.muted}; }}"
        f"QLabel#cardValue {{ color: {t.text}; }}"
        f"QLabel#cardSub {{ color: {t.muted}; }}"
        f"QLabel#cardSub[tone='danger'] {{ color: {t.danger}; }}"
        f"QLabel#cardSub[tone='warning'] {{ color: {t.warning}; }}"
        f"QLabel#cardSub[tone='success'] {{ color: {t.success}; }}"
    )


class Card(QFrame):
    """A rounded surface panel with a title, used by metric cards and the chart panels."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(title, self)
        self.title.setObjectName("cardTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        f = theme.semibold(theme.meta_font(self.font()))
        f.setCapitalization(QFont.Capitalization.AllUppercase)
        f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.4)
        self.title.setFont(f)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 12)
        self.body.setSpacing(4)
        self.body.addWidget(self.title)


class MetricCard(Card):
    """One metric: "FIRST RESPONSE" / "15 m" / "p90 19 m · 2 conversations"."""

    def __init__(self, key: str, title: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.key = key
        self.setToolTip(tip)
        self.value = QLabel("—", self)
        self.value.setObjectName("cardValue")
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        big = theme.semibold(self.font())
        big.setPointSizeF(self.font().pointSizeF() + 9)
        self.value.setFont(big)
        self.sub = QLabel("", self)
        self.sub.setObjectName("cardSub")
        self.sub.setTextFormat(Qt.TextFormat.PlainText)
        self.sub.setFont(theme.meta_font(self.font()))
        self.sub.setWordWrap(True)
        self.body.addWidget(self.value)
        self.body.addWidget(self.sub)
        self.body.addStretch(1)
        self.setAccessibleName(title)
        self.setMinimumWidth(CARD_MIN_WIDTH - 40)

    def set(self, value: str, sub: str = "", tone: str = "") -> None:
        self.value.setText(value)
        self.sub.setText(sub)
        self.sub.setProperty("tone", tone)
        self.sub.style().unpolish(self.sub)
        self.sub.style().polish(self.sub)
        self.setAccessibleDescription(f"{value}. {sub}" if sub else value)


class CardGrid(QWidget):
    """Cards in as many equal columns as fit (at least 2, at most 6)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.cards: list[MetricCard] = []
        self._columns = 0

    def add(self, card: MetricCard) -> MetricCard:
        self.cards.append(card)
        self._columns = 0
        self._reflow(self.width() or 1200)
        return card

    def columns_for(self, width: int) -> int:
        return max(2, min(6, (width + 12) // (CARD_MIN_WIDTH + 12)))

    def _reflow(self, width: int) -> None:
        cols = self.columns_for(width)
        if cols == self._columns:
            return
        self._columns = cols
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // cols, i % cols)
        for c in range(6):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._reflow(e.size().width())
