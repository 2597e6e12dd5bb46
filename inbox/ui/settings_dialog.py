"""Settings (Ctrl+,): general, notifications, channels, canned replies, keyword rules.

Why one dialog with a side list: each page is short, and an agent looking for "the sound" or "my
name" should find it without tabs inside tabs. Preferences of this desktop (theme, send key, sound,
canned replies) live in QSettings and apply at once; what belongs to the inbox itself (channels,
their poll interval, keyword rules) lives in the database and is read and written on the worker.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core import phone, provider_notes, segments, typed_text
from inbox.core.models import Channel
from inbox.core.presence import AssignmentPolicy
from inbox.core.provider_names import display_name
from inbox.engine import assignment, setup
from inbox.engine.service import AGENT_NAME_MAX, InboxService, check_agent_name
from inbox.ui import icons, ops, settings, theme
from inbox.ui.composer import canned as canned_replies
from inbox.ui.qt_compat import emit
from inbox.ui.rules_editor.page import RulesPage
from inbox.ui.widgets import plain_label

PAGES = ("General", "Notifications", "Channels", "Canned replies", "Keyword rules")
PAGE_ICONS = ("user", "inbox", "phone", "note", "tag")


def _page(title: str, intro: str = "") -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    page.setAccessibleName(title)
    lay = QVBoxLayout(page)
    lay.setContentsMargins(24, 20, 24, 20)
    lay.setSpacing(12)
    head = plain_label(title)
    f = theme.semibold(head.font())
    f.setPointSizeF(f.pointSizeF() + 2)
    head.setFont(f)
    lay.addWidget(head)
    if intro:
        lay.addWidget(plain_label(intro, "muted"))
    return page, lay


class SettingsDialog(QDialog):
    """Preferences; ``applied`` tells the main window to re-read them.

    Signals:
        applied(): QSettings were saved (theme, send key, canned replies, notifications).
        channels_changed(): a channel was added or its poll interval changed.
    """

    applied = Signal()
    channels_changed = Signal()

    def __init__(
        self,
        service: InboxService,
        qsettings: QSettings,
        *,
        parent: QWidget | None = None,
        add_channel: Callable[[QWidget], Channel | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.resize(980, 640)
        self.setMinimumSize(760, 540)
        self._service = service
        self._settings = qsettings
        self._db = service.db  # the one backend handle: its database and its event bus
        self._events = service.events
        self._add_channel = add_channel
        self.channels: list[Channel] = []
        self._channel_notice = ""  # what the last edit or removal did, for the next list reload

        self.nav = QListWidget()
        self.nav.setObjectName("settingsNav")
        self.nav.setAccessibleName("Settings sections")
        self.nav.setFixedWidth(184)
        self.nav.setSpacing(2)
        self.nav.setIconSize(QSize(16, 16))
        t = theme.tokens()
        for name, icon in zip(PAGES, PAGE_ICONS, strict=True):
            item = QListWidgetItem(icons.icon(icon, "muted"), name)
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._general())
        self.stack.addWidget(self._notifications())
        self.stack.addWidget(self._channels())
        self.stack.addWidget(self._canned())
        self.stack.addWidget(self._rules())
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setObjectName("primary")
        save.setAccessibleName("Save settings")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        footer = QWidget()
        footer.setObjectName("settingsFooter")
        footer_lay = QHBoxLayout(footer)
        footer_lay.setContentsMargins(24, 12, 24, 12)
        footer_lay.addWidget(self.buttons)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(body, 1)
        lay.addWidget(footer)
        self.setStyleSheet(
            f"QListWidget#settingsNav {{ background: {t.surface_alt}; border: none;"
            f" border-right: 1px solid {t.border}; padding: 8px; }}"
            f"QListWidget#settingsNav::item {{ padding: 6px 8px; border-radius: 6px; color: {t.text}; }}"
            f"QListWidget#settingsNav::item:hover {{ background: {t.hover}; }}"
            f"QWidget#settingsFooter {{ background: {t.surface_alt}; border-top: 1px solid {t.border}; }}"
            f"QTreeWidget::item {{ padding: 4px 0; }}"
            f"QHeaderView::section {{ background: {t.surface_alt}; color: {t.muted}; border: none;"
            f" border-bottom: 1px solid {t.border}; padding: 4px 4px; font-weight: 600; }}"
            f"QListWidget#settingsNav::item:selected {{ background: {t.accent_soft}; color: {t.accent}; }}"
            f"QTreeWidget {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 6px; }}"
            f"QListWidget#cannedList {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 6px; }}"
        )
        self.load()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a field belongs to the field, never to Save.

        QLineEdit passes Enter on to its dialog after ``returnPressed``, and QDialog answers it by
        clicking the default button: typing a test message and pressing Enter (as the page says)
        saved and closed Settings. Save stays a click, or Enter on the focused button itself.
        """
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(self.focusWidget(), QAbstractButton):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- pages ---------------------------------------------------------------------------------
    def _general(self) -> QWidget:
        page, lay = _page("General")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.agent = QLineEdit()
        self.agent.setPlaceholderText(self._service.agent)
        self.agent.setAccessibleName("Agent name")
        if AGENT_NAME_MAX:
            self.agent.setMaxLength(AGENT_NAME_MAX)
        agent_box = QVBoxLayout()
        agent_box.setSpacing(4)
        agent_box.addWidget(self.agent)
        hint = plain_label("Shown on your replies and assignments. Takes effect the next time Inbox starts.", "muted")
        hint.setFont(theme.meta_font(hint.font()))
        agent_box.addWidget(hint)
        self.agent_error = plain_label("", "danger")
        self.agent_error.setAccessibleName("Agent name problem")
        self.agent_error.hide()
        agent_box.addWidget(self.agent_error)
        form.addRow("Your name", agent_box)

        self.theme_buttons: dict[str, QRadioButton] = {}
        theme_row = QHBoxLayout()
        theme_row.setSpacing(16)
        self.theme_group = QButtonGroup(self)
        for key, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            b = QRadioButton(label)
            b.setAccessibleName(f"Theme: {label}")
            self.theme_group.addButton(b)
            self.theme_buttons[key] = b
            theme_row.addWidget(b)
        theme_row.addStretch(1)
        form.addRow("Theme", theme_row)

        self.send_enter = QRadioButton("Enter sends, Shift+Enter adds a line")
        self.send_enter.setAccessibleName("Enter sends")
        self.send_ctrl = QRadioButton("Ctrl+Enter sends, Enter adds a line")
        self.send_ctrl.setAccessibleName("Ctrl+Enter sends")
        send_group = QButtonGroup(self)
        send_group.addButton(self.send_enter)
        send_group.addButton(self.send_ctrl)
        send_box = QVBoxLayout()
        send_box.setSpacing(4)
        send_box.addWidget(self.send_enter)
        send_box.addWidget(self.send_ctrl)
        form.addRow("Send key", send_box)
        lay.addLayout(form)
        lay.addStretch(1)
        return page

    def _notifications(self) -> QWidget:
        page, lay = _page("Notifications", "When a customer texts while Inbox is in the background.")
        self.desktop = QCheckBox("Show a desktop notification with the sender and a preview")
        self.desktop.setAccessibleName("Desktop notifications")
        self.sound = QCheckBox("Play a sound")
        self.sound.setAccessibleName("Notification sound")
        lay.addWidget(self.desktop)
        lay.addWidget(self.sound)
        lay.addWidget(plain_label("Verification codes are never shown in notifications.", "muted"))
        lay.addStretch(1)
        return page

    def _channels(self) -> QWidget:
        page, lay = _page("Channels", "Your numbers and how often Inbox asks the provider for new texts.")
        self.channel_tree = QTreeWidget()
        self.channel_tree.setAccessibleName("Channels")
        self.channel_tree.setHeaderLabels(["Name", "Number", "Provider", "STOP handled by", "Poll every"])
        self.channel_tree.setRootIsDecorated(False)
        self.channel_tree.setUniformRowHeights(True)
        self.channel_tree.header().setStretchLastSection(False)
        self.channel_tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.channel_tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.channel_tree.currentItemChanged.connect(self._channel_selected)
        lay.addWidget(self.channel_tree, 1)

        self.poll = QDoubleSpinBox()
        self.poll.setRange(setup.MIN_POLL, setup.MAX_POLL)
        self.poll.setDecimals(1)
        self.poll.setSuffix(" s")
        self.poll.setSingleStep(1.0)
        self.poll.setAccessibleName("Poll interval in seconds")
        self.poll.setEnabled(False)
        self.poll_save = QPushButton("Apply")
        self.poll_save.setAccessibleName("Apply the poll interval")
        self.poll_save.setEnabled(False)
        self.poll_save.clicked.connect(self.save_poll_interval)
        self.add_button = QPushButton("Add channel…")
        self.add_button.setAccessibleName("Add a channel")
        self.add_button.clicked.connect(self.add_channel)
        self.add_button.setEnabled(self._add_channel is not None)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setAccessibleName("Edit the channel")
        self.edit_button.setToolTip("Name, number, credentials, who answers STOP, reply to HELP, poll interval")
        self.edit_button.clicked.connect(self.edit_channel)
        self.test_button = QPushButton("Test")
        self.test_button.setAccessibleName("Test the channel's connection")
        self.test_button.setToolTip("Ask the provider whether the token works and the account owns the number")
        self.test_button.clicked.connect(self.test_channel)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setAccessibleName("Remove the channel")
        self.remove_button.setToolTip("Stop polling and sending from it; its conversations stay readable")
        self.remove_button.clicked.connect(self.remove_channel)
        for b in (self.edit_button, self.test_button, self.remove_button):
            b.setEnabled(False)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.test_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        actions.addWidget(self.add_button)
        lay.addLayout(actions)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(plain_label("Poll every"))
        row.addWidget(self.poll)
        row.addWidget(self.poll_save)
        row.addStretch(1)
        lay.addLayout(row)

        self.help_text = QPlainTextEdit()
        self.help_text.setAccessibleName("Reply to HELP")
        self.help_text.setPlaceholderText("Empty: Inbox's default reply (who you are and how to stop)")
        self.help_text.setTabChangesFocus(True)
        self.help_text.setFixedHeight(72)
        self.help_text.setEnabled(False)
        self.help_text.textChanged.connect(self._help_text_changed)
        self.help_count = plain_label("", "muted")
        self.help_count.setAccessibleName("Length of the reply to HELP")
        self.help_save = QPushButton("Apply")
        self.help_save.setAccessibleName("Apply the reply to HELP")
        self.help_save.setEnabled(False)
        self.help_save.clicked.connect(self.save_help_text)
        help_row = QHBoxLayout()
        help_row.setSpacing(8)
        help_row.addWidget(self.help_count, 1)
        help_row.addWidget(self.help_save)
        lay.addWidget(plain_label("Reply to HELP / INFO"))
        lay.addWidget(self.help_text)
        lay.addLayout(help_row)
        self.help_note = plain_label("", "muted")
        self.help_note.setAccessibleName("Reply to HELP status")
        lay.addWidget(self.help_note)
        self.assign_on_reply = QCheckBox("Replying to an unassigned conversation assigns it to you")
        self.assign_on_reply.setAccessibleName("Replying to an unassigned conversation assigns it to the replier")
        self.assign_on_reply.setToolTip("For everyone on the team, on this channel (an admin's setting)")
        self.assign_on_reply.setEnabled(False)
        self.assign_on_reply.clicked.connect(self.save_assign_on_reply)  # the user's click, not a load
        lay.addWidget(self.assign_on_reply)
        self.channel_note = plain_label("", "muted")
        lay.addWidget(self.channel_note)
        self.provider_note = plain_label("", "muted")  # what the selected channel's provider does itself
        self.provider_note.setAccessibleName("About this provider")
        self.provider_note.setVisible(False)
        lay.addWidget(self.provider_note)
        return page

    def _canned(self) -> QWidget:
        page, lay = _page("Canned replies", "Type / in the composer to insert one. Double-click to edit.")
        self.canned = QListWidget()
        self.canned.setObjectName("cannedList")
        self.canned.setAccessibleName("Canned replies")
        self.canned.setWordWrap(True)
        self.canned.setSpacing(2)
        self.canned.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        lay.addWidget(self.canned, 1)
        variables = "  ·  ".join(f"{{{name}}}" for name, _meaning in canned_replies.VARIABLES)
        self.canned_variables = plain_label(
            f"Variables: {variables}\nFilled from the open conversation when you insert a reply. Anything else "
            "in braces, like {order_id}, stays highlighted in the composer for you to fill in.",
            "muted",
        )
        self.canned_variables.setToolTip(
            "\n".join(f"{{{name}}}: {meaning}" for name, meaning in canned_replies.VARIABLES)
        )
        self.canned_variables.setAccessibleName("Variables in canned replies")
        self.canned_variables.setFont(theme.meta_font(self.canned_variables.font()))
        lay.addWidget(self.canned_variables)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.canned_add = QPushButton("Add")
        self.canned_add.setAccessibleName("Add a canned reply")
        self.canned_add.clicked.connect(self.add_canned)
        self.canned_remove = QPushButton("Remove")
        self.canned_remove.setAccessibleName("Remove the selected canned reply")
        self.canned_remove.clicked.connect(self.remove_canned)
        self.canned_up = QPushButton("Move up")
        self.canned_up.setAccessibleName("Move the selected canned reply up")
        self.canned_up.clicked.connect(lambda: self._move_canned(-1))
        self.canned_down = QPushButton("Move down")
        self.canned_down.setAccessibleName("Move the selected canned reply down")
        self.canned_down.clicked.connect(lambda: self._move_canned(1))
        for b in (self.canned_add, self.canned_remove, self.canned_up, self.canned_down):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        return page

    def _rules(self) -> QWidget:
        page, lay = _page(
            "Keyword rules",
            "Every incoming text walks these steps, top to bottom; the first step that answers it ends the walk.",
        )
        self.rules_page = RulesPage(self._service)
        self.chain = self.rules_page.chain
        self.rule_tree = self.rules_page.rule_tree
        self.rules_note = self.rules_page.rules_note
        lay.addWidget(self.rules_page, 1)
        return page

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        s = self._settings
        self.agent.setText(settings.agent_name(s) or "")
        self.theme_buttons[settings.theme_choice(s)].setChecked(True)
        (self.send_ctrl if settings.send_with_ctrl_enter(s) else self.send_enter).setChecked(True)
        self.desktop.setChecked(settings.desktop_notifications(s))
        self.sound.setChecked(settings.notification_sound(s))
        self.canned.clear()
        for text in settings.canned_replies(s):
            self._canned_item(text)
        self.rules_page.set_chain(setup.automation_order())
        self.reload_channels()
        self.reload_rules()

    def reload_channels(self) -> None:
        ops.run_op(self, self._service.channels, self._show_channels, label="Loading channels")

    def _show_channels(self, chans: list[Channel]) -> None:
        self.channels = chans
        self.channel_tree.clear()
        for ch in chans:
            item = QTreeWidgetItem(
                [
                    ch.name,
                    phone.display(ch.number),
                    display_name(ch.provider),
                    "Provider" if ch.provider_handles_opt_out else "Inbox",
                    f"{ch.poll_interval_seconds:g} s",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, ch.id)
            item.setToolTip(
                3,
                "The provider answers STOP and blocks sends itself"
                if ch.provider_handles_opt_out
                else "Inbox answers STOP / START / HELP and blocks sends",
            )
            self.channel_tree.addTopLevelItem(item)
        notice, self._channel_notice = self._channel_notice, ""
        self.channel_note.setProperty("role", "muted")
        self.channel_note.style().polish(self.channel_note)
        if chans:
            self.channel_tree.setCurrentItem(self.channel_tree.topLevelItem(0))
            self.channel_note.setText(
                notice
                or "Inbox polls at the shortest interval of all channels; a change applies the next time it starts."
            )
        else:
            self.channel_note.setText(notice or "No channel yet. Add one to start receiving texts.")

    def _channel_selected(self, item: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        ch = self._selected_channel()
        editable = ch is not None
        self.poll.setEnabled(editable)
        self.poll_save.setEnabled(editable)
        for b in (self.edit_button, self.test_button, self.remove_button):
            b.setEnabled(editable)
        self.help_text.setEnabled(editable)
        self.assign_on_reply.setEnabled(False)  # until this channel's setting is read
        if ch is not None:
            self.poll.setValue(ch.poll_interval_seconds)
            self.help_text.setPlainText(ch.help_text)
            self._load_assignment(ch.id)
        note = provider_notes.note_for(ch.provider) if ch is not None else ""
        self.provider_note.setText(note)
        self.provider_note.setVisible(bool(note))
        self._help_text_changed()

    def _load_assignment(self, channel_id: int) -> None:
        db = self._db

        def show(policy: AssignmentPolicy) -> None:
            ch = self._selected_channel()
            if ch is not None and ch.id == policy.channel_id:  # still the channel it was read for
                self.assign_on_reply.setChecked(policy.assign_on_reply)
                self.assign_on_reply.setEnabled(True)

        ops.run_op(self, lambda: assignment.policy_of(db, channel_id), show, label="Loading the channel's assignment")

    def _selected_channel(self) -> Channel | None:
        item = self.channel_tree.currentItem()
        if item is None:
            return None
        cid = item.data(0, Qt.ItemDataRole.UserRole)
        return next((c for c in self.channels if c.id == cid), None)

    def reload_rules(self) -> None:
        self.rules_page.reload()

    # -- canned replies ------------------------------------------------------------------------
    def _canned_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.canned.addItem(item)
        return item

    def add_canned(self) -> None:
        item = self._canned_item("New reply")
        self.canned.setCurrentItem(item)
        self.canned.editItem(item)

    def remove_canned(self) -> None:
        row = self.canned.currentRow()
        if row >= 0:
            self.canned.takeItem(row)

    def _move_canned(self, step: int) -> None:
        row = self.canned.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.canned.count():
            return
        item = self.canned.takeItem(row)
        self.canned.insertItem(target, item)
        self.canned.setCurrentRow(target)

    def canned_texts(self) -> list[str]:
        return [self.canned.item(i).text() for i in range(self.canned.count())]

    # -- channels ------------------------------------------------------------------------------
    def save_poll_interval(self) -> None:
        ch = self._selected_channel()
        if ch is None:
            return
        db, cid, value = self._db, ch.id, self.poll.value()
        ops.run_op(
            self,
            lambda: setup.set_poll_interval(db, cid, value),
            lambda _c: (self.reload_channels(), emit(self.channels_changed)),
            lambda exc: self.channel_note.setText(getattr(exc, "reason", None) or ops.describe(exc)),
            label="Saving the poll interval",
        )

    def _help_text_changed(self) -> None:
        """Live length and segments; Apply only for a reply the provider will accept."""
        text = self.help_text.toPlainText().strip()
        info = segments.analyze(text)
        limit = setup.HELP_TEXT_MAX
        over = len(text) > limit
        self.help_count.setText(
            f"{len(text):,} / {limit:,} characters · {info.segments} {info.encoding} segment(s)"
            + (" — too long: the provider refuses it, shorten it" if over else "")
        )
        self.help_count.setProperty("role", "danger" if over else "muted")
        self.help_count.style().polish(self.help_count)
        self.help_save.setEnabled(self.help_text.isEnabled() and not over)

    def save_help_text(self) -> None:
        ch = self._selected_channel()
        if ch is None:
            return
        db, cid, text = self._db, ch.id, self.help_text.toPlainText()
        ops.run_op(
            self,
            lambda: setup.set_help_text(db, cid, text),
            lambda _c: (self.help_note.setText("Reply to HELP saved."), self.reload_channels()),
            lambda exc: self.help_note.setText(getattr(exc, "reason", None) or ops.describe(exc)),
            label="Saving the reply to HELP",
        )

    def save_assign_on_reply(self, checked: bool) -> None:
        ch = self._selected_channel()
        if ch is None:
            return
        db, name, actor = self._db, ch.name, self._service.agent

        def failed(exc: BaseException) -> None:
            self.assign_on_reply.setChecked(not checked)  # what is stored still holds
            self.channel_note.setText(ops.describe(exc))

        ops.run_op(
            self,
            lambda: assignment.configure(db, name, assign_on_reply=checked, actor=actor),
            lambda saved: self.channel_note.setText(
                "Replying now assigns the conversation to whoever replies."
                if saved.assign_on_reply
                else "Replying no longer assigns the conversation."
            ),
            failed,
            label="Saving the channel's assignment",
        )

    def edit_channel(self) -> None:
        """The edit dialog for the selected channel; a save reloads the list."""
        from inbox.ui.setup.channel_editor import ChannelEditor

        ch = self._selected_channel()
        if ch is None:
            return
        self.channel_editor = ChannelEditor(self._service, ch, self)
        self.channel_editor.saved.connect(lambda c: self._channel_saved(f"Channel {c.name} saved."))
        self.channel_editor.open()

    def _channel_saved(self, note: str) -> None:
        self._channel_notice = note  # shown once the list has reloaded, instead of the usual note
        self.reload_channels()
        emit(self.channels_changed)

    def test_channel(self) -> None:
        """The connection test with the channel's own token, on the worker; the answer below."""
        ch = self._selected_channel()
        if ch is None:
            return
        self.test_button.setEnabled(False)
        self.channel_note.setText(f"Testing {ch.name}…")

        def done(text: str, role: str) -> None:
            self.test_button.setEnabled(self._selected_channel() is not None)
            self.channel_note.setText(text)
            self.channel_note.setProperty("role", role)
            self.channel_note.style().polish(self.channel_note)

        ops.run_op(
            self,
            lambda: setup.test_channel(ch),
            lambda sentence: done(f"✓ {ch.name}: {sentence}", "success"),
            lambda exc: done(f"{ch.name}: {getattr(exc, 'reason', None) or exc}", "danger"),
            label="Testing the channel",
        )

    def remove_channel(self) -> None:
        """Ask (with what happens to its conversations and queued replies), then remove on the worker."""
        ch = self._selected_channel()
        if ch is None:
            return
        db = self._db
        ops.run_op(
            self,
            lambda: setup.removal_preview(db, ch.id),
            self._confirm_removal,
            lambda exc: self.channel_note.setText(getattr(exc, "reason", None) or ops.describe(exc)),
            label="Counting the channel's conversations",
        )

    def _confirm_removal(self, preview: setup.Removal) -> None:
        ch = preview.channel
        queued = (
            f"\n\n{preview.failed_queued} message(s) still waiting to be sent will not be sent: "
            "they are marked failed, with the reason."
            if preview.failed_queued
            else ""
        )
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.NoIcon)
        box.setWindowTitle("Remove channel")
        box.setText(f"Remove channel {ch.name} ({phone.display(ch.number)})?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            f"Its {preview.conversations} conversation(s) stay in the inbox, readable, searchable and in exports. "
            "Inbox stops polling this number and sends nothing more from it: replies in those conversations "
            f"are refused.{queued}\n\nThe token stays where it is (keyring or variable). To receive texts "
            "on this number again, add it as a new channel."
        )
        remove = box.addButton("Remove channel", QMessageBox.ButtonRole.DestructiveRole)
        remove.setAccessibleName("Remove the channel")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.removal_box = box
        box.finished.connect(lambda _r: self._removal_answered(box.clickedButton() is remove, ch))
        box.open()

    def _removal_answered(self, confirmed: bool, ch: Channel) -> None:
        if not confirmed:
            return
        db, service = self._db, self._service
        ops.run_op(
            self,
            lambda: setup.remove_channel(db, ch.id, events=service.events, actor=service.agent),
            lambda done: self._channel_saved(
                f"Channel {done.channel.name} removed: its {done.conversations} conversation(s) stay readable"
                + (f"; {done.failed_queued} queued message(s) marked not sent." if done.failed_queued else ".")
            ),
            lambda exc: self.channel_note.setText(getattr(exc, "reason", None) or ops.describe(exc)),
            label="Removing the channel",
        )

    def add_channel(self) -> None:
        if self._add_channel is None:
            return
        if self._add_channel(self) is not None:
            self.reload_channels()
            emit(self.channels_changed)

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        s = self._settings
        name = self.agent.text()
        if name.strip():
            try:
                check_agent_name(name)
            except typed_text.InvalidText as exc:
                self.agent_error.setText(str(exc))
                self.agent_error.show()
                self.nav.setCurrentRow(0)
                self.agent.setFocus()
                return  # nothing saved: the dialog stays open
        self.agent_error.hide()
        settings.set_agent_name(name, s)
        choice = next(k for k, b in self.theme_buttons.items() if b.isChecked())
        settings.set_theme_choice(choice, s)
        settings.set_send_with_ctrl_enter(self.send_ctrl.isChecked(), s)
        settings.set_notifications(self.desktop.isChecked(), self.sound.isChecked(), s)
        settings.set_canned_replies(self.canned_texts(), s)
        s.sync()
        emit(self.applied)
        self.accept()
