"""First run: "Connect your number" (Twilio, Infobip, Sinch, ClickSend…) or "Open the demo", in a
small two-page dialog.

Why a dialog rather than QWizard: two pages do not need QWizard's chrome (side banners, a Next
button that means different things); one welcome page with two clear choices and one form page
read calmer. The dialog never touches the database itself: ``ConnectForm`` runs its calls on the
worker, and ``choice`` tells the launcher what to do next ("channel", "demo", or None = quit).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inbox.core import provider_forms
from inbox.core.models import Channel
from inbox.core.provider_forms import ProviderForm
from inbox.engine.service import InboxService
from inbox.ui import icons, theme
from inbox.ui.setup.connect_form import Checker, ConnectForm, Creator
from inbox.ui.widgets import plain_label

WIDTH, HEIGHT = 620, 620


class ChoiceCard(QPushButton):
    """A large, keyboard-focusable choice: icon, title and one explanatory line."""

    def __init__(self, icon: str, title: str, detail: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
        self.setFixedHeight(76)
        t = theme.tokens()
        glyph = QLabel(self)
        glyph.setPixmap(icons.pixmap(icon, 24, t.accent))
        glyph.setFixedSize(40, 40)
        glyph.setAlignment(Qt.AlignmentFlag.AlignCenter)
        glyph.setObjectName("choiceGlyph")
        head = plain_label(title)
        head.setFont(theme.semibold(head.font()))
        body = plain_label(detail, "muted")
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addStretch(1)
        texts.addWidget(head)
        texts.addWidget(body)
        texts.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 12, 16, 12)
        row.setSpacing(16)
        row.addWidget(glyph, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(texts, 1)
        for w in (glyph, head, body):
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def sizeHint(self) -> QSize:
        return QSize(WIDTH - 96, 76)


def _provider_names() -> str:
    """ "Twilio, Infobip, Sinch or ClickSend": the providers set-up can connect, from the registry."""
    names = [f.label for f in provider_forms.all_forms()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _local_style() -> str:
    t = theme.tokens()
    return f"""
QPushButton#choiceCard {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 12px;
    text-align: left; padding: 0; }}
