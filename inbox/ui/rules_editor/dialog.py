"""Add or edit one keyword rule: keywords, matching, where and when, and what it does.

Why the dialog shows only what the chosen action needs: a "reply" rule has one field that matters,
a lookup has seven; showing all of them makes every rule look complicated. The engine validates on
save (on the worker) and its refusal ("… collides with the compliance keyword STOP …") is shown
inline with nothing stored; the live preview under the template uses the same renderer and segment
counter as the engine, with sample values.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inbox.core import rules as core_rules
from inbox.core.rules import Action, ActionKind, MatchMode, RuleSpec
from inbox.engine import rulebook
from inbox.engine.rulebook import StoredRule
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.rules_editor.wording import ACTIONS, MODES, SAMPLE, STATUSES

# Which optional rows each action shows (the reply row is shown for all, with its own label).
ROWS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.REPLY: (),
    ActionKind.JOIN: ("list_name", "list_note"),
    ActionKind.LEAVE: ("list_name", "list_note"),
    ActionKind.LOOKUP: ("url", "timeout", "auth_header", "auth_ref", "fallback"),
    ActionKind.TAG: ("tag",),
    ActionKind.ASSIGN: ("assignee",),
    ActionKind.STATUS: ("status",),
}
REPLY_LABELS = {
    ActionKind.REPLY: "Reply",
    ActionKind.JOIN: "Reply (optional)",
    ActionKind.LEAVE: "Reply (optional)",
    ActionKind.LOOKUP: "Reply template",
    ActionKind.TAG: "Reply (optional)",
    ActionKind.ASSIGN: "Reply (optional)",
    ActionKind.STATUS: "Reply (optional)",
}
REPLY_HINTS = {
    ActionKind.REPLY: "Variables: {first_name} {number} {date} {keyword}; {first_name|there} gives a default.",
    ActionKind.JOIN: "Empty: “You have joined {list}…”. A list with double opt-in first asks for YES; the "
    "reply is sent once the customer confirms.",
    ActionKind.LEAVE: "Empty: “You have left {list}.” Variables: {list} {first_name}.",
    ActionKind.LOOKUP: "Map the backend's JSON fields into the reply: {lookup.balance}, {lookup.account.name}…",
    ActionKind.TAG: "Leave empty to tag silently.",
    ActionKind.ASSIGN: "Leave empty to forward silently.",
    ActionKind.STATUS: "Leave empty to change the status silently.",
}


def _muted(text: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setProperty("role", "muted")
    lab.setTextFormat(Qt.TextFormat.PlainText)
    lab.setWordWrap(True)
    lab.setFont(theme.meta_font(lab.font()))
    return lab


class RuleDialog(QDialog):
    """Add (``existing`` None) or edit one rule; ``saved`` carries the stored version.

    Signals:
        saved(object): the ``StoredRule`` the engine stored (version 1, or the next version).
    """

    saved = Signal(object)

    def __init__(
        self,
        service: InboxService,
        channels: dict[int, str],
        existing: StoredRule | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db, self._agent, self._existing = service.db, service.agent, existing
        self.setWindowTitle(f"Edit rule “{existing.spec.name}”" if existing else "New keyword rule")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(600)

        self.name = QLineEdit()
        self.name.setAccessibleName("Rule name")
        self.name.setPlaceholderText("e.g. store-hours")
        self.keyword = QLineEdit()
        self.keyword.setAccessibleName("Keyword")
        self.keyword.setPlaceholderText("HOURS")
        self.aliases = QLineEdit()
        self.aliases.setAccessibleName("Aliases")
        self.aliases.setPlaceholderText("OPEN, OPENING TIMES  (comma-separated)")
        self.mode = QComboBox()
        self.mode.setAccessibleName("Match mode")
        for mode, label in MODES:
            self.mode.addItem(label, mode.value)
        self.mode.setCurrentIndex(self.mode.findData(MatchMode.FIRST_WORD.value))  # the engine's default
        self.channel = QComboBox()
        self.channel.setAccessibleName("Channel")
        self.channel.addItem("All channels", None)
        for cid, cname in sorted(channels.items()):
            self.channel.addItem(cname, cid)
        self.priority = QSpinBox()
        self.priority.setAccessibleName("Priority")
        self.priority.setRange(0, 100_000)
        self.priority.setValue(100)
        self.priority.setToolTip("Lower numbers are checked first; equal numbers go by name")
        self.starts_on = QCheckBox("From")
        self.starts_on.setAccessibleName("Has a start")
        self.starts = self._when_edit("Active from")
        self.ends_on = QCheckBox("Until")
        self.ends_on.setAccessibleName("Has an end")
        self.ends = self._when_edit("Active until")
        self.starts_on.toggled.connect(self.starts.setEnabled)
        self.ends_on.toggled.connect(self.ends.setEnabled)

        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        for kind, label in ACTIONS:
            self.action.addItem(label, kind.value)
        self.reply = QPlainTextEdit()
        self.reply.setAccessibleName("Reply template")
        self.reply.setTabChangesFocus(True)
        self.reply.setFixedHeight(72)
        self.reply_hint = _muted()
        self.preview = QLabel()
        self.preview.setAccessibleName("Reply preview")
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setFont(theme.meta_font(self.preview.font()))
        self.list_name = QLineEdit()
        self.list_name.setAccessibleName("List")
        self.list_name.setPlaceholderText("empty: the word after the keyword (JOIN NEWS)")
        self.url = QLineEdit()
        self.url.setAccessibleName("Lookup URL")
        self.url.setPlaceholderText("https://backend.example/balance?phone={number}")
        self.timeout = QDoubleSpinBox()
        self.timeout.setAccessibleName("Lookup timeout in seconds")
        self.timeout.setRange(0.5, 30)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(5.0)
        self.timeout.setFixedWidth(96)
        self.auth_header = QLineEdit()
        self.auth_header.setAccessibleName("Auth header name")
        self.auth_header.setPlaceholderText("Authorization  (empty: no header)")
        self.auth_source = QComboBox()
        self.auth_source.setAccessibleName("Where the header value lives")
        self.auth_source.addItem("Environment variable", "env")
        self.auth_source.addItem("OS keyring entry", "keyring")
        self.auth_name = QLineEdit()
        self.auth_name.setAccessibleName("Auth secret name")
        self.auth_name.setPlaceholderText("BACKEND_TOKEN — its name, never the secret")
        self.fallback = QLineEdit()
        self.fallback.setAccessibleName("Fallback text")
        self.fallback.setPlaceholderText("Sorry, we can't check that right now. An agent will reply.")
        self.tag = QLineEdit()
        self.tag.setAccessibleName("Tag")
        self.assignee = QLineEdit()
        self.assignee.setAccessibleName("Assign to")
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for st in STATUSES:
            self.status.addItem(st.title(), st)

        self.error = QLabel()
        self.error.setProperty("role", "danger")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Why the rule was not saved")
        self.error.hide()

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("Name", self.name)
        form.addRow("Keyword", self.keyword)
        form.addRow("Aliases", self.aliases)
        form.addRow("Match", self.mode)
        where = QHBoxLayout()
        where.setSpacing(8)
        where.addWidget(self.channel, 1)
        where.addWidget(QLabel("Priority"))
        where.addWidget(self.priority)
        form.addRow("Channel", where)
        window = QHBoxLayout()
        window.setSpacing(8)
        for w in (self.starts_on, self.starts, self.ends_on, self.ends):
            window.addWidget(w)
        window.addStretch(1)
        form.addRow("Active", window)
        form.addRow("Action", self.action)
        self.reply_label = QLabel("Reply")
        reply_box = QVBoxLayout()
        reply_box.setSpacing(4)
        reply_box.addWidget(self.reply)
        reply_box.addWidget(self.preview)
        reply_box.addWidget(self.reply_hint)
        form.addRow(self.reply_label, reply_box)
        auth = QHBoxLayout()
        auth.setSpacing(8)
        auth.addWidget(self.auth_source)
        auth.addWidget(self.auth_name, 1)
        self._rows: dict[str, QWidget | QHBoxLayout] = {
            "list_name": self.list_name,
            "list_note": _muted(
                "Customers text JOIN NEWS / LEAVE NEWS. Lists with double opt-in send “Reply YES to confirm” "
                "first (manage lists with `inbox lists`)."
            ),
            "url": self.url,
            "timeout": self.timeout,
            "auth_header": self.auth_header,
            "auth_ref": auth,
            "fallback": self.fallback,
            "tag": self.tag,
            "assignee": self.assignee,
            "status": self.status,
        }
        labels = {
            "list_name": "List",
            "list_note": "",
            "url": "URL",
            "timeout": "Timeout",
            "auth_header": "Auth header",
            "auth_ref": "Header value from",
            "fallback": "On error reply",
            "tag": "Tag",
            "assignee": "Assign to",
            "status": "Status",
        }
        for key, widget in self._rows.items():
            form.addRow(labels[key], widget)
        self.form = form

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setObjectName("primary")
        save.setAccessibleName("Save the rule")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(12)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addStretch(1)
        lay.addWidget(self.buttons)

        self.action.currentIndexChanged.connect(self._action_changed)
        self.reply.textChanged.connect(self._update_preview)
        if existing is not None:
            self._load(existing.spec)
            self.reply.setFocus()
        else:
            self.name.setFocus()
        self.starts.setEnabled(self.starts_on.isChecked())
        self.ends.setEnabled(self.ends_on.isChecked())
        self._action_changed()

    def _when_edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(QDateTime.currentDateTime())
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy HH:mm")
        return edit

    # -- spec <-> fields -----------------------------------------------------------------------
    def _load(self, spec: RuleSpec) -> None:
        self.name.setText(spec.name)
        self.name.setReadOnly(True)  # the name is the rule's identity across versions
        self.name.setToolTip("A rule keeps its name across versions")
        self.name.setStyleSheet(f"color: {theme.tokens().muted};")
        self.keyword.setText(spec.keywords[0] if spec.keywords else "")
        self.aliases.setText(", ".join(spec.keywords[1:]))
        self.mode.setCurrentIndex(self.mode.findData(spec.mode.value))
        idx = self.channel.findData(spec.channel_id) if spec.channel_id is not None else 0
        self.channel.setCurrentIndex(max(idx, 0))
        self.priority.setValue(spec.priority)
        for on, edit, value in ((self.starts_on, self.starts, spec.starts_at), (self.ends_on, self.ends, spec.ends_at)):
            on.setChecked(value is not None)
            if value is not None:
                edit.setDateTime(QDateTime(value.astimezone().replace(tzinfo=None)))
        act = spec.action
        self.action.setCurrentIndex(self.action.findData(act.kind.value))
        self.reply.setPlainText(act.reply)
        self.list_name.setText(act.list_name)
        self.url.setText(act.url)
        self.timeout.setValue(act.timeout)
        self.auth_header.setText(act.auth_header)
        source, _, ref = act.auth_ref.partition(":")
        if ref:
            self.auth_source.setCurrentIndex(max(0, self.auth_source.findData(source)))
            self.auth_name.setText(ref)
        self.fallback.setText(act.fallback)
        self.tag.setText(act.tag)
        self.assignee.setText(act.assignee)
        self.status.setCurrentIndex(max(0, self.status.findData(act.status)))
        self._enabled = spec.enabled

    def _when(self, on: QCheckBox, edit: QDateTimeEdit) -> datetime | None:
        if not on.isChecked():
            return None
        naive: datetime = edit.dateTime().toPython()  # local wall time
        return naive.replace(second=0, microsecond=0).astimezone()

    def spec(self) -> RuleSpec:
        """The rule as entered; only the chosen action's fields are kept (the rest stay empty)."""
        kind = ActionKind(self.action.currentData())
        shown = set(ROWS[kind])
        keywords = [self.keyword.text().strip()]
        keywords += [k.strip() for k in self.aliases.text().split(",") if k.strip()]
        auth_name = self.auth_name.text().strip()
        act = Action(
            kind=kind,
            reply=self.reply.toPlainText().strip(),
            list_name=self.list_name.text().strip() if "list_name" in shown else "",
            url=self.url.text().strip() if "url" in shown else "",
            timeout=self.timeout.value() if "timeout" in shown else 5.0,
            auth_header=self.auth_header.text().strip() if "auth_header" in shown else "",
            auth_ref=f"{self.auth_source.currentData()}:{auth_name}" if "auth_ref" in shown and auth_name else "",
            fallback=self.fallback.text().strip() if "fallback" in shown else "",
            tag=self.tag.text().strip() if "tag" in shown else "",
            assignee=self.assignee.text().strip() if "assignee" in shown else "",
            status=self.status.currentData() if "status" in shown else "",
        )
        mode = MatchMode(self.mode.currentData())
        return RuleSpec(
            name=self.name.text().strip(),
            keywords=tuple(k for k in keywords if k),
            mode=mode,
            action=act,
            channel_id=self.channel.currentData(),
            priority=self.priority.value(),
            starts_at=self._when(self.starts_on, self.starts),
            ends_at=self._when(self.ends_on, self.ends),
            enabled=getattr(self, "_enabled", True),
        )

    # -- live feedback -------------------------------------------------------------------------
    def _action_changed(self) -> None:
        kind = ActionKind(self.action.currentData())
        shown = set(ROWS[kind])
        for key, widget in self._rows.items():
            self.form.setRowVisible(widget, key in shown)  # type: ignore[arg-type]
        self.reply_label.setText(REPLY_LABELS[kind])
        self.reply_hint.setText(REPLY_HINTS[kind])
        self.adjustSize()

    def _update_preview(self) -> None:
        template = self.reply.toPlainText()
        if not template.strip():
            self.preview.setText("")
            self.preview.setProperty("role", "muted")
        else:
            text = core_rules.render(template, SAMPLE)
            pv = core_rules.preview(text)
            plural = "s" if pv.segments != 1 else ""
            line = f"Preview: {text}\n{pv.encoding} · {pv.segments} segment{plural} · {len(text)} characters"
            if pv.warning:
                line += f"\n⚠ {pv.warning}"
            self.preview.setText(line)
            self.preview.setProperty("role", "warning" if pv.warning else "muted")
        self.preview.style().unpolish(self.preview)
        self.preview.style().polish(self.preview)

    def show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    # -- saving --------------------------------------------------------------------------------
    def submit(self) -> None:
        """Store on the worker; a refusal stays in the dialog, a success closes it."""
        spec = self.spec()
        try:
            core_rules.validate(spec)  # pure: the engine's own checks, answered at once
        except core_rules.RuleRefused as exc:
            self.show_error(f"Not saved: {exc}")
            return
        db, agent = self._db, self._agent
        store = rulebook.save_rule if self._existing is not None else rulebook.add_rule
        self.buttons.setEnabled(False)
        self.show_error(None)
        ops.run_op(self, lambda: store(db, spec, agent), self._on_saved, self._on_refused, label="Saving the rule")

    def _on_saved(self, stored: StoredRule) -> None:
        self.buttons.setEnabled(True)
        emit(self.saved, stored)
        self.accept()

    def _on_refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        reason = str(exc) if isinstance(exc, (core_rules.RuleRefused, LookupError)) else ops.describe(exc)
        self.show_error(f"Not saved: {reason}")
