"""Cards (a rounded surface with an uppercase title) and the grid that reflows them with the width.

Why a reflowing grid: twelve Supervisor numbers fit in two rows of six on a 1440 px screen and three
rows of four at 1024 px, and three poll figures sit side by side until the pane is too narrow; a
fixed grid would either crush the numbers or waste half the window. The Engagement and Supervisor
windows share these so their cards look and move alike; each window's stylesheet colours
``QFrame#card`` and ``QLabel#cardTitle``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from inbox.ui import theme

GAP = 12  # px between cards, both ways
W = TypeVar("W", bound=QWidget)


def title_font(base: QFont) -> QFont:
    """Small uppercase titles over cards: "RESULTS", "FIRST RESPONSE"."""
    f = theme.semibold(theme.meta_font(base))
    f.setCapitalization(QFont.Capitalization.AllUppercase)
    f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.4)
    return f


class Card(QFrame):
    """A rounded surface with an uppercase title (hidden when empty); ``body`` takes the content."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *, spacing: int = 8) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 12)
        self.body.setSpacing(spacing)
        self.title = QLabel(title, self)
        self.title.setObjectName("cardTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setFont(title_font(self.font()))
        self.title.setVisible(bool(title))
        self.body.addWidget(self.title)


class FigureCard(Card):
    """One figure with a quiet line under it: "VOTES" / "1,284" / "412 in the last hour".

    The labels are ``QLabel#cardValue`` and ``QLabel#cardSub``; the line's ``tone`` property
    ("danger", "warning", "success") lets the window's stylesheet colour it.
    """

    def __init__(self, title: str, parent: QWidget | None = None, *, spacing: int, size_step: float) -> None:
        super().__init__(title, parent, spacing=spacing)
        self.value = QLabel("—", self)
        self.value.setObjectName("cardValue")
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        big = theme.semibold(self.font())
        big.setPointSizeF(self.font().pointSizeF() + size_step)
        self.value.setFont(big)
        self.sub = QLabel("", self)
        self.sub.setObjectName("cardSub")
        self.sub.setTextFormat(Qt.TextFormat.PlainText)
        self.sub.setFont(theme.meta_font(self.font()))
        self.body.addWidget(self.value)
        self.body.addWidget(self.sub)

    def set(self, value: str, sub: str = "", tone: str = "") -> None:
        self.value.setText(value)
        self.sub.setText(sub)
        self.sub.setProperty("tone", tone)
        self.sub.style().unpolish(self.sub)
        self.sub.style().polish(self.sub)
        self.describe(value, sub)

    def describe(self, value: str, sub: str) -> None:
        """What a screen reader hears after ``set`` (subclasses)."""


class CardGrid(QWidget):
    """Cards in equal columns, as many as ``min_width`` each allows, between ``fewest`` and ``most``
    (all the cards when ``most`` is None); they are re-placed only when that number changes.

    With ``balance`` the rows are evened out: four cards that fit three wide go 2 × 2, never 3 + 1.
    """

    def __init__(
        self,
        cards: Iterable[QWidget] = (),
        min_width: int = 180,
        parent: QWidget | None = None,
        *,
        fewest: int = 1,
        most: int | None = None,
        balance: bool = False,
    ) -> None:
        super().__init__(parent)
        self.cards = list(cards)
        self.min_width = min_width
        self.fewest = fewest
        self.most = most
        self.balance = balance
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(GAP)
        self.columns = 0

    def add(self, card: W) -> W:
        self.cards.append(card)
        self.columns = 0
        self.place(self.columns_for(self.width() or 1200))
        return card

    def columns_for(self, width: int) -> int:
        n = len(self.cards)
        most = self.most if self.most is not None else n
        fit = max(self.fewest, min(most, (width + GAP) // (self.min_width + GAP)))
        if self.balance and n:
            rows = -(-n // fit)
            return -(-n // rows)
        return fit

    def place(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // columns, i % columns)
        for col in range(self.most if self.most is not None else len(self.cards)):
            self.grid.setColumnStretch(col, 1 if col < columns else 0)
        self.updateGeometry()

    def resizeEvent(self, e: QResizeEvent) -> None:
        self.place(self.columns_for(e.size().width()))
        super().resizeEvent(e)