QPushButton#choiceCard:hover {{ border-color: {t.accent}; background: {t.surface_alt}; }}
QPushButton#choiceCard:focus {{ border: 2px solid {t.accent}; }}
QLabel#choiceGlyph {{ background: {t.accent_soft}; border-radius: 20px; }}
QWidget#setupPage {{ background: {t.window}; }}
QScrollArea#setupScroll {{ background: {t.window}; border: none; }}
QWidget#setupFooter {{ background: {t.surface}; border-top: 1px solid {t.border}; }}
"""


class SetupWizard(QDialog):
    """Welcome → Connect. After ``exec()``: ``choice`` is "channel" (see ``channel``), "demo" or None."""

    def __init__(
        self,
        create: Creator,
        check: Checker,
        *,
        keyring_ok: bool,
        allow_demo: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up Inbox" if allow_demo else "Add a channel")
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        self.resize(WIDTH, HEIGHT)
        self.setMinimumSize(520, 480)
        self.setStyleSheet(_local_style())
        self.choice: str | None = None
        self.max_height = 0  # the tallest fit_height may grow to (0: the screen's height)
        self.channel: Channel | None = None

        self.stack = QStackedWidget(self)
        self.welcome = self._welcome_page() if allow_demo else None
        if self.welcome is not None:
            self.stack.addWidget(self.welcome)
        self.form = ConnectForm(create, check, keyring_ok=keyring_ok)
        self.form.channel_created.connect(self._created)
        self.form.busy_changed.connect(lambda busy: self.connect_button.setEnabled(not busy))
        self.connect_page = self._connect_page(allow_demo)
        self.stack.addWidget(self.connect_page)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.stack)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self._primary)
        self.stack.currentChanged.connect(self._focus_page)
        self._focus_page()

    # -- pages ---------------------------------------------------------------------------------
    def _welcome_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("setupPage")
        page.setAccessibleName("Welcome")
        logo = QLabel()
        logo.setPixmap(icons.pixmap("inbox", 40, theme.tokens().accent))
        logo.setFixedSize(48, 48)
        title = plain_label("Welcome to Inbox")
        f = theme.semibold(title.font())
        f.setPointSizeF(f.pointSizeF() + 6)
        title.setFont(f)
        intro = plain_label(
            "Answer your customers' text messages from one calm, shared inbox. "
            "Connect your SMS provider's number to start, or look around first with a simulated phone.",
            "muted",
        )
        self.connect_card = ChoiceCard(
            "phone",
            "Connect your number",
            f"{_provider_names()}: your account's keys and number. Takes about a minute.",
        )
        self.connect_card.clicked.connect(self.show_connect)
        self.demo_card = ChoiceCard(
            "inbox", "Open the demo", "Sample conversations and a simulated customer phone to text from."
        )
        self.demo_card.clicked.connect(self.choose_demo)
        note = plain_label("You can add more numbers later in Settings (Ctrl+,).", "muted")
        note.setFont(theme.meta_font(note.font()))

        lay = QVBoxLayout(page)
        lay.setContentsMargins(48, 40, 48, 32)
        lay.setSpacing(12)
        lay.addWidget(logo)
        lay.addSpacing(4)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addSpacing(16)
        lay.addWidget(self.connect_card)
        lay.addWidget(self.demo_card)
        lay.addStretch(1)
        lay.addWidget(note)
        return page

    def _connect_page(self, allow_demo: bool) -> QWidget:
        page = QWidget()
        page.setAccessibleName(self.form.spec.heading)
        body = QWidget()
        body.setObjectName("setupPage")
        self.title = title = plain_label(self.form.spec.heading)
        f = theme.semibold(title.font())
        f.setPointSizeF(f.pointSizeF() + 3)
        title.setFont(f)
        self.where = where = plain_label(self.form.spec.intro, "muted")
        self.form.provider_changed.connect(lambda spec: self._retitle(page, spec))
        inner = QVBoxLayout(body)
        inner.setContentsMargins(48, 32, 48, 16)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(where)
        inner.addSpacing(8)
        inner.addWidget(self.form, 1)

        footer = QWidget()
        footer.setObjectName("setupFooter")
        self.back_button = QPushButton("Back")
        self.back_button.setAccessibleName("Back to the welcome page")
        self.back_button.clicked.connect(self.show_welcome)
        self.back_button.setVisible(allow_demo)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("primary")
        self.connect_button.setAccessibleName("Connect and open the inbox")
        self.connect_button.setToolTip("Save the channel (Ctrl+Enter)")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.form.connect_channel)
        row = QHBoxLayout(footer)
        row.setContentsMargins(48, 12, 48, 12)
        row.setSpacing(8)
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.connect_button)

        # The form scrolls rather than squeezes: with Advanced open, a keyring note and a two-line
        # error it is taller than a small screen, and a squeezed QFormLayout overlaps its rows.
        self.scroll = QScrollArea()
        self.scroll.setObjectName("setupScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(body)
        self.form.grown.connect(lambda: QTimer.singleShot(0, self.fit_height))

        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(footer)
        QWidget.setTabOrder(self.form.test_button, self.back_button)
        QWidget.setTabOrder(self.back_button, self.cancel_button)
        QWidget.setTabOrder(self.cancel_button, self.connect_button)
        return page

    def _retitle(self, page: QWidget, spec: ProviderForm) -> None:
        """The page speaks of the chosen provider: its heading and where to find its keys."""
        self.title.setText(spec.heading)
        self.where.setText(spec.intro)
        page.setAccessibleName(spec.heading)

    def fit_height(self) -> None:
        """Grow (never shrink) to show the whole form, as far as the screen allows; beyond
        that the form scrolls."""
        body = self.scroll.widget()
        body.adjustSize()
        need = body.heightForWidth(self.scroll.viewport().width())
        need = max(need, body.minimumSizeHint().height()) + (self.height() - self.scroll.viewport().height())
        screen = self.screen()
        limit = screen.availableGeometry().height() - 48 if screen is not None else need
        if self.max_height:
            limit = min(limit, self.max_height)
        height = min(max(self.height(), need), limit)
        if height > self.height():
            self.resize(self.width(), height)
        if self.form.result.text():
            self.scroll.ensureWidgetVisible(self.form.result, 0, 12)  # the answer to what was just done

    # -- navigation ----------------------------------------------------------------------------
    def show_connect(self) -> None:
        self.stack.setCurrentWidget(self.connect_page)

    def show_welcome(self) -> None:
        if self.welcome is not None:
            self.stack.setCurrentWidget(self.welcome)

    def _focus_page(self, *_a: object) -> None:
        if self.stack.currentWidget() is self.connect_page:
            self.form.provider.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.welcome is not None:
            self.connect_card.setFocus(Qt.FocusReason.OtherFocusReason)

    def _primary(self) -> None:
        if self.stack.currentWidget() is self.connect_page and not self.form.busy:
            self.form.connect_channel()

    def choose_demo(self) -> None:
        self.choice = "demo"
        self.accept()

    def _created(self, channel: Channel) -> None:
        self.choice = "channel"
        self.channel = channel
        self.accept()

    def reject(self) -> None:
        if self.form.busy:
            return  # a save is in flight: let it finish so we know whether the channel exists
        super().reject()


def for_service(service: InboxService, *, allow_demo: bool = True, parent: QWidget | None = None) -> SetupWizard:
    """The wizard wired to the real engine behind `service`: a real test call, the token stored,
    the row inserted (announced on the service's event bus)."""
    from inbox.engine.setup import keyring_usable
    from inbox.ui.setup.connect_form import engine_checker, engine_creator

    return SetupWizard(
        engine_creator(service), engine_checker, keyring_ok=keyring_usable(), allow_demo=allow_demo, parent=parent
    )
