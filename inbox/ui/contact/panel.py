"""The right pane: who this customer is, their opt-out state and history, labels, other threads.

Why: before replying, an agent needs to know whether the customer may be texted and what happened
before. The panel only displays ``ContactDetails`` the thread pane already loaded (no extra call),
and every customer-controlled string is set as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from inbox.core import phone
from inbox.core.models import OptOutSource
from inbox.engine.service import ContactDetails
from inbox.ui import humanize, theme
from inbox.ui.painting import avatar_pixmap
from inbox.ui.qt_compat import emit
from inbox.ui.widgets import plain_label

PANEL_WIDTH = 280


class ContactPanel(QWidget):
    """Contact details, collapsible with Ctrl+I.

    Signals:
        rename_requested(int): contact id to rename.
        conversation_requested(int): open another conversation of this contact.
        verify_requested(): start an identity verification for the open conversation.
    """

    rename_requested = Signal(int)
    conversation_requested = Signal(int)
    verify_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumWidth(220)
        self.details: ContactDetails | None = None
        self.can_verify = False  # the window has a verifier
        self.verification_text = ""
        self.verification_role = "muted"
        self.verification_label: QLabel | None = None
        self.verify_button: QPushButton | None = None

        self.body = QWidget(self)
        self.body.setObjectName("contactPanel")
        self.lay = QVBoxLayout(self.body)
        self.lay.setContentsMargins(16, 16, 16, 16)
        self.lay.setSpacing(8)
        scroll = QScrollArea(self)
        scroll.setAccessibleName("Contact details")
        self.scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setAccessibleName("Contact details")
        self.show_details(None)

    def _clear(self) -> None:
        while self.lay.count():
            item = self.lay.takeAt(0)
            w = item.widget()
            if w is not None:
                w.deleteLater()

    def _section(self, title: str) -> None:
        self.lay.addSpacing(8)
        lab = plain_label(title.upper(), "muted", self.body)
        f = theme.semibold(theme.meta_font(lab.font()))
        f.setLetterSpacing(f.SpacingType.PercentageSpacing, 106)
        lab.setFont(f)
        self.lay.addWidget(lab)

    def set_verification(self, text: str, role: str = "muted") -> None:
        """The sentence from ``Verifier.conversation_status`` ("verified (2 min ago, by code)")."""
        self.verification_text = text
        self.verification_role = role
        if self.verification_label is not None:
            self.verification_label.setText(text[:1].upper() + text[1:] if text else "Not verified")
            self.verification_label.setProperty("role", role)
            self.verification_label.style().unpolish(self.verification_label)
            self.verification_label.style().polish(self.verification_label)

    def _chain_focus(self) -> None:
        """Rebuilt buttons join the window's tab order right after the panel, in reading order."""
        prev: QWidget = self.scroll
        for i in range(self.lay.count()):
            w = self.lay.itemAt(i).widget()
            if isinstance(w, QPushButton):
                QWidget.setTabOrder(prev, w)
                prev = w

    def show_details(self, d: ContactDetails | None) -> None:
        """Rebuild the panel for a contact (None: a hint)."""
        self.details = d
        self.verification_label = None
        self.verify_button = None
        self._clear()
        if d is None:
            self.lay.addWidget(plain_label("Contact details appear here.", "muted", self.body))
            self.lay.addStretch(1)
            return
        c = d.contact
        avatar = QLabel(self.body)
        avatar.setPixmap(avatar_pixmap(56, c.display_name, c.phone))
        avatar.setFixedSize(56, 56)
        self.lay.addWidget(avatar, 0, Qt.AlignmentFlag.AlignHCenter)
        name = plain_label(humanize.contact_title(None, c.display_name, c.phone), "title", self.body)
        name.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        name.setFont(theme.semibold(name.font()))
        name.setAccessibleName("Contact name")
        self.lay.addWidget(name)
        number = plain_label(phone.display(c.phone), "muted", self.body)
        number.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        number.setAccessibleName("Phone number")
        self.lay.addWidget(number)
        rename = QPushButton("Rename…" if c.display_name else "Add name…", self.body)
        rename.setAccessibleName("Rename contact")
        rename.clicked.connect(lambda: emit(self.rename_requested, c.id))
        self.lay.addWidget(rename, 0, Qt.AlignmentFlag.AlignHCenter)

        self._section("Consent")
        current = [o for o in d.opt_outs if o.opted_out]
        if current:
            for o in current:
                how = o.keyword if o.source == OptOutSource.KEYWORD and o.keyword else o.source.value
                self.lay.addWidget(
                    plain_label(f"Opted out on {humanize.short_date(o.changed_at)} ({how})", "danger", self.body)
                )
        else:
            self.lay.addWidget(plain_label("Can receive texts", "", self.body))
        for o in d.opt_out_history[:5]:
            verb = "Opted out" if o.opted_out else "Opted in"
            self.lay.addWidget(
                plain_label(f"{verb} · {humanize.short_date(o.changed_at)} · {o.source.value}", "muted", self.body)
            )

        if self.can_verify:
            self._section("Identity")
            self.verification_label = plain_label(self.verification_text or "Not verified", "muted", self.body)
            self.verification_label.setAccessibleName("Identity verification state")
            self.lay.addWidget(self.verification_label)
            self.verify_button = QPushButton("Verify identity…", self.body)
            self.verify_button.setAccessibleName("Verify identity")
            self.verify_button.setToolTip("Text a one-time code to this number (Ctrl+Shift+V)")
            self.verify_button.clicked.connect(lambda: emit(self.verify_requested))
            self.lay.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignLeft)
            self.set_verification(self.verification_text, self.verification_role)
        else:
            self.verification_label = None
            self.verify_button = None

        self._section("Labels")
        self.lay.addWidget(
            plain_label(", ".join(d.labels) if d.labels else "No labels", "" if d.labels else "muted", self.body)
        )

        if d.conversations:
            self._section("Conversations")
            for s in d.conversations[:8]:
                b = QPushButton(
                    f"{s.channel_name} · {s.status.value} · {humanize.relative_time(s.last_activity_at)}", self.body
                )
                b.setObjectName("link")
                b.setAccessibleName(f"Open conversation on {s.channel_name}")
                b.clicked.connect(lambda _=False, cid=s.id: emit(self.conversation_requested, cid))
                self.lay.addWidget(b, 0, Qt.AlignmentFlag.AlignLeft)
        self.lay.addStretch(1)
        self._chain_focus()
