"""Monochrome SVG icons from ``resources/icons``, tinted to the palette at paint time.

Why: one stroke-only SVG per icon (``stroke="currentColor"``) gives crisp icons at any scale and
colour, so dark mode and the accent selection need no second icon set. An icon given a palette role
("text", "muted", "accent"…) rather than a fixed colour looks the role up each time it is drawn, so
it follows a switch to dark mode without anyone re-setting it (a ✓ drawn in the light text colour
vanished on the dark header). ``MonochromeStyle`` puts the same icons in place of the platform's
stock ones (a floppy disk on Save, a red ✗ on Cancel, green calendar arrows) and keeps dialog
buttons text-only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QProxyStyle, QStyle


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
    "info",
    "help",
    "chevron-left",
    "chevron-right",
    "chevron-up",
    "chevron-down",
    "more",
)

ROLES = frozenset(
    {"text", "muted", "accent", "accent_text", "success", "warning", "danger", "bubble_in_text", "note_text"}
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


# Where roles get their colours: ``theme`` hands over its ``tokens`` when it loads (this module
# imports nothing of it, so the two can never import each other). Until then, plain ink.
_INK = SimpleNamespace(**{**dict.fromkeys(ROLES, "#1b1e24"), "muted": "#6b7280"})


def _ink() -> Any:
    return _INK


_palette: Callable[[], Any] = _ink


def follow(palette: Callable[[], Any]) -> None:
    """Take role colours from ``palette()`` (``theme.tokens``) each time an icon is drawn."""
    global _palette
    _palette = palette


def _resolve(colour: QColor | str | None) -> str:
    """A fixed colour as is; a palette role (or None: "text") as the theme has it now."""
    if colour is None:
        return _palette().text
    if isinstance(colour, QColor):
        return colour.name()
    return getattr(_palette(), colour) if colour in ROLES else colour


def paint(painter: QPainter, name: str, rect: QRectF, colour: QColor | str, stroke: float = 2) -> None:
    """Draw an icon straight into a delegate's painter (no pixmap, so it stays sharp at 2×)."""
    _renderer(name, _resolve(colour), stroke).render(painter, rect)


def pixmap(name: str, size: int, colour: QColor | str | None = None, dpr: float = 2.0) -> QPixmap:
    """A tinted pixmap at ``size`` logical pixels, rendered at ``dpr`` for HiDPI screens."""
    return _pixmap(name, QSize(size, size), _resolve(colour), dpr)


def _pixmap(name: str, size: QSize, colour: str, dpr: float) -> QPixmap:
    pm = QPixmap(QSize(round(size.width() * dpr), round(size.height() * dpr)))
    pm.fill(Qt.GlobalColor.transparent)
    pm.setDevicePixelRatio(dpr)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(size.width(), size.height())
    paint(p, name, QRectF((size.width() - side) / 2, (size.height() - side) / 2, side, side), colour)
    p.end()
    return pm


class _PaletteEngine(QIconEngine):
    """Draws the SVG in its colour at the moment it is painted: a role follows the theme."""

    def __init__(self, name: str, colour: QColor | str | None) -> None:
        super().__init__()
        self.name = name
        self.colour = colour.name() if isinstance(colour, QColor) else (colour or "text")

    def _colour(self, mode: QIcon.Mode) -> str:
        return _palette().muted if mode is QIcon.Mode.Disabled else _resolve(self.colour)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        square = QRectF(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side)
        paint(painter, self.name, square, self._colour(mode))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return _pixmap(self.name, size, self._colour(mode), 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        return _pixmap(self.name, size, self._colour(mode), max(1.0, scale))

    def clone(self) -> QIconEngine:
        return _PaletteEngine(self.name, self.colour)

    def key(self) -> str:
        return "inbox-palette"


def icon(name: str, colour: QColor | str | None = None, size: int = 16) -> QIcon:
    """A QIcon in ``colour`` — a palette role ("text", the default; "muted", "accent"…) that
    follows the theme, or a fixed colour — muted when disabled. ``size`` is kept for callers; the
    SVG draws at whatever size the widget asks for."""
    del size
    return QIcon(_PaletteEngine(name, colour))


# Stock pixmaps the platform would draw in colour, and what we draw instead (name, role).
_STANDARD = {
    QStyle.StandardPixmap.SP_MessageBoxInformation: ("info", "accent"),
    QStyle.StandardPixmap.SP_MessageBoxQuestion: ("help", "accent"),
    QStyle.StandardPixmap.SP_MessageBoxWarning: ("alert", "warning"),
    QStyle.StandardPixmap.SP_MessageBoxCritical: ("alert", "danger"),
    QStyle.StandardPixmap.SP_DialogOkButton: ("check", "text"),
    QStyle.StandardPixmap.SP_DialogApplyButton: ("check", "text"),
    QStyle.StandardPixmap.SP_DialogSaveButton: ("check", "text"),
    QStyle.StandardPixmap.SP_DialogYesButton: ("check", "text"),
    QStyle.StandardPixmap.SP_DialogCancelButton: ("x", "text"),
    QStyle.StandardPixmap.SP_DialogCloseButton: ("x", "text"),
    QStyle.StandardPixmap.SP_DialogNoButton: ("x", "text"),
    QStyle.StandardPixmap.SP_DialogDiscardButton: ("x", "text"),
    QStyle.StandardPixmap.SP_DialogResetButton: ("retry", "text"),
    QStyle.StandardPixmap.SP_DialogHelpButton: ("help", "text"),
    QStyle.StandardPixmap.SP_LineEditClearButton: ("x", "muted"),
    QStyle.StandardPixmap.SP_BrowserReload: ("retry", "text"),
    QStyle.StandardPixmap.SP_ArrowLeft: ("chevron-left", "text"),
    QStyle.StandardPixmap.SP_ArrowBack: ("chevron-left", "text"),
    QStyle.StandardPixmap.SP_ArrowRight: ("chevron-right", "text"),
    QStyle.StandardPixmap.SP_ArrowForward: ("chevron-right", "text"),
    QStyle.StandardPixmap.SP_ArrowUp: ("chevron-up", "text"),
    QStyle.StandardPixmap.SP_ArrowDown: ("chevron-down", "text"),
    QStyle.StandardPixmap.SP_TitleBarCloseButton: ("x", "text"),
    QStyle.StandardPixmap.SP_DockWidgetCloseButton: ("x", "text"),
}


class MonochromeStyle(QProxyStyle):
    """Fusion, with this app's monochrome icons for the stock ones and text-only dialog buttons."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def standardIcon(self, standardIcon: QStyle.StandardPixmap, option=None, widget=None) -> QIcon:
        mapped = _STANDARD.get(standardIcon)
        if mapped is not None:
            return icon(*mapped)
        return super().standardIcon(standardIcon, option, widget)

    def styleHint(self, hint: QStyle.StyleHint, option=None, widget=None, returnData=None) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)


_style: MonochromeStyle | None = None


def monochrome_style() -> MonochromeStyle:
    """The one instance (the application owns it once set; Python keeps a reference too)."""
    global _style
    if _style is None:
        _style = MonochromeStyle()
    return _style
