"""The "Connect your number" form: a provider choice, then what that provider asks for.

Why a widget of its own: the first-run wizard and Settings → Channels → "Add channel…" show the
same form. Its rows come from the provider's ``ProviderForm`` (``inbox/core/provider_forms``):
labels, placeholders and help in the provider's own words, so a new provider needs no code here.
"Test connection" makes the provider's own test call on the worker and shows the answer inline;
"Connect" inserts the channel and keeps the secret (keyring, or an environment variable when no
keyring works here) through ``inbox.engine.channel_drafts`` — the doors `inbox channel add` uses —
never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import provider_forms
from inbox.core.models import Channel
from inbox.core.provider_forms import ProviderForm
from inbox.engine import channel_drafts
from inbox.engine.channel_drafts import ChannelDraft as ConnectDraft
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.widgets import plain_label

__all__ = ["Checker", "ConnectDraft", "ConnectForm", "Creator", "engine_checker", "engine_creator"]

Creator = Callable[[ConnectDraft], Channel]
Checker = Callable[[ConnectDraft], str]


class ConnectForm(QWidget):
    """Provider, its fields, a secret-storage choice, an Advanced section, and "Test connection".

    Signals:
        channel_created(object): the new ``Channel`` after "Connect" succeeded.
        busy_changed(bool): a test or a save is in flight.
        provider_changed(object): the ``ProviderForm`` now shown (the wizard retitles its page).
        grown(): rows appeared (Advanced opened, a result line shown): the dialog may grow to fit.
    """

    channel_created = Signal(object)
    busy_changed = Signal(bool)
    provider_changed = Signal(object)
    grown = Signal()

    def __init__(self, create: Creator, check: Checker, *, keyring_ok: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._create = create
        self._check = check
        self._busy = False
        self._keyring_ok = keyring_ok
        self.spec: ProviderForm = provider_forms.form_for("twilio")

        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        for f in provider_forms.all_forms():
            self.provider.addItem(f.label, f.provider)
        self.name = QLineEdit("main")
        self.name.setAccessibleName("Channel name")
        # One editor per field key; which of them are rows, and in what words, is the spec's.
        self.sid = QLineEdit()
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.number = QLineEdit()
        self.base_url = QLineEdit()
        self.region = QComboBox()
        self.dlt_sender = QLineEdit()
        self.dlt_entity_id = QLineEdit()
        self.editors: dict[str, QWidget] = {
            "account": self.sid,
            "secret": self.token,
            "number": self.number,
            "base_url": self.base_url,
            "region": self.region,
            "dlt_entity_id": self.dlt_entity_id,
            "dlt_sender": self.dlt_sender,
        }
        self.labels: dict[str, QLabel] = {k: QLabel() for k in self.editors}
        self.helps: dict[str, QLabel] = {k: plain_label("", "muted") for k in self.editors}
        for k, label in self.helps.items():
            label.setFont(theme.meta_font(label.font()))
            label.setAccessibleName(f"About the {k.replace('_', ' ')} field")
        self.base_url_hint = self.helps["base_url"]
        # Row captions are kept widgets too: rows are taken out and put back on a provider change.
        self.help_captions: dict[str, QLabel] = {k: QLabel() for k in self.editors}
        self.name_label = QLabel("Channel name")
        self.stop_caption = QLabel("STOP")

        self.store_keyring = QRadioButton("In the system keyring (recommended)")
        self.store_session = QRadioButton("For this session only (enter it again next time)")
        self.store_env = QRadioButton("In an environment variable:")
        self.env_var = QLineEdit()
        self.env_var.setAccessibleName("Environment variable name")
        self.env_var.setMinimumWidth(160)
        self.store_group = QButtonGroup(self)
        for b in (self.store_keyring, self.store_session, self.store_env):
            self.store_group.addButton(b)
        self.keyring_note = plain_label("", "warning")
        self.keyring_note.setFont(theme.meta_font(self.keyring_note.font()))
        self.store_label = QLabel()

        self.handles_stop = QCheckBox()
        self.handles_stop.setAccessibleName("The provider answers STOP itself")
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setAccessibleName("Show advanced settings")
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
        form.addRow("Provider", self.provider)
        env_row = QHBoxLayout()
        env_row.setSpacing(8)
        env_row.addWidget(self.store_env)
        env_row.addWidget(self.env_var, 1)  # the whole row: a long name stays readable
        store_box = QVBoxLayout()
        store_box.setSpacing(4)
        store_box.addWidget(self.store_keyring)
        store_box.addWidget(self.keyring_note)
        store_box.addWidget(self.store_session)
        store_box.addLayout(env_row)
        self._form = form
        self._store_box = store_box
        self._shown: list[QWidget] = []  # the spec's editors and help lines now in the layout
        self.advanced: tuple[QWidget, ...] = ()

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

        for w in (self.sid, self.token, self.number, self.base_url, self.dlt_sender, self.dlt_entity_id):
            w.textEdited.connect(lambda _t: self.show_result("", ""))
        self.region.currentIndexChanged.connect(lambda _i: self.show_result("", ""))
        self.store_env.toggled.connect(self.env_var.setEnabled)
        self.provider.currentIndexChanged.connect(lambda _i: self.set_provider(self.provider.currentData()))
        for combo in (self.provider, self.region):  # as tall as the text fields beside them
            combo.setMinimumHeight(self.name.sizeHint().height())
        self.set_keyring_available(keyring_ok)
        self._build(self.spec)

    # -- the provider's rows ---------------------------------------------------------------------
    def set_provider(self, provider: str) -> None:
        """Show ``provider``'s fields. The number and the name stay; the account, the secret and
        the address go — one provider's key must never be sent to another's endpoint."""
        spec = provider_forms.form_for(provider)
        if spec is self.spec:
            return
        for editor in (self.sid, self.token, self.base_url):
            editor.clear()
        if self.env_var.text() == self.spec.env_var:
            self.env_var.setText(spec.env_var)
        self.provider.setCurrentIndex(self.provider.findData(provider))
        self._build(spec)
        self.show_result("", "")
        emit(self.provider_changed, spec)
        emit(self.grown)

    def _build(self, spec: ProviderForm) -> None:
        """Rebuild the rows below "Provider": the spec's main fields, name, secret storage, then
        Advanced (its advanced fields and STOP). Editors not in the spec leave the layout."""
        form = self._form
        while form.rowCount() > 1:
            form.takeRow(1)  # widgets and layouts are kept, only the rows go
        for w in (*self.editors.values(), *self.labels.values(), *self.helps.values(), *self.help_captions.values()):
            w.hide()
        self.spec = spec
        self.env_var.setText(self.env_var.text() or spec.env_var)
        self.env_var.setCursorPosition(0)  # the name's start shows when the field is narrow
        secret = spec.secret_name
        self.store_label.setText(f"Keep the {secret}")
        self.store_keyring.setAccessibleName(f"Keep the {secret} in the system keyring")
        self.store_session.setAccessibleName(f"Keep the {secret} for this session only")
        self.store_env.setAccessibleName(f"Read the {secret} from an environment variable")
        if not self._keyring_ok:
            self.keyring_note.setText(f"No system keyring on this computer: the {secret} cannot be saved securely.")
        self.handles_stop.setText(spec.stop_label)
        self.handles_stop.setChecked(spec.answers_stop)

        shown: list[QWidget] = []
        advanced: list[QWidget] = []

        def add(field: provider_forms.Field) -> None:
            editor, label, help_line = self.editors[field.key], self.labels[field.key], self.helps[field.key]
            label.setText(field.label)
            editor.setAccessibleName(field.label)
            if isinstance(editor, QLineEdit):
                editor.setPlaceholderText(field.placeholder)
                if field.default and not editor.text():
                    editor.setText(field.default)
            elif isinstance(editor, QComboBox):
                editor.clear()
                for value, text in field.choices:
                    editor.addItem(text, value)
                editor.setCurrentIndex(max(0, editor.findData(field.default)) if field.default else 0)
            editor.setToolTip(field.help)
            form.addRow(label, editor)
            (advanced if field.advanced else shown).append(editor)
            if field.help:
                help_line.setText(field.help)
                form.addRow(self.help_captions[field.key], help_line)
                (advanced if field.advanced else shown).append(help_line)

        for field in spec.fields:
            if not field.advanced:
                add(field)
        form.addRow(self.name_label, self.name)
        form.addRow(self.store_label, self._store_box)
        # Advanced rows live in the same form, so their fields line up with the ones above; they
        # are hidden rows, not a squeezed sub-form (the dialog scrolls when they do not fit).
        form.addRow(self.advanced_button)
        for field in spec.fields:
            if field.advanced:
                add(field)
        form.addRow(self.stop_caption, self.handles_stop)
        advanced.append(self.handles_stop)
        self._shown = shown + advanced
        self.advanced = tuple(advanced)
        for w in (*shown, self.name, self.advanced_button):
            form.setRowVisible(w, True)
        for w in self.advanced:
            form.setRowVisible(w, self.advanced_button.isChecked())
        order = [self.provider, *(self.editors[f.key] for f in spec.fields if not f.advanced), self.name]
        for a, b in pairwise(order):
            QWidget.setTabOrder(a, b)

    def first_field(self) -> QWidget:
        """Where the keyboard starts: the provider's first field."""
        return self.editors[self.spec.fields[0].key]

    def set_keyring_available(self, ok: bool) -> None:
        """No usable keyring (a headless server): say so, and offer the two honest alternatives."""
        self._keyring_ok = ok
        self.store_keyring.setEnabled(ok)
        if ok:
            self.store_keyring.setChecked(True)
            self.keyring_note.hide()
        else:
            self.store_session.setChecked(True)
            self.keyring_note.setText(
                f"No system keyring on this computer: the {self.spec.secret_name} cannot be saved securely."
            )
            self.keyring_note.show()
        self.env_var.setEnabled(self.store_env.isChecked())

    def _toggle_advanced(self, on: bool) -> None:
        for w in self.advanced:
            self._form.setRowVisible(w, on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        emit(self.grown)

    # -- values --------------------------------------------------------------------------------
    def draft(self) -> ConnectDraft:
        store = "keyring" if self.store_keyring.isChecked() else ("env" if self.store_env.isChecked() else "session")
        keys = {f.key for f in self.spec.fields}

        def text(key: str) -> str:
            editor = self.editors[key]
            if key not in keys:
                return ""
            if isinstance(editor, QComboBox):
                return str(editor.currentData() or "")
            assert isinstance(editor, QLineEdit)
            return editor.text().strip()

        return ConnectDraft(
            name=self.name.text().strip(),
            account_sid=text("account"),
            token=text("secret"),
            number=text("number"),
            base_url=text("base_url"),
            store=store,
            env_var=self.env_var.text().strip() if store == "env" else "",
            handles_stop=self.handles_stop.isChecked(),
            provider=self.spec.provider,
            region=text("region"),
            dlt_entity_id=text("dlt_entity_id"),
            dlt_sender=text("dlt_sender"),
        )

    def missing(self) -> str | None:
        return self.spec.missing(self.draft().values())

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
        self.provider.setEnabled(not busy)
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
        """Keep the secret and insert the channel, on the worker."""
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
    """The provider's own test call, as `inbox channel add --test-connection` makes it (on the
    worker; secrets kept in an environment variable are read from it)."""
    return channel_drafts.check(draft)


def engine_creator(service: InboxService, *, check: bool = True) -> Creator:
    """Insert the channel in the service's database (announced on its event bus) and keep the
    secret where the person chose, on the worker. With `check` (the wizard), "Connect" runs the
    provider's connection test first: a wrong key or a number the account does not own is refused
    with nothing saved, as `inbox channel add` refuses it."""
    db, events = service.db, service.events
    return lambda draft: channel_drafts.create(db, draft, events, check_first=check)
