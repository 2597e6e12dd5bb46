"""The middle pane: header, messages and composer for one conversation, or "Select a conversation".

Why: everything that acts on the open conversation goes through here, so each action is one op
(``run_op``) and each result shows where the agent is looking (composer error, status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from inbox.core import unseen
from inbox.core.models import ConversationStatus, ConversationSummary, Message, OptOutSource, OptOutState
from inbox.engine.service import ContactDetails, InboxService, SendRefused, StaleReply, StatusChange
from inbox.ui import humanize, ops
from inbox.ui.composer.widget import Composer
from inbox.ui.qt_compat import emit
from inbox.ui.thread.header import MIN_WIDTH as header_min_width
from inbox.ui.thread.header import ThreadHeader
from inbox.ui.thread.model import ThreadModel
from inbox.ui.thread.view import ThreadView

Confirm = Callable[[QWidget, str, str], bool]


def ask(parent: QWidget, title: str, text: str) -> bool:
    """Default confirmation: a modal Yes/No (tests replace ``ThreadPane.confirm``)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def opt_out_reason(state: OptOutState) -> str:
    """ "Can't send: this customer opted out on 24 Nov (STOP)" """
    how = {
        OptOutSource.KEYWORD: state.keyword or "keyword",
        OptOutSource.PROVIDER: "blocked by the carrier",
        OptOutSource.AGENT: "recorded by an agent",
    }[state.source]
    return f"Can't send: this customer opted out on {humanize.short_date(state.changed_at)} ({how})"


