"""The Supervisor's metric cards (a title, one big number, a quiet line under it) and their colours.

They sit in an ``inbox.ui.cards.CardGrid`` of two to six columns, ``CARD_MIN_WIDTH`` each at least.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtWidgets import QWidget

from inbox.ui import theme
from inbox.ui.cards import FigureCard

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


class MetricCard(FigureCard):
    """One metric: "FIRST RESPONSE" / "15 m" / "p90 19 m · 2 conversations"."""

    def __init__(self, key: str, title: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent, spacing=4, size_step=9)
        self.key = key
        self.setToolTip(tip)
        self.sub.setWordWrap(True)
        self.body.addStretch(1)
        self.setAccessibleName(title)
        self.setMinimumWidth(CARD_MIN_WIDTH - 40)

    def describe(self, value: str, sub: str) -> None:
        self.setAccessibleDescription(f"{value}. {sub}" if sub else value)
