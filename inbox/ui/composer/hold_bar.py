"""The calm bar over the composer when a reply was held: "Alice replied 20 s ago: “…”".

Why: a reply written against a thread that moved on (a colleague answered, the customer wrote
again, an automation replied) is held by the engine, not sent. The agent decides with the draft
still in front of them and the news visible in the thread: Send anyway, Edit, or Discard. An inline
bar rather than a dialog, so nothing steals focus from the thread they now need to read.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from inbox.ui.qt_compat import emit


class HoldBar(QWidget):
    """One sentence naming what landed, and three link buttons.

    Signals:
        send_anyway(): send the draft as it is, whatever landed.
        edit(): keep the draft and go back to it.
        discard(): drop the draft.
    """

    send_anyway = Signal()
    edit = Signal()
    discard = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holdBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Reply held")

        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # it quotes customer text
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setAccessibleName("What landed since you started writing")

        self.send_button = self._link("Send anyway", self.send_anyway, "Send this reply as it is")
        self.edit_button = self._link("Edit", self.edit, "Keep the draft and change it")
        self.discard_button = self._link("Discard", self.discard, "Throw the draft away")

        # The sentence gets the full width (it quotes a text); the choices sit under it, where the
        # eye lands after reading, and stay on one line however narrow the pane.
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(8)
        for button in (self.send_button, self.edit_button, self.discard_button):
            actions.addWidget(button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addLayout(actions)
        self.hide()

    def _link(self, text: str, signal: Signal, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("link")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.clicked.connect(lambda: emit(signal))
        return button

    def show_held(self, sentence: str) -> None:
        """Show why the reply was held ("The customer wrote 5 s ago: “…”", already elided)."""
        self.label.setText(f"Not sent yet. {sentence}")
        self.show()

    @property
    def sentence(self) -> str:
        return self.label.text()
