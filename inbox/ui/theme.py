"""Light and dark palettes with one accent colour, following the system colour scheme.

Why: delegates paint by hand (bubbles, rows), so they need named colours rather than QPalette
roles alone. ``tokens()`` is the single source; ``apply_theme`` also sets QPalette and a small QSS
so stock widgets match. Spacing follows a 4 px grid (``GRID``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from inbox.ui import icons
from inbox.ui.qt_compat import emit

GRID = 4


@dataclass(frozen=True, slots=True)
class Tokens:
    """Named colours (hex strings) for one scheme."""

    dark: bool
    window: str
    surface: str
    surface_alt: str
    hover: str
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    accent_soft: str
    bubble_in: str
    bubble_in_text: str
    note_bg: str
    note_border: str
    note_text: str
    danger: str
    warning: str
    success: str
    chip_bg: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


LIGHT = Tokens(
    dark=False,
    window="#f4f5f7",
    surface="#ffffff",
    surface_alt="#f7f8fa",
    hover="#f0f2f5",
    border="#e2e5ea",
    text="#1b1e24",
    muted="#6b7280",
    accent="#2f6bde",
    accent_text="#ffffff",
    accent_soft="#e7effd",
    bubble_in="#eef0f4",
    bubble_in_text="#1b1e24",
    note_bg="#fff6d8",
    note_border="#f0dd9c",
    note_text="#5a4a12",
    danger="#d33a2c",
    warning="#b26b00",
    success="#1d8a46",
    chip_bg="#eceff3",
)

DARK = Tokens(
    dark=True,
    window="#15171b",
    surface="#1b1e23",
    surface_alt="#202329",
    hover="#252930",
    border="#2d3139",
    text="#e6e8ec",
    muted="#9aa1ab",
    accent="#4d8dff",
    accent_text="#ffffff",
    accent_soft="#1f2f4d",
    bubble_in="#2a2e36",
    bubble_in_text="#e6e8ec",
    note_bg="#3a3320",
    note_border="#5a4c24",
    note_text="#f1e2b0",
    danger="#ff6b5e",
    warning="#f0b44c",
    success="#4cc47d",
    chip_bg="#2a2e36",
)

AVATAR_COLOURS = (
    "#e06c5a",
    "#e39b3b",
    "#c9a227",
    "#4fa86b",
    "#2f9e9e",
    "#3f8ee0",
    "#7b6fe0",
    "#c25fb0",
)


class _ThemeState(QObject):
    """Holds the active tokens; ``changed`` lets painted views repaint when the scheme flips.

    Signals:
        changed(): the active tokens changed.
    """

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.tokens = LIGHT
        self.forced: bool | None = None  # None: follow the system


_state: _ThemeState | None = None


def state() -> _ThemeState:
    global _state
    if _state is None:
        _state = _ThemeState()
    return _state


def tokens() -> Tokens:
    """The colours in force now."""
    return state().tokens


icons.follow(tokens)  # icons given a role ("text", "muted"…) are tinted with these, as they change


def system_is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def avatar_colour(key: str) -> QColor:
    """A stable colour per phone number (crc32, not ``hash()``, so it survives restarts)."""
    return QColor(AVATAR_COLOURS[zlib.crc32(key.encode()) % len(AVATAR_COLOURS)])


def _palette(t: Tokens) -> QPalette:
    p = QPalette()
    c = QColor
    p.setColor(QPalette.ColorRole.Window, c(t.window))
    p.setColor(QPalette.ColorRole.WindowText, c(t.text))
    p.setColor(QPalette.ColorRole.Base, c(t.surface))
    p.setColor(QPalette.ColorRole.AlternateBase, c(t.surface_alt))
    p.setColor(QPalette.ColorRole.Text, c(t.text))
    p.setColor(QPalette.ColorRole.Button, c(t.surface))
    p.setColor(QPalette.ColorRole.ButtonText, c(t.text))
    p.setColor(QPalette.ColorRole.Highlight, c(t.accent))
    p.setColor(QPalette.ColorRole.HighlightedText, c(t.accent_text))
    p.setColor(QPalette.ColorRole.ToolTipBase, c(t.surface))
    p.setColor(QPalette.ColorRole.ToolTipText, c(t.text))
    p.setColor(QPalette.ColorRole.PlaceholderText, c(t.muted))
    p.setColor(QPalette.ColorRole.Link, c(t.accent))
    p.setColor(QPalette.ColorRole.Mid, c(t.border))
    p.setColor(QPalette.ColorRole.Midlight, c(t.border))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, c(t.muted))
    return p


def stylesheet(t: Tokens) -> str:
    """A small QSS: only what QPalette cannot express (radii, the segmented filter, chips)."""
    return f"""
