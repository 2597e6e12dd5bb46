"""The toast after E (resolve) or S (snooze): "Resolved · Maria García   Undo (Ctrl+Z)", for a few seconds.

Why: a single key moves a conversation out of the agent's view; a slip of the finger must cost one
more key, not a hunt through "Resolved". The bar only holds what to undo (the service's
``StatusChange``); the undo itself is a write through the service, so every window and process sees
it on the change feed like any other change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from inbox.engine.service import StatusChange
from inbox.ui.qt_compat import emit

UNDO_MS = 8000  # long enough to notice and react, short enough not to linger over the thread


class UndoBar(QWidget):
    """A floating bar at the bottom of its parent; ``offer`` shows it, ``take`` empties it.

    Signals:
        undo_requested(): the Undo button (Ctrl+Z is the main window's shortcut).
    """

    undo_requested = Signal()

    def __init__(self, parent: QWidget, anchor: Callable[[], QRect] | None = None) -> None:
        """``anchor``: the area (in the parent's coordinates) whose bottom the bar sits on — the
        thread's messages, so it covers neither the composer nor the list."""
        super().__init__(parent)
        self._anchor = anchor
        self.setObjectName("holdBar")  # the same calm surface as the composer's held-reply bar
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Undo")
        self.change: StatusChange | None = None
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # it names the contact: untrusted text
        self.button = QPushButton("Undo  Ctrl+Z", self)
        self.button.setObjectName("link")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setAccessibleName("Undo")
        self.button.clicked.connect(lambda: emit(self.undo_requested))
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 12, 8)
        row.setSpacing(16)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.take)
        self.hide()

    def offer(self, text: str, change: StatusChange) -> None:
        """Show "Resolved · Maria García" with Undo; a newer offer replaces an older one."""
        self.change = change
        self.label.setText(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, 360))
        self.timer.start(UNDO_MS)
        self.place()
        self.show()
        self.raise_()

    def take(self) -> StatusChange | None:
        """What there is to undo (None once the time is up), and the bar goes away."""
        change, self.change = self.change, None
        self.timer.stop()
        self.hide()
        return change

    def place(self) -> None:
        """Bottom centre of the anchor (else of the parent), at its natural width."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        area = self._anchor() if self._anchor is not None else parent.rect()
        if not area.isValid():
            area = parent.rect()
        x = area.left() + (area.width() - self.width()) // 2
        self.move(max(8, x), max(8, area.bottom() - 12 - self.height()))
