"""The main window: assembles the three panes, the status bar, shortcuts and change events.

Why small: each feature lives in its package (``conversations``, ``thread``, ``composer``,
``contact``, ``search``); this module only wires their signals together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMainWindow, QSplitter, QToolButton, QWidget

from inbox.core import phone
from inbox.core.models import Channel
from inbox.core.verification import ChallengeStatus, VerificationStatus
from inbox.engine import setup
from inbox.engine.service import InboxService, SearchHit
from inbox.ui import about, icons, ops, placement, presence, settings, shortcuts, theme
from inbox.ui.bridge import EventBridge
from inbox.ui.contact.panel import PANEL_WIDTH, ContactPanel
from inbox.ui.conversations.pane import ConversationListPane
from inbox.ui.notifications import Notifier, badge_pixmap
from inbox.ui.refresh import Refresher
from inbox.ui.search.dialog import SearchDialog
from inbox.ui.status import StatusBarController
from inbox.ui.thread.header import verification_chip
from inbox.ui.thread.pane import ThreadPane
from inbox.ui.undo_bar import UndoBar

if TYPE_CHECKING:
    from inbox.engine.verification import Verifier
    from inbox.ui.live import LiveUpdates

LIST_WIDTH = 320


class MainWindow(QMainWindow):
    """List | thread | contact, over a status bar. Constructible in tests without ``exec``."""

    def __init__(
        self,
        service: InboxService,
        *,
        title: str = "Inbox",
        qsettings: QSettings | None = None,
        on_close: Callable[[], None] | None = None,
        start: bool = True,
        verifier: Verifier | None = None,
        live: LiveUpdates | None = None,
    ) -> None:
        """``live``: the database's change feed, started with the window and stopped when it
        closes, so other processes' changes reach the views (None: this process's own only)."""
        super().__init__()
        self.service = service
        self.live = live
        self.verifier = verifier  # None: no "Verify identity" action (e.g. the screenshots' sample inbox)
        self.ask_purpose: Callable[[QWidget], str | None] = _ask_purpose
        self.settings_dialog = None
        self.settings = qsettings or settings.app_settings()
        self._on_close = on_close
        self.setWindowTitle(title)
        self.setWindowIcon(QIcon(badge_pixmap(0)))
        self.setMinimumSize(880, 560)

        self.bridge = EventBridge(service.events, self)
        self.list_pane = ConversationListPane(service, self)
        self.thread_pane = ThreadPane(service, self)
        self.contact_panel = ContactPanel(self)
        self.search_dialog: SearchDialog | None = None
        self._channels: list[Channel] = []
        self._asked_tokens: set[int] = set()  # channels prompted for a session token in this run
        self.token_prompt: QDialog | None = None

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.addWidget(self.list_pane)
        self.splitter.addWidget(self.thread_pane)
        self.splitter.addWidget(self.contact_panel)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.setCentralWidget(self.splitter)
        self.help_overlay = shortcuts.HelpOverlay(self)
        self.undo_bar = UndoBar(self, self._undo_anchor)

        self.status = StatusBarController(self.statusBar(), service, self)
        self.notifier = Notifier(self)
        self.refresher = Refresher(self, parent=self)
        self._shortcuts = shortcuts.install(self, lambda name: getattr(self, name))
        self._build_menus()
        self.about_action = about.install(self, self.menus["help"])  # Help › About Inbox, F1
        self._wire()
        self.presence = presence.attach(self)  # who else is here, and this desktop's heartbeat
        self._restore()
        self._set_accessible_names()
        if start:
            self.start()

    # -- wiring --------------------------------------------------------------------------------
    def _wire(self) -> None:
        q = Qt.ConnectionType.QueuedConnection
        self.bridge.conversations_changed.connect(self.refresher.conversations_changed, q)
        self.bridge.messages_changed.connect(self.refresher.messages_changed, q)
        self.bridge.everything_changed.connect(self.refresher.everything_changed, q)
        if self.live is not None:
            self.live.setParent(self)
            self.live.state_changed.connect(self._on_feed_state, q)
        self.bridge.channel_health_changed.connect(lambda *_: self.status.refresh_health(), q)
        ops.dispatcher().failed.connect(self._on_op_failed)

        self.list_pane.conversation_selected.connect(self.thread_pane.open)
        self.list_pane.conversation_activated.connect(lambda _s: self.focus_composer())
        self.thread_pane.contact_details_loaded.connect(self.contact_panel.show_details)
        self.thread_pane.contact_panel_toggled.connect(self.toggle_contact_panel)
        self.thread_pane.status_message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.thread_pane.escaped.connect(self.go_back)
        self.thread_pane.status_changed.connect(self.undo_bar.offer)
        self.undo_bar.undo_requested.connect(self.undo)
        self.contact_panel.rename_requested.connect(self.rename_contact)
        self.contact_panel.conversation_requested.connect(self.open_conversation)
        self.contact_panel.verify_requested.connect(self.verify_identity)
        self.thread_pane.header.verify_requested.connect(self.verify_identity)
        self.thread_pane.header.export_requested.connect(self.export_transcript)
        self.thread_pane.composer.variable_source = lambda: (self.thread_pane.summary, self.service.agent)
        self.thread_pane.contact_details_loaded.connect(lambda _d: self.refresh_verification())
        self.status.set_unread = self._set_unread  # type: ignore[method-assign]

    def _set_accessible_names(self) -> None:
        self.splitter.setAccessibleName("Inbox panes")
        self.list_pane.setAccessibleName("Conversation list")
        self.thread_pane.setAccessibleName("Conversation")
        self.contact_panel.setAccessibleName("Contact details")
        header, composer = self.thread_pane.header, self.thread_pane.composer
        # Reading order: list → the conversation's actions → messages → composer → contact → gear.
        chain = [
            self.list_pane.sort_box,
            self.list_pane.view,
            header.flag_button,
            header.resolve_button,
            header.assign_button,
            header.snooze_button,
            header.labels_button,
            header.verify_button,
            header.panel_button,
            self.thread_pane.view,
            composer.edit,
            composer.replace_button,
            composer.note_toggle,
            composer.send_button,
            self.contact_panel.scroll,
            self.gear,
        ]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)
        self.contact_panel._chain_focus()
        self.gear.setAccessibleName("Settings")

    def start(self) -> None:
        """First loads: the list, channels (for the empty state), health and unread."""
        self.list_pane.start()
        self.status.start()
        self.presence.start()
        if self.live is not None:
            self.live.start()
        ops.run_op(self, self.service.channels, self._on_channels, label="Loading channels")

    def _on_channels(self, channels: list[Channel]) -> None:
        self.list_pane.set_channel_number(channels[0].number if channels else None)
        self.status.set_providers({c.id: c.provider for c in channels})
        self.status.set_poll_every(min((c.poll_interval_seconds for c in channels), default=None))
        self._channels = channels
        self._ask_for_tokens(only_new=True)

    def _ask_for_tokens(self, only_new: bool = False) -> None:
        """Prompt, one channel at a time, for tokens kept "for this session only" in an earlier
        session. At start-up each channel is asked once, "Later" moving on to the next; the Inbox
        menu entry goes through all that still need one again."""
        from inbox.ui.setup.token_prompt import TokenPrompt

        needing = self._channels_needing_tokens()
        self.token_action.setVisible(bool(needing))
        if self.token_prompt is not None and self.token_prompt.isVisible():
            return
        if not only_new:
            self._asked_tokens.clear()
        waiting = [c for c in needing if c.id not in self._asked_tokens]
        if not waiting:
            return
        channel = waiting[0]
        self._asked_tokens.add(channel.id)
        events = self.service.events
        prompt = TokenPrompt(channel, lambda ch, token: setup.supply_session_token(ch, token, events), self)
        prompt.finished.connect(lambda _result: self._ask_for_tokens(only_new=True))
        self.token_prompt = prompt
        prompt.open()

    def _channels_needing_tokens(self) -> list[Channel]:
        return [c for c in self._channels if setup.needs_session_token(c)]

    def _on_feed_state(self, state: str) -> None:
        self.status.set_feed_state(state)

    def _on_op_failed(self, text: str) -> None:
        self.status.show_failure(text)

    def _set_unread(self, n: int) -> None:
        self.status.unread.setText(f"{n} unread" if n else "All caught up")
        self.status.unread_total = n
        self.notifier.set_unread(n)
        self.setWindowTitle(f"{self.windowTitle().split(' (')[0]}" + (f" ({n})" if n else ""))

    # -- menus, settings ------------------------------------------------------------------------
    def _build_menus(self) -> None:
        """A slim menu bar (every entry also has a shortcut) and a gear in the status bar."""
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        self._style_menu_bar()
        theme.state().changed.connect(self._style_menu_bar)
        inbox_menu = bar.addMenu("&Inbox")
        act = inbox_menu.addAction(icons.icon("gear", "text"), "Settings…", self.open_settings)
        _shown_key(act, "Ctrl+,")
        self.token_action = inbox_menu.addAction("Enter auth token…", lambda: self._ask_for_tokens())
        self.token_action.setVisible(False)
        inbox_menu.addSeparator()
        _shown_key(inbox_menu.addAction("Quit", self.quit_app), "Ctrl+Q")
        conv_menu = bar.addMenu("&Conversation")
        for label, slot, key in (
            ("Search messages…", self.open_search, "Ctrl+K"),
            ("Assign to me / unassign", self.toggle_assign, "A"),
            ("Resolve", self.resolve, "E"),
            ("Snooze…", self.snooze, "S"),
        ):
            _shown_key(conv_menu.addAction(label, slot), key)
        self.verify_action = conv_menu.addAction(
            icons.icon("shield-check", "text"), "Verify identity…", self.verify_identity
        )
        _shown_key(self.verify_action, "Ctrl+Shift+V")
        self.verify_action.setVisible(self.verifier is not None)
        self.export_action = conv_menu.addAction("Export transcript (PDF)…", self.export_transcript)
        view_menu = bar.addMenu("&View")
        _shown_key(view_menu.addAction("Supervisor", self.open_supervisor), "Ctrl+Shift+S")
        _shown_key(view_menu.addAction("Engagement", self.open_engagement), "Ctrl+Shift+E")
        self.companions: dict[str, QWidget] = {}
        help_menu = bar.addMenu("&Help")
        _shown_key(help_menu.addAction("Keyboard shortcuts", self.toggle_help), "?")
        self.menus = {"inbox": inbox_menu, "conversation": conv_menu, "view": view_menu, "help": help_menu}

        self.gear = QToolButton(self)
        self.gear.setObjectName("action")
        self.gear.setIcon(icons.icon("gear", "muted"))
        self.gear.setToolTip("Settings (Ctrl+,)")
        self.gear.setAutoRaise(True)
        self.gear.clicked.connect(self.open_settings)
        self.statusBar().addPermanentWidget(self.gear)
        self.thread_pane.header.verify_button.setVisible(self.verifier is not None)
        self.contact_panel.can_verify = self.verifier is not None
        self.apply_preferences(theme_too=False)

    def _style_menu_bar(self) -> None:
        t = theme.tokens()
        self.menuBar().setStyleSheet(
            f"QMenuBar {{ background: {t.window}; color: {t.text}; border-bottom: 1px solid {t.border}; }}"
            f"QMenuBar::item {{ padding: 4px 8px; background: transparent; border-radius: 4px; }}"
            f"QMenuBar::item:selected {{ background: {t.hover}; }}"
        )

    def open_settings(self) -> None:
        from inbox.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.service, self.settings, parent=self, add_channel=self._run_channel_wizard)
        dialog.applied.connect(self.apply_preferences)
        dialog.channels_changed.connect(
            lambda: ops.run_op(self, self.service.channels, self._on_channels, label="Loading channels")
        )
        self.settings_dialog = dialog
        dialog.open()

    def _run_channel_wizard(self, parent: QWidget) -> Channel | None:
        from inbox.ui.setup.wizard import for_service

        wizard = for_service(self.service, allow_demo=False, parent=parent)
        wizard.exec()
        return wizard.channel

    def apply_preferences(self, theme_too: bool = True) -> None:
        """Re-read what the Settings dialog saved: send key, canned replies, theme."""
        composer = self.thread_pane.composer
        composer.edit.ctrl_enter_sends_only = settings.send_with_ctrl_enter(self.settings)
        canned = getattr(composer, "canned", None)
        if canned is not None:
            canned.setStringList(settings.canned_replies(self.settings))
        choice = settings.theme_choice(self.settings)
        app = QApplication.instance()
        if isinstance(app, QApplication) and (theme_too or choice != "system"):
            theme.apply_theme(app, dark=settings.forced_dark(choice))

    # -- identity verification -----------------------------------------------------------------
    def verify_identity(self) -> None:
        """Ctrl+Shift+V: ask for an optional purpose, then text a one-time code (on the worker)."""
        verifier, s = self.verifier, self.thread_pane.summary
        if verifier is None or s is None:
            return
        purpose = self.ask_purpose(self)
        if purpose is None:
            return
        cid, agent, who = s.id, self.service.agent, phone.display(s.contact_phone)
        ops.run_op(
            self,
            lambda: verifier.start(conversation_id=cid, purpose=purpose, actor=agent),
            lambda _c: (
                self.statusBar().showMessage(f"Verification code sent to {who}", 4000),
                self.refresh_verification(),
            ),
            lambda exc: self.thread_pane.header.set_verification(
                "Can't verify", "danger", getattr(exc, "reason", None) or ops.describe(exc)
            ),
            label="Verifying identity",
        )

    def refresh_verification(self) -> None:
        """Reload the open conversation's identity state into the header and the contact panel."""
        verifier, cid = self.verifier, self.thread_pane.conversation_id
        if verifier is None or cid is None:
            return
        ops.run_op(
            self,
            lambda: verifier.conversation_status(cid),
            lambda st: self.show_verification(cid, st),
            label="Loading verification",
        )

    def show_verification(self, cid: int, st: VerificationStatus | None) -> None:
        if cid != self.thread_pane.conversation_id:
            return
        short, tone = verification_chip(st)
        detail = st.text if st is not None else ""
        self.thread_pane.header.set_verification(short, tone, detail)
        role = {"success": "", "danger": "danger"}.get(tone, "muted")
        verified = st is not None and st.challenge is not None and st.challenge.status is ChallengeStatus.VERIFIED
        self.contact_panel.set_verification(
            detail if st and st.challenge else "Not verified yet", "" if verified else role
        )

    # -- layout memory -------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self._sized = False
        visible = str(self.settings.value("window/contact_panel", "true")).lower() != "false"
        self.contact_panel.setVisible(visible)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        if self._sized:
            self.settings.setValue("window/sizes", [str(x) for x in self.splitter.sizes()])
        self.settings.setValue("window/contact_panel", "true" if self.contact_panel.isVisible() else "false")
        self.settings.sync()

    def closeEvent(self, e: QCloseEvent) -> None:
        self.save_layout()
        self.status.stop()
        self.presence.stop()
        if self.live is not None:
            self.live.stop()
        self.bridge.close()
        if self._on_close is not None:
            self._on_close()
        super().closeEvent(e)

    def changeEvent(self, e: QEvent) -> None:
        """Coming back to the window: the conversation on screen is read now (texts that landed in
        it while the window was in the background stayed unread until then)."""
        super().changeEvent(e)
        if e.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.thread_pane.read_if_seen()

    def showEvent(self, e: QShowEvent) -> None:
        """Pane sizes are applied once the splitter has its real width: remembered ones, else ~320 px
        list and ~280 px panel with the thread taking the rest."""
        super().showEvent(e)
        if not self._sized:
            self._sized = True
            saved = self.settings.value("window/sizes")
            try:
                sizes = [int(x) for x in saved] if isinstance(saved, list) and len(saved) == 3 else []
            except (TypeError, ValueError):
                sizes = []
            if not sizes:
                sizes = [LIST_WIDTH, max(400, self.splitter.width() - LIST_WIDTH - PANEL_WIDTH), PANEL_WIDTH]
            self.splitter.setSizes(sizes)

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        if self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.rect())
        if self.undo_bar.isVisible():
            self.undo_bar.place()

    # -- shortcut targets (names are in shortcuts.BINDINGS) ------------------------------------
    def open_search(self) -> None:
        if self.search_dialog is None:
            self.search_dialog = SearchDialog(self.service, self)
            self.search_dialog.hit_opened.connect(self._open_hit)
        self.search_dialog.edit.selectAll()
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.edit.setFocus()

    def _open_hit(self, hit: SearchHit) -> None:
        self.open_conversation(hit.conversation_id)

    def open_conversation(self, conversation_id: int) -> None:
        """Select it in the list when loaded; otherwise open it directly."""
        if not self.list_pane.select_id(conversation_id):
            self.thread_pane.open_id(conversation_id)

    def show_view(self, view: str) -> None:
        """Ctrl+1…8: one of the list's views ("mine", "unassigned", … "all", "mentions")."""
        self.list_pane.set_view(view)

    def next_conversation(self) -> None:
        self.list_pane.step(1)

    def previous_conversation(self) -> None:
        self.list_pane.step(-1)

    def focus_thread(self) -> None:
        self.focus_composer()

    def focus_composer(self) -> None:
        if self.thread_pane.summary is not None:
            self.thread_pane.composer.focus_editor()

    def send(self) -> None:
        self.thread_pane.composer.submit()

    def note_mode(self) -> None:
        if self.thread_pane.summary is not None:
            self.thread_pane.composer.set_note_mode(True)
            self.thread_pane.composer.focus_editor()

    def toggle_assign(self) -> None:
        self.thread_pane.toggle_assign()

    def resolve(self) -> None:
        self.thread_pane.resolve()

    def snooze(self) -> None:
        self.thread_pane.snooze_menu()

    def undo(self) -> None:
        """Ctrl+Z (or the bar's Undo): put back the conversation the last E or S moved, while the
        bar shows; the service refuses if something moved it since, and the bar says so."""
        change = self.undo_bar.take()
        if change is None:
            self.statusBar().showMessage("Nothing to undo", 3000)
            return
        ops.run_op(
            self,
            lambda: self.service.undo_status(change),
            lambda done: self.statusBar().showMessage(
                "Undone" if done else "Not undone: the conversation changed meanwhile", 4000
            ),
            label="Undoing",
        )

    def _undo_anchor(self) -> QRect:
        """The thread's messages (or the whole thread pane when none is open), in window coordinates."""
        target = self.thread_pane.view if self.thread_pane.view.isVisible() else self.thread_pane
        return QRect(target.mapTo(self, QPoint(0, 0)), target.size())

    def quit_app(self) -> None:
        """Ctrl+Q (Inbox ▸ Quit): close this window — it saves the layout and stops the feed — and
        leave the event loop, even while another top-level window (the demo's phone) is open."""
        if self.close():
            QApplication.quit()

    def toggle_contact_panel(self) -> None:
        self.contact_panel.setVisible(not self.contact_panel.isVisible())

    def go_back(self) -> None:
        if self.help_overlay.isVisible():
            self.help_overlay.hide()
            return
        self.list_pane.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def add_companion(self, window: QWidget, label: str) -> QAction:
        """A window that lives beside this one (the demo's Customer phone): View ▸ ``label`` brings
        it back after it was closed, beside this window and on screen."""
        self.companions[label] = window
        return self.menus["view"].addAction(label, lambda: self.show_companion(window))

    def show_companion(self, window: QWidget) -> None:
        if not window.isVisible():
            screen = self.screen().availableGeometry()
            clear_below = self.geometry().top() + self.menuBar().height()
            frame = window.frameGeometry()
            size = window.size() + (frame.size() - window.geometry().size() if window.isWindow() else QSize())
            spot = placement.beside(self.frameGeometry(), size, screen, clear_below)
            window.move(spot.topLeft())
            if spot.height() < size.height():
                window.resize(window.width(), window.height() - (size.height() - spot.height()))
        window.show()
        window.raise_()
        window.activateWindow()

    def open_supervisor(self) -> None:
        """Ctrl+Shift+S: the Supervisor window (it checks the role itself and refuses agents)."""
        from inbox.ui.supervisor.window import SupervisorWindow

        win = getattr(self, "supervisor_window", None)
        if win is None:  # a child window: it closes with the inbox
            win = self.supervisor_window = SupervisorWindow(self.service, parent=self)
        elif not win.isVisible():
            win.refresh()
        win.show()
        win.raise_()
        win.activateWindow()

    def open_engagement(self) -> None:
        """Ctrl+Shift+E: polls, broadcasts, contests and surveys in their own window."""
        from inbox.ui.engagement.window import EngagementWindow

        EngagementWindow.show_for(self)

    def toggle_help(self) -> None:
        self.help_overlay.toggle()

    def show_about(self) -> None:
        """F1 (its QAction is installed by about.install; shortcuts.BINDINGS only lists it)."""
        self.about_action.trigger()

    def export_transcript(self) -> None:
        """The open conversation as a PDF transcript, through the Supervisor view's export dialog;
        the reports layer checks the role and its refusal is shown in the dialog."""
        from datetime import UTC, datetime

        from inbox.reports.filters import ReportFilter
        from inbox.ui.supervisor.export_dialog import ExportDialog

        cid = self.thread_pane.conversation_id
        if cid is None:
            self.statusBar().showMessage("Open a conversation first", 4000)
            return
        tz = datetime.now().astimezone().tzinfo or UTC
        dialog = ExportDialog(self.service, ReportFilter(), None, tz, "", self, conversation_id=cid)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.export_dialog = dialog
        dialog.open()

    def rename_contact(self, contact_id: int) -> None:
        current = self.contact_panel.details.contact.display_name if self.contact_panel.details else ""
        name, ok = QInputDialog.getText(self, "Rename contact", "Name:", text=current or "")
        if ok:
            ops.run_op(
                self, lambda: self.service.rename_contact(contact_id, name.strip() or None), label="Renaming contact"
            )


def _shown_key(action: QAction, key: str) -> None:
    """Show the key next to a menu entry; the window's QShortcut (shortcuts.py) is what fires it."""
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)


def _ask_purpose(parent: QWidget) -> str | None:
    """The optional reason, kept in the audit log ("refund over $100"); None = cancelled."""
    text, ok = QInputDialog.getText(
        parent,
        "Verify identity",
        "A one-time code will be texted to this customer.\nReason (optional, kept in the audit log):",
    )
    return text.strip() if ok else None


def main_window_for(service: InboxService, **kw) -> MainWindow:
    """Create the QApplication if needed, then the window (used by screenshots)."""
    QApplication.instance() or QApplication([])
    return MainWindow(service, **kw)