QMainWindow, QDialog {{ background: {t.window}; }}
QSplitter::handle {{ background: {t.border}; }}
QListView {{ background: {t.surface}; border: none; outline: none; }}
QListView#threadView {{ background: {t.surface}; }}
QToolTip {{ background: {t.surface}; color: {t.text}; border: 1px solid {t.border}; padding: 4px 8px; }}
QStatusBar {{ background: {t.window}; color: {t.muted}; border-top: 1px solid {t.border}; }}
QStatusBar QLabel {{ color: {t.muted}; padding: 0 8px; }}
QLabel[role="muted"] {{ color: {t.muted}; }}
QLabel[role="title"] {{ font-weight: 600; }}
QLabel[role="empty"] {{ color: {t.muted}; padding: 24px; }}
QLabel[role="danger"] {{ color: {t.danger}; }}
QLabel[role="warning"] {{ color: {t.warning}; }}
QLabel[role="chip"] {{ background: {t.chip_bg}; color: {t.text}; border-radius: 10px; padding: 2px 8px; }}
QLabel[role="chip"][tone="open"] {{ background: {t.accent_soft}; color: {t.accent}; }}
QLabel[role="chip"][tone="danger"] {{ background: transparent; color: {t.danger}; border: 1px solid {t.danger}; }}
QLabel[role="banner"] {{ background: {t.surface_alt}; color: {t.danger}; border: 1px solid {t.border};
    border-radius: 8px; padding: 8px 12px; }}
QWidget#paneHeader, QWidget#filterBar {{ background: {t.surface}; border-bottom: 1px solid {t.border}; }}
QWidget#composer {{ background: {t.surface}; border-top: 1px solid {t.border}; }}
QWidget#holdBar {{ background: {t.accent_soft}; border: 1px solid {t.border}; border-radius: 8px; }}
QWidget#holdBar QLabel {{ color: {t.text}; }}
QWidget#holdBar QPushButton#link {{ padding: 0; font-weight: 600; }}
QWidget#contactPanel {{ background: {t.surface}; }}
QToolButton#segment {{ border: none; border-radius: 6px; padding: 4px 6px; color: {t.muted}; }}
QToolButton#segment::menu-indicator {{ image: none; width: 0; }}
QToolButton#segment:hover {{ background: {t.hover}; color: {t.text}; }}
QToolButton#segment:checked {{ background: {t.accent_soft}; color: {t.accent}; font-weight: 600; }}
QToolButton#action {{ border: 1px solid transparent; border-radius: 6px; padding: 4px 8px; }}
QToolButton#action:hover {{ background: {t.hover}; border-color: {t.border}; }}
QToolButton#action::menu-indicator {{ image: none; width: 0; }}
QPushButton {{ border: 1px solid {t.border}; border-radius: 6px; padding: 4px 12px; background: {t.surface}; }}
QPushButton:hover {{ background: {t.hover}; }}
QPushButton#primary {{ background: {t.accent}; color: {t.accent_text}; border: none; font-weight: 600;
    padding: 6px 16px; }}
QPushButton#primary:disabled {{ background: {t.chip_bg}; color: {t.muted}; }}
QPushButton#link {{ border: none; background: transparent; color: {t.accent}; padding: 0 4px; }}
QPushButton#newPill {{ background: {t.accent}; color: {t.accent_text}; border: none; border-radius: 14px;
    padding: 4px 14px; font-weight: 600; }}
QPlainTextEdit#composerEdit {{ background: {t.surface_alt}; border: 1px solid {t.border};
    border-radius: 8px; padding: 4px 6px; }}
QPlainTextEdit#composerEdit:focus {{ border-color: {t.accent}; }}
QPlainTextEdit#composerEdit[note="true"] {{ background: {t.note_bg}; border-color: {t.note_border};
    color: {t.note_text}; }}
QLineEdit {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 6px; padding: 6px 8px; }}
QLineEdit:focus {{ border-color: {t.accent}; }}
QMenu {{ background: {t.surface}; border: 1px solid {t.border}; padding: 4px; }}
QMenu::item {{ padding: 6px 16px; border-radius: 4px; }}
QMenu::item:selected {{ background: {t.accent_soft}; color: {t.text}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{ background: {t.border}; border-radius: 4px; min-height: 32px; margin: 2px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
"""


def apply_theme(app: QApplication, dark: bool | None = None) -> Tokens:
    """Apply palette + QSS. ``dark=None`` follows the system scheme (and keeps following it)."""
    st = state()
    st.forced = dark
    is_dark = system_is_dark() if dark is None else dark
    t = DARK if is_dark else LIGHT
    st.tokens = t
    if app.style() is not icons.monochrome_style():
        app.setStyle(icons.monochrome_style())
    app.setPalette(_palette(t))
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(stylesheet(t))
    emit(st.changed)
    return t


def follow_system(app: QApplication) -> None:
    """Re-apply when the OS flips light/dark, unless a scheme was forced."""

    def on_change(_scheme: Qt.ColorScheme) -> None:
        if state().forced is None:
            apply_theme(app)

    QGuiApplication.styleHints().colorSchemeChanged.connect(on_change)


def meta_font(base: QFont) -> QFont:
    """9 pt-ish muted meta text (times, counters)."""
    f = QFont(base)
    f.setPointSizeF(max(7.5, base.pointSizeF() - 1.5))
    return f


def semibold(base: QFont) -> QFont:
    f = QFont(base)
    f.setWeight(QFont.Weight.DemiBold)
    return f
