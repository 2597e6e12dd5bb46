"""Monochrome SVG icons from ``resources/icons``, tinted to the palette at paint time.

Why: one stroke-only SVG per icon (``stroke="currentColor"``) gives crisp icons at any scale and
colour, so dark mode and the accent selection need no second icon set.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from inbox.ui import theme


def _icon_dir() -> Path:
    """``resources/icons`` wherever this copy of Inbox lives: beside the package in a source tree,
    inside it (``inbox/resources``) in a wheel, or under ``sys._MEIPASS`` in a PyInstaller bundle."""
    here = Path(__file__).resolve()
    candidates = [here.parents[1] / "resources", here.parents[2] / "resources"]
    if hasattr(sys, "_MEIPASS"):
        candidates.insert(0, Path(sys._MEIPASS) / "resources")
    for folder in candidates:
        if (folder / "icons").is_dir():
            return folder / "icons"
    return candidates[-1] / "icons"


ICON_DIR = _icon_dir()

NAMES = (
    "send",
    "search",
    "user",
    "check",
    "check-check",
    "clock",
    "alert",
    "gear",
    "note",
    "ban",
    "flag",
    "shield-check",
    "phone",
    "snooze",
    "inbox",
    "panel-right",
    "retry",
    "tag",
    "x",
    "keyboard",
    "eye",
    "pencil",
)


@lru_cache(maxsize=64)
def _svg(name: str) -> str:
    return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _renderer(name: str, colour: str, stroke: float) -> QSvgRenderer:
    text = _svg(name).replace("currentColor", colour)
    if stroke != 2:
        text = text.replace('stroke-width="2"', f'stroke-width="{stroke:g}"')
    return QSvgRenderer(QByteArray(text.encode()))


def paint(painter: QPainter, name: str, rect: QRectF, colour: QColor | str, stroke: float = 2) -> None:
    """Draw an icon straight into a delegate's painter (no pixmap, so it stays sharp at 2×)."""
    col = colour if isinstance(colour, str) else colour.name()
    _renderer(name, col, stroke).render(painter, rect)


def pixmap(name: str, size: int, colour: QColor | str | None = None, dpr: float = 2.0) -> QPixmap:
    """A tinted pixmap at ``size`` logical pixels, rendered at ``dpr`` for HiDPI screens."""
    col = colour if colour is not None else theme.tokens().text
    pm = QPixmap(QSize(round(size * dpr), round(size * dpr)))
    pm.fill(Qt.GlobalColor.transparent)
    pm.setDevicePixelRatio(dpr)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint(p, name, QRectF(0, 0, size, size), col)
    p.end()
    return pm


def icon(name: str, colour: QColor | str | None = None, size: int = 16) -> QIcon:
    """A QIcon tinted with ``colour`` (default: the text colour), muted when disabled."""
    ic = QIcon()
    ic.addPixmap(pixmap(name, size, colour), QIcon.Mode.Normal)
    ic.addPixmap(pixmap(name, size, theme.tokens().muted), QIcon.Mode.Disabled)
    return ic
