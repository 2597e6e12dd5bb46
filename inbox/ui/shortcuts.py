"""Every keyboard shortcut in one table, installed on the main window and listed by ``?``.

Why: one table means the help overlay can never drift from what the keys actually do. Single-key
shortcuts (J, K, A, E…) do not fire while typing: Qt lets text editors claim printable keys first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QWidget

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
    Binding(("?",), "Show this help", "toggle_help"),
    Binding(("F1",), "About Inbox", "show_about", display_only=True),
)

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

    def paintEvent(self, _e: QPaintEvent) -> None:
        t = theme.tokens()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        shade = QColor(0, 0, 0, 140)
        p.fillRect(self.rect(), shade)
        rows = [(" / ".join(_pretty(k) for k in b.keys), b.label) for b in BINDINGS]
        font = QFont(self.font())
        key_font = theme.semibold(font)
        fm = QFontMetricsF(font)
        line = 28
        col_w = 460.0
        # One column when it fits; otherwise two side by side (small windows, many shortcuts).
        cols = 1 if 72 + line * len(rows) <= self.height() - 32 or self.width() < 2 * col_w + 32 else 2
        per_col = -(-len(rows) // cols)
        w, h = col_w * cols, 72.0 + line * per_col
        card = QRectF((self.width() - w) / 2, max(16.0, (self.height() - h) / 2), w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(t.color("surface"))
        p.drawRoundedRect(card, 12, 12)
        p.setPen(t.color("text"))
        p.setFont(theme.semibold(QFont(font.family(), int(font.pointSizeF() + 3))))
        p.drawText(
            card.adjusted(24, 16, -24, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, "Keyboard shortcuts"
        )
        for i, (keys, label) in enumerate(rows):
            left = card.left() + col_w * (i // per_col)
            y = card.top() + 56 + line * (i % per_col)
            p.setFont(key_font)
            kw = QFontMetricsF(key_font).horizontalAdvance(keys) + 16
            chip = QRectF(left + 24, y + 2, kw, line - 6)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(t.color("chip_bg"))
            p.drawRoundedRect(chip, 6, 6)
            p.setPen(t.color("text"))
            p.drawText(chip, Qt.AlignmentFlag.AlignCenter, keys)
            p.setFont(font)
            p.setPen(t.color("muted"))
            p.drawText(
                QRectF(left + 200, y, col_w - 224, line - 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, col_w - 224),
            )
        p.end()
