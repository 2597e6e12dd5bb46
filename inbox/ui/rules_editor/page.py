"""Settings › Keyword rules: the evaluation order, the rules by priority, and a Test box.

Why the order stays on top: an admin who wonders "why did my rule not fire on STOP?" finds the
answer before the list. The Test box asks the engine's read-only planner (the one behind
`inbox keywords test`), so what it shows is exactly what a customer would get. Every store call runs
on the worker; the page only paints results.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.engine import rulebook, setup
from inbox.engine.rulebook import StoredRule
from inbox.engine.service import InboxService
from inbox.ui import ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.rules_editor import wording
from inbox.ui.rules_editor.dialog import RuleDialog
from inbox.ui.widgets import plain_label

COLUMNS = ("#", "Rule", "Keywords", "Match", "Action", "Channel", "Priority", "Active", "On")


def _restyle(w: QWidget, role: str) -> None:
    w.setProperty("role", role)
    w.style().unpolish(w)
    w.style().polish(w)


class RulesPage(QWidget):
    """The page's widgets: ``chain`` (order), ``rule_tree``, buttons, ``test_input``/``test_result``.

    Signals:
        changed(): a rule was added, edited, enabled or disabled (the list was reloaded).
    """

    changed = Signal()

    def __init__(self, service: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service  # the one backend handle: its database, its agent as the editor
        self._db = service.db
        self._agent = service.agent
        self.book: rulebook.RuleBook | None = None
        self.dialog: QDialog | None = None

        self.chain = plain_label()
        self.chain.setAccessibleName("Order of evaluation")
        self.rule_tree = QTreeWidget()
        self.rule_tree.setAccessibleName("Keyword rules in evaluation order")
        self.rule_tree.setHeaderLabels(list(COLUMNS))
        self.rule_tree.setRootIsDecorated(False)
        self.rule_tree.setUniformRowHeights(True)
        self.rule_tree.setAlternatingRowColors(False)
        header = self.rule_tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Action"), QHeaderView.ResizeMode.Stretch)
        header.setMaximumSectionSize(200)  # long keywords or windows elide (full text in the tooltip)
        self.rule_tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rule_tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.rule_tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.rule_tree.itemDoubleClicked.connect(lambda *_: self.edit_rule())

        def button(text: str, name: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setAccessibleName(name)
            b.clicked.connect(slot)
            return b

        self.add_button = button("Add…", "Add a keyword rule", self.add_rule)
        self.add_button.setObjectName("primary")
        self.edit_button = button("Edit…", "Edit the selected rule", self.edit_rule)
        self.toggle_button = button("Disable", "Disable or enable the selected rule", self.toggle_rule)
        self.history_button = button("History…", "Versions of the selected rule", self.show_history)
        row = QHBoxLayout()
        row.setSpacing(8)
        for b in (self.add_button, self.edit_button, self.toggle_button, self.history_button):
            row.addWidget(b)
        row.addStretch(1)
        self.rules_note = plain_label("", "muted")
        self.rules_note.setWordWrap(False)
        row.addWidget(self.rules_note)

        self.test_input = QLineEdit()
        self.test_input.setAccessibleName("Test message")
        self.test_input.setPlaceholderText("Type a customer's text, e.g. “hours please”, and press Enter")
        self.test_input.returnPressed.connect(self.run_test)
        self.test_channel = QComboBox()
        self.test_channel.setAccessibleName("Test on channel")
        self.test_button = button("Test", "Test the message against the rules", self.run_test)
        test_row = QHBoxLayout()
        test_row.setSpacing(8)
        test_row.addWidget(self.test_input, 1)
        test_row.addWidget(self.test_channel)
        test_row.addWidget(self.test_button)
        self.test_result = plain_label("Nothing is sent or written when you test.", "muted")
        self.test_result.setAccessibleName("Test result")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_detail = plain_label("", "muted")
        self.test_detail.setFont(theme.meta_font(self.test_detail.font()))

        test_box = QWidget()
        test_box.setObjectName("rulesTestBox")
        test_lay = QVBoxLayout(test_box)
        test_lay.setContentsMargins(12, 10, 12, 10)
        test_lay.setSpacing(6)
        test_title = plain_label("Test a message")
        test_title.setFont(theme.semibold(test_title.font()))
        test_lay.addWidget(test_title)
        test_lay.addLayout(test_row)
        test_lay.addWidget(self.test_result)
        test_lay.addWidget(self.test_detail)
        t = theme.tokens()
        test_box.setStyleSheet(
            f"QWidget#rulesTestBox {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 6px; }}"
        )

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        lay.addWidget(self.chain)
        lay.addWidget(self.rule_tree, 1)
        lay.addLayout(row)
        lay.addWidget(test_box)
        self.set_chain(setup.automation_order())
        self._update_buttons()

    # -- loading -------------------------------------------------------------------------------
    def set_chain(self, steps: list[tuple[str, str]]) -> None:
        """Steps as (name, label), from `setup.automation_order` (the chain's one declaration)."""
        self.chain.setText("\n".join(f"{i}. {label}" for i, (_name, label) in enumerate(steps, 1)))

    def reload(self) -> None:
        db = self._db
        ops.run_op(self, lambda: rulebook.rule_book(db), self.show_book, label="Loading keyword rules")

    def show_book(self, book: rulebook.RuleBook) -> None:
        keep = self.selected_name()
        self.book = book
        self.rule_tree.clear()
        muted = theme.tokens().color("muted")
        for i, stored in enumerate(book.rules, start=1):
            spec = stored.spec
            values = [
                str(i),
                spec.name,
                ", ".join(spec.keywords),
                wording.mode_text(spec.mode),
                wording.action_summary(spec),
                wording.channel_text(spec, book.channels),
                str(spec.priority),
                wording.window_text(spec),
                "On" if spec.enabled else "Off",
            ]
            item = QTreeWidgetItem(values)
            item.setData(0, Qt.ItemDataRole.UserRole, spec.name)
            for col in (2, 4, 7):
                item.setToolTip(col, values[col])
            item.setToolTip(1, f"Version {stored.version}, by {stored.updated_by or '?'}")
            if not spec.enabled:
                for col in range(len(COLUMNS)):
                    item.setForeground(col, muted)
            self.rule_tree.addTopLevelItem(item)
            if spec.name == keep:
                self.rule_tree.setCurrentItem(item)
        if book.rules and self.rule_tree.currentItem() is None:
            self.rule_tree.setCurrentItem(self.rule_tree.topLevelItem(0))
        n = len(book.rules)
        self.rules_note.setText(
            f"{n} rule{'s' if n != 1 else ''} · lowest priority number first"
            if n
            else "No keyword rules yet — Add one, then try it below."
        )
        current = self.test_channel.currentData()
        self.test_channel.clear()
        for cid, name in sorted(book.channels.items()):
            self.test_channel.addItem(name, cid)
        self.test_channel.setVisible(len(book.channels) > 1)
        if current is not None:
            self.test_channel.setCurrentIndex(max(0, self.test_channel.findData(current)))
        self._update_buttons()

    # -- selection -----------------------------------------------------------------------------
    def selected_name(self) -> str | None:
        item = self.rule_tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def selected(self) -> StoredRule | None:
        name = self.selected_name()
        if self.book is None or name is None:
            return None
        return next((r for r in self.book.rules if r.spec.name == name), None)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        for b in (self.edit_button, self.toggle_button, self.history_button):
            b.setEnabled(chosen is not None)
        self.toggle_button.setText("Enable" if chosen is not None and not chosen.spec.enabled else "Disable")

    # -- actions -------------------------------------------------------------------------------
    def _open_dialog(self, existing: StoredRule | None) -> RuleDialog | None:
        channels = self.book.channels if self.book else {}
        dialog = RuleDialog(self.service, channels, existing, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.saved.connect(self._on_saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_rule(self) -> RuleDialog | None:
        return self._open_dialog(None)

    def edit_rule(self) -> RuleDialog | None:
        chosen = self.selected()
        return self._open_dialog(chosen) if chosen is not None else None

    def _on_saved(self, stored: StoredRule) -> None:
        self.rules_note.setText(f"Saved “{stored.spec.name}” as version {stored.version}.")
        self._reload_and_announce(stored.spec.name)

    def toggle_rule(self) -> None:
        chosen, db = self.selected(), self._db
        if chosen is None:
            return
        name, enable, agent = chosen.spec.name, not chosen.spec.enabled, self._agent
        self.toggle_button.setEnabled(False)
        ops.run_op(
            self,
            lambda: rulebook.set_rule_enabled(db, name, enable, agent),
            lambda _s: self._reload_and_announce(name),
            lambda exc: (self.rules_note.setText(ops.describe(exc)), self._update_buttons()),
            label="Enabling the rule" if enable else "Disabling the rule",
        )

    def _reload_and_announce(self, name: str) -> None:
        db = self._db

        def shown(book: rulebook.RuleBook) -> None:
            self.show_book(book)
            for i in range(self.rule_tree.topLevelItemCount()):
                item = self.rule_tree.topLevelItem(i)
                if item.data(0, Qt.ItemDataRole.UserRole) == name:
                    self.rule_tree.setCurrentItem(item)
            emit(self.changed)

        ops.run_op(self, lambda: rulebook.rule_book(db), shown, label="Loading keyword rules")

    def show_history(self) -> QDialog | None:
        chosen, db = self.selected(), self._db
        if chosen is None:
            return None
        from inbox.ui.rules_editor.history import HistoryDialog

        dialog = HistoryDialog(chosen.spec.name, self.book.channels if self.book else {}, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        name = chosen.spec.name
        ops.run_op(dialog, lambda: rulebook.rule_history(db, name), dialog.show_versions, label="Loading rule history")
        self.dialog = dialog
        dialog.open()
        return dialog

    # -- the test box --------------------------------------------------------------------------
    def run_test(self) -> None:
        text, db = self.test_input.text(), self._db
        if not text.strip():
            return
        channel_id = self.test_channel.currentData()
        self.test_button.setEnabled(False)
        ops.run_op(
            self,
            lambda: setup.try_message(db, text, channel_id=channel_id),
            self.show_trial,
            self._trial_failed,
            label="Testing the message",
        )

    def show_trial(self, trial: setup.RuleTrial) -> None:
        self.test_button.setEnabled(True)
        lines = [wording.trial_headline(trial.step, trial.rule, trial.version, trial.reason)]
        if trial.lookup_url:
            lines.append(f"Lookup: GET {trial.lookup_url}")
        lines += [f"Then: {e}" for e in trial.effects]
        lines.append(f"Reply: {trial.reply}" if trial.reply else "Reply: none")
        self.test_result.setText("\n".join(lines))
        _restyle(self.test_result, "")
        if trial.reply:
            plural = "s" if trial.segments != 1 else ""
            detail = f"{trial.encoding} · {trial.segments} segment{plural}"
            if trial.warning:
                detail += f" — {trial.warning}"
            self.test_detail.setText(detail)
            _restyle(self.test_detail, "warning" if trial.warning else "muted")
        else:
            self.test_detail.setText("")

    def _trial_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(getattr(exc, "reason", None) or str(exc) or ops.describe(exc))
        _restyle(self.test_result, "danger")
        self.test_detail.setText("")
