"""The "Connect Twilio" form: account SID, auth token, number, where the token lives, base URL.

Why a widget of its own: the first-run wizard and Settings → Channels → "Add channel…" show the
same form. "Test connection" makes a real provider call on the worker and shows the answer inline;
"Connect" stores the token (keyring, or an environment variable when no keyring works here) and
inserts the channel through ``inbox.engine.setup`` — never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.models import Channel
from inbox.engine import setup
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.widgets import plain_label


@dataclass(frozen=True, slots=True)
class ConnectDraft:
    """What the person typed, as plain values a worker can use."""

    name: str
    account_sid: str
    token: str = ""  # never printed: see __repr__
    number: str = ""
    base_url: str = ""
    store: str = "keyring"  # "keyring", "session" or "env"
    env_var: str = ""
    handles_stop: bool = True

    def __repr__(self) -> str:  # never print the token
        return f"ConnectDraft(name={self.name!r}, store={self.store!r})"


Creator = Callable[[ConnectDraft], Channel]
Checker = Callable[[ConnectDraft], str]


class ConnectForm(QWidget):
    """Fields, a token-storage choice, an Advanced section, and "Test connection".

    Signals:
        channel_created(object): the new ``Channel`` after "Connect" succeeded.
        busy_changed(bool): a test or a save is in flight.
        grown(): rows appeared (Advanced opened, a result line shown): the dialog may grow to fit.
    """

    channel_created = Signal(object)
    busy_changed = Signal(bool)
    grown = Signal()

    def __init__(self, create: Creator, check: Checker, *, keyring_ok: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._create = create
        self._check = check
        self._busy = False

        self.name = QLineEdit("main")
        self.name.setAccessibleName("Channel name")
        self.sid = QLineEdit()
        self.sid.setPlaceholderText("AC…")
        self.sid.setAccessibleName("Account SID")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Auth token")
        self.token.setAccessibleName("Auth token")
        self.number = QLineEdit()
        self.number.setPlaceholderText("+1 555 000 1111")
        self.number.setAccessibleName("Your Twilio number")

        self.store_keyring = QRadioButton("In the system keyring (recommended)")
        self.store_keyring.setAccessibleName("Keep the token in the system keyring")
        self.store_session = QRadioButton("For this session only (enter it again next time)")
        self.store_session.setAccessibleName("Keep the token for this session only")
        self.store_env = QRadioButton("In an environment variable:")
        self.store_env.setAccessibleName("Read the token from an environment variable")
        self.env_var = QLineEdit("INBOX_TWILIO_TOKEN")
        self.env_var.setAccessibleName("Environment variable name")
        self.env_var.setMinimumWidth(176)
        self.store_group = QButtonGroup(self)
        for b in (self.store_keyring, self.store_session, self.store_env):
            self.store_group.addButton(b)
        self.keyring_note = plain_label("", "warning")
        self.keyring_note.setFont(theme.meta_font(self.keyring_note.font()))
        self.set_keyring_available(keyring_ok)

        self.handles_stop = QCheckBox("The provider answers it (Twilio Advanced Opt-Out)")
        self.handles_stop.setChecked(True)
        self.handles_stop.setAccessibleName("The provider answers STOP itself")
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setAccessibleName("Show advanced settings")
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText(setup.DEFAULT_BASE_URL)
        self.base_url.setAccessibleName("API base URL")
        self.base_url_hint = plain_label("Only for Twilio-compatible providers or the simulator.", "muted")
        self.advanced_button.toggled.connect(self._toggle_advanced)

        self.test_button = QPushButton("Test connection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test)
        self.result = plain_label("")
        self.result.setAccessibleName("Connection test result")
        self.result.setMinimumHeight(20)
        self.result_role = ""

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Account SID", self.sid)
        form.addRow("Auth token", self.token)
        form.addRow("Number", self.number)
        form.addRow("Channel name", self.name)

        env_row = QHBoxLayout()
        env_row.setSpacing(8)
        env_row.addWidget(self.store_env)
        env_row.addWidget(self.env_var)
        env_row.addStretch(1)
        store_box = QVBoxLayout()
        store_box.setSpacing(4)
        store_box.addWidget(self.store_keyring)
        store_box.addWidget(self.keyring_note)
        store_box.addWidget(self.store_session)
        store_box.addLayout(env_row)
        form.addRow("Keep the token", store_box)
        # Advanced rows live in the same form, so their fields line up with the ones above; they
        # are hidden rows, not a squeezed sub-form (the dialog scrolls when they do not fit).
        form.addRow(self.advanced_button)
        form.addRow("API base URL", self.base_url)
        form.addRow("", self.base_url_hint)
        form.addRow("STOP", self.handles_stop)
        self._form = form
        self.advanced = (self.base_url, self.base_url_hint, self.handles_stop)
        for w in self.advanced:
            form.setRowVisible(w, False)

        test_row = QHBoxLayout()
        test_row.setSpacing(12)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        lay.addLayout(form)
        lay.addLayout(test_row)
        lay.addStretch(1)

        for w in (self.sid, self.token, self.number, self.base_url):
            w.textEdited.connect(lambda _t: self.show_result("", ""))
        self.store_env.toggled.connect(self.env_var.setEnabled)
        self.env_var.setEnabled(self.store_env.isChecked())
        QWidget.setTabOrder(self.sid, self.token)
        QWidget.setTabOrder(self.token, self.number)
        QWidget.setTabOrder(self.number, self.name)

    def set_keyring_available(self, ok: bool) -> None:
        """No usable keyring (a headless server): say so, and offer the two honest alternatives."""
        self.store_keyring.setEnabled(ok)
        if ok:
            self.store_keyring.setChecked(True)
            self.keyring_note.hide()
        else:
            self.store_session.setChecked(True)
            self.keyring_note.setText("No system keyring on this computer: the token cannot be saved securely.")
            self.keyring_note.show()

    def _toggle_advanced(self, on: bool) -> None:
        for w in self.advanced:
            self._form.setRowVisible(w, on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        emit(self.grown)

    # -- values --------------------------------------------------------------------------------
    def draft(self) -> ConnectDraft:
        store = "keyring" if self.store_keyring.isChecked() else ("env" if self.store_env.isChecked() else "session")
        return ConnectDraft(
            name=self.name.text().strip(),
            account_sid=self.sid.text().strip(),
            token=self.token.text().strip(),
            number=self.number.text().strip(),
            base_url=self.base_url.text().strip(),
            store=store,
            env_var=self.env_var.text().strip() if store == "env" else "",
            handles_stop=self.handles_stop.isChecked(),
        )

    def missing(self) -> str | None:
        d = self.draft()
        if not d.account_sid:
            return "Enter the account SID"
        if not d.token and d.store != "env":
            return "Enter the auth token"
        if not d.number:
            return "Enter your Twilio number"
        return None

    def show_result(self, text: str, role: str) -> None:
        """Inline feedback under the form: role "success", "danger" or "" (muted progress)."""
        self.result.setText(text)
        self.result_role = role
        colour = getattr(theme.tokens(), role or "muted")
        self.result.setStyleSheet(f"color: {colour};")
        if text:
            emit(self.grown)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.test_button.setEnabled(not busy)
        emit(self.busy_changed, busy)

    @property
    def busy(self) -> bool:
        return self._busy

    # -- actions -------------------------------------------------------------------------------
    def test(self) -> None:
        """The real call, on the worker; the answer appears next to the button."""
        problem = self.missing()
        if problem:
            self.show_result(problem, "danger")
            return
        draft = self.draft()
        self._set_busy(True)
        self.show_result("Testing…", "")

        def ok(text: str) -> None:
            self._set_busy(False)
            self.show_result("✓ " + text, "success")

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.show_result(_reason(exc), "danger")

        ops.run_op(self, lambda: self._check(draft), ok, failed, label="Testing the connection")

    def connect_channel(self) -> None:
        """Store the token and insert the channel, on the worker."""
        problem = self.missing()
        if problem:
            self.show_result(problem, "danger")
            return
        draft = self.draft()
        self._set_busy(True)
        self.show_result("Connecting…", "")

        def ok(channel: Channel) -> None:
            self._set_busy(False)
            self.show_result(f"✓ Channel “{channel.name}” added", "success")
            emit(self.channel_created, channel)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.show_result(_reason(exc), "danger")

        ops.run_op(self, lambda: self._create(draft), ok, failed, label="Adding the channel")


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return reason if isinstance(reason, str) and reason else ops.describe(exc)


def engine_checker(draft: ConnectDraft) -> str:
    """The real test: runs on the worker (env-stored tokens are read from the environment)."""
    import os

    token = draft.token or (os.environ.get(draft.env_var, "") if draft.env_var else "")
    if not token:
        raise setup.ConnectionFailed(f"Environment variable {draft.env_var} is not set")
    return setup.check_connection(draft.account_sid, token, draft.number, draft.base_url or None)


def engine_creator(service: InboxService, *, check: bool = True) -> Creator:
    """Remember the token where the person chose, then insert the channel (on the worker) in the
    service's database, announced on its event bus. With `check` (the wizard), "Connect" runs the
    connection test first: a wrong token or a number the account does not own (the "12345" a new
    user typed) is refused with nothing saved, as `inbox channel add` refuses it."""
    db, events = service.db, service.events

    def create(draft: ConnectDraft) -> Channel:
        # Validate everything before the token goes anywhere; the token is kept only once the
        # channel row is accepted (a duplicate must not replace the existing channel's token).
        setup.check_name(draft.name or "main")
        setup.check_account_sid(draft.account_sid, strict=not draft.base_url)
        setup.check_number(draft.number)
        setup.check_base_url(draft.base_url)
        if check and (draft.token or draft.store != "env"):  # a variable not set yet: nothing to test with
            engine_checker(draft)
        ref = setup.token_ref(draft.account_sid, draft.store, draft.env_var)
        return setup.add_channel(
            db,
            name=draft.name or "main",
            account_sid=draft.account_sid,
            number=draft.number,
            auth_token_ref=ref,
            base_url=draft.base_url or None,
            provider_handles_opt_out=draft.handles_stop,
            events=events,
            store_token=lambda: setup.remember_token(draft.account_sid, draft.token, draft.store, draft.env_var),
        )

    return create
