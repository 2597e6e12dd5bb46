"""Asking again for a token that was kept "for this session only".

Why: after a restart such a channel cannot poll or send, and a status-bar line is easy to miss. The
desktop asks once per channel when it opens (and again from Inbox ▸ Enter auth token…). The token
is checked against the provider on the worker before it is kept; a refused one changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inbox.core import phone, provider_forms
from inbox.core.models import Channel
from inbox.ui import ops, theme

Supplier = Callable[[Channel, str], str]


class TokenPrompt(QDialog):
    """One channel's token: a password field, "Connect" (tests, then keeps it) and "Later"."""

    def __init__(self, channel: Channel, supply: Supplier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.channel = channel
        self._supply = supply
        self.secret = secret = provider_forms.secret_name(channel.provider)  # "auth token", "API key"…
        self.setWindowTitle(f"{secret[:1].upper()}{secret[1:]} needed")
        self.setMinimumWidth(440)

        heading = QLabel(f"Enter the {secret} for “{channel.name}”")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        f = theme.semibold(heading.font())
        f.setPointSizeF(f.pointSizeF() + 2)
        heading.setFont(f)
        explain = QLabel(
            f"This channel keeps its {secret} for one session only, so Inbox cannot receive or send "
            f"texts on {phone.display(channel.number)} until you enter it again."
        )
        explain.setTextFormat(Qt.TextFormat.PlainText)
        explain.setWordWrap(True)
        explain.setProperty("role", "muted")

        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(f"{secret[:1].upper()}{secret[1:]}")
        self.token.setAccessibleName(f"{secret[:1].upper()}{secret[1:]} for {channel.name}")
        self.feedback = QLabel("")
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Connection result")

        self.buttons = QDialogButtonBox()
        self.connect_button = self.buttons.addButton("Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setObjectName("primary")
        self.later_button = self.buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        # Enter in the field always means Connect. With a default button instead, Enter would click
        # "Later" once focus had passed through it (the field is disabled during a check).
        for b in (self.connect_button, self.later_button):
            b.setAutoDefault(False)
        self.token.returnPressed.connect(self.submit)
        self.connect_button.clicked.connect(self.submit)
        self.later_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 20, 20, 16)
        lay.setSpacing(10)
        lay.addWidget(heading)
        lay.addWidget(explain)
        lay.addSpacing(4)
        lay.addWidget(self.token)
        lay.addWidget(self.feedback)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        self.token.setFocus()

    def _show(self, text: str, role: str) -> None:
        self.feedback.setText(text)
        self.feedback.setStyleSheet(f"color: {getattr(theme.tokens(), role or 'muted')};")
        self.adjustSize()  # a two-line reason must not squeeze the explanation above it

    def submit(self) -> None:
        if not self.connect_button.isEnabled():
            return  # a check is already running
        token = self.token.text().strip()
        if not token:
            self._show(f"Enter the {self.secret}", "danger")
            return
        self.connect_button.setEnabled(False)
        self.token.setEnabled(False)
        self._show("Checking with the provider…", "")
        channel, supply = self.channel, self._supply
        ops.run_op(self, lambda: supply(channel, token), self._accepted, self._refused, label="Checking the token")

    def _accepted(self, _sentence: str) -> None:
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.connect_button.setEnabled(True)
        self.token.setEnabled(True)
        self.token.selectAll()
        self.token.setFocus()
        self._show(ops.describe(exc), "danger")
