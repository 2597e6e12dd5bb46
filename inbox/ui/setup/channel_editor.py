"""Edit a channel (Settings ▸ Channels ▸ Edit…): name, number, credentials, who answers STOP, the
reply to HELP and the poll interval, in one dialog.

Why a dialog of its own: a typo in the number or a rotated token used to mean deleting nothing and
re-adding nothing — there was no way to fix a channel. Saving checks with the provider first when
something it depends on changes (the account, the number, the address or the token): the account
must answer and own the number, else nothing is saved and the reason shows under the form. The
token is never shown; an empty token field keeps the one the channel has. Every call (the check,
the save) runs on the worker through ``ops.run_op``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import phone
from inbox.core.models import Channel
from inbox.engine import credentials, setup
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.widgets import plain_label

# Connection-relevant settings: a change to any of them is checked with the provider first.
REACHES = ("account_sid", "number", "base_url")


@dataclass(frozen=True, slots=True)
class ChannelDraft:
    """What the person changed, as plain values a worker can use (the token never printed)."""

    name: str
    number: str
    account_sid: str
    base_url: str
    token: str  # empty: keep the channel's token
    store: str  # "keep", "keyring" or "env"
    env_var: str
    handles_stop: bool
    help_text: str
    poll_interval: float
    check: bool

    def __repr__(self) -> str:
        return f"ChannelDraft(name={self.name!r}, store={self.store!r})"


def save_channel(service: InboxService, current: Channel, draft: ChannelDraft) -> Channel:
    """The blocking save (on the worker): the connection test when it is due, then one
    `setup.edit_channel`. ConnectionFailed or SetupRefused say what to fix; nothing is saved then."""
    url = setup.check_base_url(draft.base_url)
    sid = setup.check_account_sid(draft.account_sid, strict=url is None)
    number = setup.check_number(draft.number)
    ref: str | None = None
    store_token: Callable[[], None] | None = None
    if draft.store == "env":
        ref = setup.token_ref(sid, "env", draft.env_var)
    elif draft.store == "keyring" and draft.token:
        ref = credentials.keyring_ref()
        store_token = lambda: setup.remember_token(sid, draft.token, "keyring")  # noqa: E731
    elif draft.token:  # a new token kept where the old one is (a session token, a variable)
        ref = current.auth_token_ref
        if ref.startswith("env:"):
            store_token = lambda: credentials.keep_in_process(ref[4:], draft.token)  # noqa: E731
        else:
            store_token = lambda: setup.remember_token(sid, draft.token, "keyring")  # noqa: E731
    changed = (sid, number, url, ref or current.auth_token_ref) != (
        current.account_sid,
        current.number,
        current.base_url,
        current.auth_token_ref,
    )
    if draft.check and (changed or draft.token):
        token = draft.token or _current_token(ref or current.auth_token_ref, sid)
        setup.check_connection(sid, token, number, url, current.provider)
    return setup.edit_channel(
        service.db,
        current.id,
        name=draft.name,
        number=number,
        account_sid=sid,
        base_url=url,
        auth_token_ref=ref,
        provider_handles_opt_out=draft.handles_stop,
        help_text=draft.help_text,
        poll_interval_seconds=draft.poll_interval,
        store_token=store_token,
        events=service.events,
        actor=service.agent,
    )


def _current_token(ref: str, sid: str) -> str:
    try:
        return credentials.resolve(ref, sid)
    except credentials.MissingCredentials as exc:
        raise setup.ConnectionFailed(
            f"Cannot test without the token ({exc}): type it above, or untick “Check with the provider”"
        ) from None


class ChannelEditor(QDialog):
    """The edit dialog for one channel.

    Signals:
        saved(object): the updated ``Channel``, after the engine accepted it.
    """

    saved = Signal(object)

    def __init__(self, service: InboxService, channel: Channel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit channel {channel.name}")
        self.setAccessibleName("Edit channel")
        self.setMinimumWidth(560)
        self._service = service
        self.channel = channel

        self.name = QLineEdit(channel.name)
        self.name.setAccessibleName("Channel name")
        self.number = QLineEdit(phone.display(channel.number))
        self.number.setAccessibleName("Number")
        self.sid = QLineEdit(channel.account_sid)
        self.sid.setAccessibleName("Account SID")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Unchanged — type a new token to replace it")
        self.token.setAccessibleName("New auth token")
        self.store_keep = QRadioButton(_where(channel.auth_token_ref))
        self.store_keep.setAccessibleName("Keep the token where it is")
        self.store_keyring = QRadioButton("In the system keyring")
        self.store_keyring.setAccessibleName("Keep the token in the system keyring")
        self.store_env = QRadioButton("In an environment variable (named below)")
        self.store_env.setAccessibleName("Read the token from an environment variable")
        self.env_var = QLineEdit(channel.auth_token_ref[4:] if channel.auth_token_ref.startswith("env:") else "")
        self.env_var.setPlaceholderText("INBOX_TWILIO_TOKEN")
        self.env_var.setAccessibleName("Environment variable name")
        self.store_group = QButtonGroup(self)
        for b in (self.store_keep, self.store_keyring, self.store_env):
            self.store_group.addButton(b)
        self.store_keep.setChecked(True)
        self.store_keyring.setEnabled(setup.keyring_usable())
        self.base_url = QLineEdit(channel.base_url or "")
        self.base_url.setPlaceholderText(setup.DEFAULT_BASE_URL)
        self.base_url.setAccessibleName("API base URL")
        self.handles_stop = QCheckBox("The provider answers STOP itself (Twilio Advanced Opt-Out)")
        self.handles_stop.setAccessibleName("The provider answers STOP itself")
        self.handles_stop.setChecked(channel.provider_handles_opt_out)
        self.help_text = QPlainTextEdit(channel.help_text)
        self.help_text.setAccessibleName("Reply to HELP")
        self.help_text.setPlaceholderText("Empty: Inbox's default reply (who you are and how to stop)")
        self.help_text.setTabChangesFocus(True)
        self.help_text.setFixedHeight(64)
        self.poll = QDoubleSpinBox()
        self.poll.setRange(setup.MIN_POLL, setup.MAX_POLL)
        self.poll.setDecimals(1)
        self.poll.setSuffix(" s")
        self.poll.setValue(channel.poll_interval_seconds)
        self.poll.setAccessibleName("Poll interval in seconds")
        self.check = QCheckBox("Check with the provider before saving (account, token and number)")
        self.check.setAccessibleName("Check with the provider before saving")
        self.check.setChecked(True)
        self.result = plain_label("")
        self.result.setAccessibleName("Save result")
        self.result.setMinimumHeight(20)
        self.result_role = ""

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Channel name", self.name)
        form.addRow("Number", self.number)
        form.addRow("Account SID", self.sid)
        form.addRow("Auth token", self.token)
        # A widget of its own, and the variable's name on a row of its own: nested in a form row
        # beside a radio button, the field was squashed to half its height.
        store = QWidget()
        store_box = QVBoxLayout(store)
        store_box.setContentsMargins(0, 0, 0, 0)
        store_box.setSpacing(6)
        store_box.addWidget(self.store_keep)
        store_box.addWidget(self.store_keyring)
        store_box.addWidget(self.store_env)
        form.addRow("Keep the token", store)
        form.addRow("Variable", self.env_var)
        form.addRow("API base URL", self.base_url)
        form.addRow("STOP / HELP", self.handles_stop)
        form.addRow("Reply to HELP", self.help_text)
        form.addRow("Poll every", self.poll)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("primary")
        self.save_button.setAccessibleName("Save the channel")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 20, 20, 16)
        lay.setSpacing(12)
        lay.addLayout(form)
        lay.addWidget(self.check)
        lay.addWidget(self.result)
        lay.addWidget(self.buttons)
        self.store_env.toggled.connect(self.env_var.setEnabled)
        self.env_var.setEnabled(False)

    def draft(self) -> ChannelDraft:
        store = "env" if self.store_env.isChecked() else ("keyring" if self.store_keyring.isChecked() else "keep")
        return ChannelDraft(
            name=self.name.text().strip(),
            number=self.number.text().strip(),
            account_sid=self.sid.text().strip(),
            base_url=self.base_url.text().strip(),
            token=self.token.text().strip(),
            store=store,
            env_var=self.env_var.text().strip(),
            handles_stop=self.handles_stop.isChecked(),
            help_text=self.help_text.toPlainText(),
            poll_interval=self.poll.value(),
            check=self.check.isChecked(),
        )

    def show_result(self, text: str, role: str) -> None:
        self.result.setText(text)
        self.result_role = role
        self.result.setStyleSheet(f"color: {getattr(theme.tokens(), role or 'muted')};")

    def save(self) -> None:
        """Check (when due) and save on the worker; the dialog closes only once it is saved."""
        draft, current, service = self.draft(), self.channel, self._service
        self.save_button.setEnabled(False)
        self.show_result("Checking with the provider…" if draft.check else "Saving…", "")

        def ok(channel: Channel) -> None:
            self.channel = channel
            self.save_button.setEnabled(True)
            self.show_result("✓ Saved", "success")
            emit(self.saved, channel)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            reason = getattr(exc, "reason", None)
            self.show_result(reason if isinstance(reason, str) and reason else ops.describe(exc), "danger")

        ops.run_op(
            self,
            lambda: save_channel(service, current, draft),
            ok,
            failed,
            label="Saving the channel",
        )


def _where(ref: str) -> str:
    if ref == "keyring":
        return "Where it is now (the system keyring)"
    if ref.startswith(credentials.env_ref(setup.SESSION_VAR_PREFIX)):
        return "Where it is now (this session only)"
    return f"Where it is now (environment variable {ref[4:]})"