class ThreadPane(QWidget):
    """Header + messages + composer, with an empty state.

    Signals:
        contact_details_loaded(object): ``ContactDetails`` of the open conversation's contact.
        contact_panel_toggled(): the header's panel button.
        status_message(str): something to show in the status bar.
        escaped(): Esc in the composer (go back to the list).
        status_changed(str, object): resolved or snoozed — what to say ("Resolved · Maria") and the
            service's ``StatusChange``, for the main window's undo bar.
    """

    contact_details_loaded = Signal(object)
    contact_panel_toggled = Signal()
    status_message = Signal(str)
    escaped = Signal()
    status_changed = Signal(str, object)

    def __init__(self, service: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.summary: ConversationSummary | None = None
        self.details: ContactDetails | None = None
        self.confirm: Confirm = ask
        self.ask_labels: Callable[[QWidget, str], str | None] = _ask_labels
        self._retrying: set[int] = set()  # failed messages whose Retry is on its way
        self._marking_read: int | None = None  # the conversation whose mark_read is on its way

        self.model = ThreadModel(service, self)
        self.header = ThreadHeader(service.agent, self)
        # The splitter keeps the user's pane widths: nothing inside (a header, a long counter line)
        # may raise this pane's minimum, or the list pane would shrink to make room.
        self.setMinimumWidth(header_min_width)
        self.view = ThreadView(self.model, self)
        self.composer = Composer(self)

        content = QWidget(self)
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.composer)
        self.content = content

        self.empty = QLabel("Select a conversation\n\nJ / K to move · Ctrl+K to search · ? for all shortcuts", self)
        self.empty.setProperty("role", "empty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No conversation selected")

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.header.assign_requested.connect(self.assign_to_me)
        self.header.status_requested.connect(self.set_status)
        self.header.labels_requested.connect(self.edit_labels)
        self.header.clear_flag_requested.connect(self.clear_flag)
        self.header.opt_out_requested.connect(self.opt_out)
        self.header.contact_panel_toggled.connect(self.contact_panel_toggled)
        self.composer.send_requested.connect(self.send)
        self.composer.send_anyway_requested.connect(self.send_anyway)
        self.composer.escaped.connect(self.escaped)
        self.view.retry_requested.connect(self.retry)
        self.view.copied.connect(lambda _t: emit(self.status_message, "Copied"))

    # -- opening -------------------------------------------------------------------------------
    @property
    def conversation_id(self) -> int | None:
        return self.summary.id if self.summary else None

    def open(self, s: ConversationSummary | None) -> None:
        """Show a conversation (None: the empty state)."""
        same = s is not None and self.summary is not None and s.id == self.summary.id
        self.summary = s
        self.header.set_summary(s)
        if s is None:
            self.model.load(None)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.content)
        if not same:
            self.composer.clear()
            self.composer.set_note_mode(False)
            self.composer.set_blocked(None)
            self.model.load(s.id)
        self._load_contact(s)
        if s.unread_count:
            self._mark_read(s.id)
        if s.mentions_unseen_by(self._service.agent):
            cid = s.id
            ops.run_op(self, lambda: self._service.mark_mentions_seen(cid), label="Marking mentions seen")

    def on_screen(self) -> bool:
        """Whether the agent can see the open conversation: shown, in the active window."""
        window = self.window()
        return self.isVisible() and window.isActiveWindow() and not window.isMinimized()

    def read_if_seen(self) -> None:
        """A conversation on screen in the active window is read: what lands in it (an MO, so the
        summary counts unread again) is marked read at once; in a background window it stays
        unread until the window is active again (`MainWindow.changeEvent` calls this)."""
        s = self.summary
        if s is not None and s.unread_count and self.on_screen():
            self._mark_read(s.id)

    def _mark_read(self, cid: int) -> None:
        if self._marking_read == cid:
            return  # one on its way; the summary it changes comes back and is looked at again
        self._marking_read = cid

        def done(_result: object = None) -> None:
            if self._marking_read == cid:
                self._marking_read = None

        def failed(exc: BaseException) -> None:
            done()
            emit(self.status_message, ops.describe(exc))

        ops.run_op(self, lambda: self._service.mark_read(cid), done, failed, label="Marking as read")

    def open_id(self, conversation_id: int) -> None:
        """Open by id (search results, notifications): fetch the summary first."""
        ops.run_op(
            self,
            lambda: self._service.conversation_summaries([conversation_id]),
            lambda rows: self.open(rows[0]) if rows else emit(self.status_message, "That conversation is gone."),
            label="Opening conversation",
        )

    def _load_contact(self, s: ConversationSummary) -> None:
        contact_id, channel_id, cid = s.contact_id, s.channel_id, s.id

        def done(details: ContactDetails) -> None:
            if self.conversation_id != cid:
                return
            state = next((o for o in details.opt_outs if o.channel_id == channel_id and o.opted_out), None)
            if state is not None:
                self.composer.set_blocked(opt_out_reason(state))
            elif self.summary is not None and self.summary.opted_out:
                self.composer.set_blocked("Can't send: this customer opted out (STOP)")
            else:
                self.composer.set_blocked(None)
            self.details = details
            emit(self.contact_details_loaded, details)

        ops.run_op(self, lambda: self._service.contact_details(contact_id), done, label="Loading contact")

    # -- change events (inbox.ui.refresh reads once for every view and hands this pane its part) --
    def apply_summary(self, cid: int, rows: list[ConversationSummary]) -> None:
        """The open conversation's fresh summary (none: it is gone). The contact panel reloads when
        what it shows changed: the name, an opt-out, the labels or the identity check."""
        if self.conversation_id != cid:
            return
        if not rows:
            self.open(None)
            return
        old, new = self.summary, rows[0]
        self.summary = new
        self.header.set_summary(new)
        self.read_if_seen()
        if old is not None and (
            old.opted_out != new.opted_out
            or old.contact_name != new.contact_name
            or old.labels != new.labels
            or old.verified != new.verified
        ):
            self._load_contact(new)

    def reload(self) -> None:
        """Read the open conversation again from scratch (the change feed lost track)."""
        cid = self.conversation_id
        if cid is None:
            return
        self.model.load(cid)
        ops.run_op(
            self,
            lambda: self._service.conversation_summaries([cid]),
            lambda rows: self._reloaded(cid, rows),
            label="Reloading conversation",
        )

    def _reloaded(self, cid: int, rows: list[ConversationSummary]) -> None:
        self.apply_summary(cid, rows)
        if rows and self.conversation_id == cid:
            self._load_contact(rows[0])

    # -- actions -------------------------------------------------------------------------------
    def send(self, body: str, note: bool) -> None:
        """Send (or note) the composer's text; flagged conversations ask first."""
        s = self.summary
        if s is None:
            return
        if (
            not note
            and s.flagged
            and not self.confirm(
                self,
                "Send to a flagged conversation?",
                "This customer may have asked to stop receiving texts in their own words. Send this reply anyway?",
            )
        ):
            return
        self._send(s.id, body, note=note, force=False)

    def send_anyway(self, body: str) -> None:
        """The hold bar's Send anyway: the held reply goes, whatever landed since."""
        if self.summary is not None:
            self._send(self.summary.id, body, note=False, force=True)

    def _send(self, cid: int, body: str, *, note: bool, force: bool) -> None:
        """One op on the worker. A reply carries the newest message shown (``after``): if the
        thread moved on meanwhile, the engine holds it and the news joins the thread."""
        after = self.model.newest_id()
        svc = self._service
        if note:
            fn: Callable[[], Message] = lambda: svc.add_note(cid, body)  # noqa: E731
        else:
            fn = lambda: svc.send_reply(cid, body, after=after, force=force)  # noqa: E731
        self.composer.set_busy(True)
        self.composer.show_error(None)

        def ok(msg: Message) -> None:
            self.composer.set_busy(False)
            if self.composer.text() == body:
                self.composer.clear()
            self.model.apply_messages([msg])

        def failed(exc: BaseException) -> None:
            self.composer.set_busy(False)
            if isinstance(exc, StaleReply) and self.conversation_id == cid:
                self.model.apply_messages(list(exc.newer))
                self.composer.hold(unseen.landed(exc.newer, exc.at, isolate=True))
                return
            self.composer.show_error(exc.reason if isinstance(exc, SendRefused) else ops.describe(exc))

        ops.run_op(self, fn, ok, failed, label="Adding note" if note else "Sending", initiator=self)

    def retry(self, m: Message) -> None:
        """Send a failed text again, once: a click while its Retry is on its way does nothing, and
        the copy's arrival takes the original's Retry away (`ThreadModel._mark_retried`)."""
        mid = m.id
        if mid in self._retrying:
            return
        self._retrying.add(mid)

        def ok(msg: Message) -> None:
            self._retrying.discard(mid)
            self.model.apply_messages([msg])
            emit(self.status_message, "Queued again")

        def failed(exc: BaseException) -> None:
            self._retrying.discard(mid)
            self.composer.show_error(exc.reason if isinstance(exc, SendRefused) else ops.describe(exc))

        ops.run_op(self, lambda: self._service.retry(mid), ok, failed, label="Retrying", initiator=self)

    def _act(self, label: str, fn: Callable[[int], object], done: str = "") -> None:
        cid = self.conversation_id
        if cid is None:
            return
        ops.run_op(self, lambda: fn(cid), lambda _r: emit(self.status_message, done) if done else None, label=label)

    def assign_to_me(self, me: bool = True) -> None:
        agent = self._service.agent if me else None
        self._act(
            "Assigning", lambda cid: self._service.assign(cid, agent), f"Assigned to {agent}" if agent else "Unassigned"
        )

    def toggle_assign(self) -> None:
        if self.summary is not None:
            self.assign_to_me(self.summary.assignee != self._service.agent)

    def set_status(self, status: ConversationStatus, until: datetime | None = None) -> None:
        """Resolve, snooze, reopen…; a resolve or a snooze is offered for undo (``status_changed``)."""
        s = self.summary
        if s is None:
            return
        cid, who = s.id, humanize.contact_title(s)
        done = {"resolved": "Resolved", "open": "Reopened", "snoozed": "Snoozed", "pending": "Pending"}[status]
        if status is ConversationStatus.SNOOZED and until is not None:
            done = f"Snoozed until {humanize.short_date(until)} {humanize.local(until):%H:%M}"

        def changed(change: StatusChange) -> None:
            if status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
                emit(self.status_changed, f"{done} · {who}", change)
            else:
                emit(self.status_message, done)

        ops.run_op(self, lambda: self._service.set_status(cid, status, until), changed, label="Updating status")

    def resolve(self) -> None:
        self.set_status(ConversationStatus.RESOLVED)

    def clear_flag(self) -> None:
        self._act("Clearing flag", self._service.clear_flag, "Flag cleared")

    def opt_out(self) -> None:
        """The flag bar's "Opt out": after a confirmation, record the opt-out as this agent's."""
        s = self.summary
        if s is None or s.id != self.conversation_id:
            return
        who = humanize.contact_title(s)
        if not self.confirm(
            self,
            "Opt this customer out?",
            f"{who} will get no more texts from {s.channel_name}, as if they had texted STOP. "
            f"It is recorded as opted out by {self._service.agent}. No confirmation text is sent.",
        ):
            return
        self._act("Opting out", self._service.opt_out, "Opted out")

    def edit_labels(self) -> None:
        text = self.ask_labels(self, ", ".join(self.details.labels) if self.details else "")
        if text is None:
            return
        labels = [part.strip() for part in text.split(",") if part.strip()]
        self._act("Saving labels", lambda cid: self._service.set_labels(cid, labels), "Labels saved")

    def snooze_menu(self) -> None:
        """S: pop the snooze menu under its button."""
        if self.summary is not None:
            self.header.snooze_button.showMenu()


def _ask_labels(parent: QWidget, current: str) -> str | None:
    text, ok = QInputDialog.getText(parent, "Labels", "Labels, separated by commas:", text=current)
    return text if ok else None
