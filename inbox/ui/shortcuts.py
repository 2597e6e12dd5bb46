"""Every keyboard shortcut in one table, installed on the main window and listed by ``?``.

Why: one table means the help overlay can never drift from what the keys actually do. Single-key
shortcuts (J, K, A, E…) do not fire while typing: Qt lets text editors claim printable keys first.

One rule for windows (``install_close_keys``): every secondary window (Supervisor, Engagement, the
demo's Customer phone) closes with Esc or Ctrl+W, as dialogs do. The main window is not one of
them: there Esc goes back to the list, Ctrl+Q quits, and Ctrl+W does nothing — closing the main
window quits Inbox, which a reflex meant for a secondary window must not do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from inbox.ui import theme


@dataclass(frozen=True, slots=True)
class Binding:
    keys: tuple[str, ...]
    label: str  # shown in the help overlay
    action: str  # method name on the main window
    argument: str | None = None  # passed to it (the view of a Ctrl+n filter)
    display_only: bool = False  # listed by ``?`` but its key is installed elsewhere (F1: about.install)


BINDINGS: tuple[Binding, ...] = (
    Binding(("Ctrl+K",), "Search messages", "open_search"),
    Binding(("J", "Down"), "Next conversation", "next_conversation"),
    Binding(("K", "Up"), "Previous conversation", "previous_conversation"),
    Binding(("Return",), "Open conversation", "focus_thread"),
    Binding(("R",), "Reply (focus the composer)", "focus_composer"),
    Binding(("Ctrl+Return",), "Send", "send"),
    Binding(("N",), "Write a private note", "note_mode"),
    Binding(("A",), "Assign to me / unassign", "toggle_assign"),
    Binding(("E",), "Resolve", "resolve"),
    Binding(("S",), "Snooze…", "snooze"),
    *(
        Binding((f"Ctrl+{n}",), f"Filter: {label}", "show_view", view)
        for n, (view, label) in enumerate(
            (
                ("mine", "Mine"),
                ("unassigned", "Unassigned"),
                ("open", "Open"),
                ("pending", "Pending"),
                ("snoozed", "Snoozed"),
                ("resolved", "Resolved"),
                ("all", "All"),
                ("mentions", "Mentions"),
            ),
            start=1,
        )
    ),
    Binding(("Ctrl+Shift+V",), "Verify identity (text a one-time code)", "verify_identity"),
    Binding(("Ctrl+I",), "Show / hide contact details", "toggle_contact_panel"),
    Binding(("Ctrl+,",), "Settings", "open_settings"),
    Binding(("Ctrl+Shift+S",), "Supervisor view (metrics, review, exports)", "open_supervisor"),
    Binding(("Ctrl+Shift+E",), "Engagement: polls, broadcasts, contests", "open_engagement"),
    Binding(("Esc",), "Back to the list", "go_back"),
    Binding(("Esc", "Ctrl+W"), "Close Supervisor, Engagement, a dialog", "go_back", display_only=True),
    Binding(("Ctrl+Z",), "Undo resolve / snooze (for a few seconds)", "undo"),
    Binding(("?",), "Show this help", "toggle_help"),
    Binding(("F1",), "About Inbox", "show_about", display_only=True),
    Binding(("Ctrl+Q",), "Quit Inbox", "quit_app"),
)

CLOSE_KEYS = ("Esc", "Ctrl+W")

# Keys that must not steal arrows/Enter from the focused list or editor.
_LIST_ONLY = {"Down", "Up", "Return"}


def install(window: QWidget, resolve: Callable[[str], Callable[..., None]]) -> list[QShortcut]:
    """Create a ``QShortcut`` per key, calling ``resolve(action)`` with the binding's argument if it
    has one. Arrows and Enter are handled by the list itself."""
    made = []
    for b in BINDINGS:
        if b.display_only:
            continue  # one QShortcut per key: a second F1 would make both ambiguous (neither fires)
        for key in b.keys:
            if key in _LIST_ONLY:
                continue
            sc = QShortcut(QKeySequence(key), window)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            target = resolve(b.action)
            sc.activated.connect(target if b.argument is None else functools.partial(target, b.argument))
            made.append(sc)
    return made


def install_close_keys(window: QWidget) -> list[QShortcut]:
    """Esc and Ctrl+W close a secondary window (the rule in this module's docstring)."""
    made = []
    for key in CLOSE_KEYS:
        sc = QShortcut(QKeySequence(key), window)
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.activated.connect(window.close)
        made.append(sc)
    return made


class _DialogCloser(QObject):
    """Ctrl+W in any dialog does what its Esc does (reject), so the rule holds for dialogs too."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_W
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
            and isinstance(watched, QWidget)
        ):
            window = watched.window()
            if isinstance(window, QDialog):
                window.reject()
                return True
        return False


def close_dialogs_with_ctrl_w(app: QApplication) -> None:
    """Install the dialogs' Ctrl+W once per application."""
    if app.findChild(_DialogCloser) is None:
        app.installEventFilter(_DialogCloser(app))


def _pretty(key: str) -> str:
    return {"Return": "Enter", "Down": "↓", "Up": "↑", "Ctrl+Return": "Ctrl+Enter"}.get(key, key)


class HelpOverlay(QWidget):
    """A translucent sheet over the window listing every shortcut; any key or click closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAccessibleName("Keyboard shortcuts")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        self.setFocus()

    def keyPressEvent(self, _e) -> None:
        self.hide()

    def mousePressEvent(self, _e) -> None:
        self.hide()

    def sheet(self) -> Sheet:
        """Where the card and each row go at the overlay's size: the key column as wide as its widest
        chip, the label column as wide as its longest label, as many columns as the height needs.
        Labels are elided only if the window is too small for even that (below the minimum size)."""
        font = QFont(self.font())
        fm, km = QFontMetricsF(font), QFontMetricsF(theme.semibold(font))
        rows = [(" / ".join(_pretty(k) for k in b.keys), b.label) for b in BINDINGS]
        key_w = max(km.horizontalAdvance(k) for k, _ in rows) + 16
        label_w = max(fm.horizontalAdvance(label) for _, label in rows) + 4
        margin, gap, line, title = 16.0, 8.0, 28.0, 56.0
        col_w = key_w + gap + label_w + margin
        room_w, room_h = self.width() - 16.0, self.height() - 32.0
        cols = 1
        while cols < 3 and title + 16 + line * -(-len(rows) // cols) > room_h and col_w * (cols + 1) + margin <= room_w:
            cols += 1
        per_col = -(-len(rows) // cols)
        line = max(20.0, min(line, (room_h - title - 16) / per_col))
        if col_w * cols + margin > room_w:  # narrower than the minimum window: labels give way
            col_w = max(key_w + gap + 40, (room_w - margin) / cols)
        w, h = col_w * cols + margin, title + 16 + line * per_col
        card = QRectF((self.width() - w) / 2, max(16.0, (self.height() - h) / 2), w, h)
        placed = []
        for i, (keys, label) in enumerate(rows):
            left = card.left() + margin + col_w * (i // per_col)
            y = card.top() + title + line * (i % per_col)
            chip = QRectF(left, y + 2, km.horizontalAdvance(keys) + 16, line - 6)
            text = QRectF(left + key_w + gap, y, col_w - key_w - gap - margin, line - 2)
            placed.append(SheetRow(keys, label, chip, text))
        return Sheet(card, tuple(placed))

    def paintEvent(self, _e: QPaintEvent) -> None:
        t = theme.tokens()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(0, 0, 0, 140))
        sheet = self.sheet()
        font = QFont(self.font())
        key_font = theme.semibold(font)
        fm = QFontMetricsF(font)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(t.color("surface"))
        p.drawRoundedRect(sheet.card, 12, 12)
        p.setPen(t.color("text"))
        p.setFont(theme.semibold(QFont(font.family(), int(font.pointSizeF() + 3))))
        p.drawText(
            sheet.card.adjusted(16, 16, -16, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            "Keyboard shortcuts",
        )
        for row in sheet.rows:
            p.setFont(key_font)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(t.color("chip_bg"))
            p.drawRoundedRect(row.chip, 6, 6)
            p.setPen(t.color("text"))
            p.drawText(row.chip, Qt.AlignmentFlag.AlignCenter, row.keys)
            p.setFont(font)
            p.setPen(t.color("muted"))
            p.drawText(
                row.label_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(row.label, Qt.TextElideMode.ElideRight, row.label_rect.width()),
            )
        p.end()


@dataclass(frozen=True, slots=True)
class SheetRow:
    keys: str
    label: str
    chip: QRectF
    label_rect: QRectF


@dataclass(frozen=True, slots=True)
class Sheet:
    card: QRectF
    rows: tuple[SheetRow, ...]
