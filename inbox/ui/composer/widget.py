"""The reply box: grows to six lines, counts segments live, toggles into private-note mode.

Why: the composer is pure UI — it never calls the service. It emits ``send_requested`` and the
thread pane decides (confirmation for flagged conversations, the op, showing ``SendRefused``). A
reply the engine held because the thread moved on keeps its draft under the hold bar
(``hold``), whose Send anyway emits ``send_anyway_requested``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSettings, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import segments
from inbox.core.models import ConversationSummary
from inbox.ui import icons, settings, theme
from inbox.ui.composer import canned as canned_replies
from inbox.ui.composer.canned_popup import CannedPopupDelegate, fit_popup
from inbox.ui.composer.counter import counter_state
from inbox.ui.composer.highlighter import Ucs2Highlighter
from inbox.ui.composer.hold_bar import HoldBar
from inbox.ui.qt_compat import emit
from inbox.ui.widgets import EllipsisLabel

MAX_LINES = 6


class ComposerEdit(QPlainTextEdit):
    """Plain-text editor whose Enter sends (or Ctrl+Enter, per ``composer/send_key``).

    Signals:
        submitted(): the send key was pressed.
        escaped(): Esc was pressed (leave the composer).
    """

    submitted = Signal()
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctrl_enter_sends_only = False
        self.setObjectName("composerEdit")
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().setDocumentMargin(4)
        self.completer: QCompleter | None = None

    def event(self, e: QEvent) -> bool:
        """Tab in the open canned-replies popup inserts the selection: left unaccepted here, so
        QWidget's focus-chain handling does not eat it before the completer sees it."""
        if e.type() == QEvent.Type.KeyPress and isinstance(e, QKeyEvent) and e.key() == Qt.Key.Key_Tab:
            popup = self.completer.popup() if self.completer else None
            if popup is not None and popup.isVisible():
                e.ignore()
                return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        popup = self.completer.popup() if self.completer else None
        if (
            popup is not None
            and popup.isVisible()
            and e.key()
            in (
                Qt.Key.Key_Enter,
                Qt.Key.Key_Return,
                Qt.Key.Key_Tab,
                Qt.Key.Key_Escape,
            )
        ):
            e.ignore()  # the completer's popup handles these
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = e.modifiers()
            if mods & Qt.KeyboardModifier.ControlModifier:
                emit(self.submitted)
                return
            if not (mods & Qt.KeyboardModifier.ShiftModifier) and not self.ctrl_enter_sends_only:
                emit(self.submitted)
                return
            self.insertPlainText("\n")
            return
        if e.key() == Qt.Key.Key_Escape:
            emit(self.escaped)
            return
        super().keyPressEvent(e)

    def insertFromMimeData(self, source) -> None:
        """Paste as plain text only (never rich text from a word processor)."""
        if source.hasText():
            self.insertPlainText(source.text())


class Composer(QWidget):
    """Reply / note editor with counter, Replace, blocked banner and inline errors.

    Signals:
        send_requested(str, bool): body and whether it is a private note.
        send_anyway_requested(str): the body of a held reply, to send whatever landed meanwhile.
        escaped(): the agent pressed Esc in the editor.
    """

    send_requested = Signal(str, bool)
    send_anyway_requested = Signal(str)
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None, qsettings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._settings = qsettings or settings.app_settings()
        self._blocked_reason: str | None = None
        self._busy = False
        # Who the variables in canned replies refer to: (open conversation, agent name). The main
        # window sets it; without it only {date} can be filled and the rest stay highlighted.
        self.variable_source: Callable[[], tuple[ConversationSummary | None, str]] | None = None

        self.banner = QLabel(self)
        self.banner.setProperty("role", "banner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Why sending is disabled")
        self.banner.hide()

        self.hold_bar = HoldBar(self)
        self.hold_bar.send_anyway.connect(self._send_anyway)
        self.hold_bar.edit.connect(self._edit_held)
        self.hold_bar.discard.connect(self._discard_held)

        self.edit = ComposerEdit(self)
        self.edit.setAccessibleName("Reply")
        self.edit.ctrl_enter_sends_only = settings.send_with_ctrl_enter(self._settings)
        self.highlighter = Ucs2Highlighter(self.edit.document())
        self.edit.submitted.connect(self.submit)
        self.edit.escaped.connect(self.escaped)
        self.edit.textChanged.connect(self._on_text_changed)

        self.note_toggle = QToolButton(self)
        self.note_toggle.setObjectName("action")
        self.note_toggle.setCheckable(True)
        self.note_toggle.setText("Note")
        self.note_toggle.setIcon(icons.icon("note", "muted"))
        self.note_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.note_toggle.setToolTip("Private note, only agents see it (N)")
        self.note_toggle.setAccessibleName("Private note mode")
        self.note_toggle.toggled.connect(self._on_note_toggled)

        self.counter = EllipsisLabel("", self)
        self.counter.setProperty("role", "muted")
        self.counter.setAccessibleName("Length and segments")
        self.counter.setFont(theme.meta_font(self.font()))

        self.replace_button = QPushButton("Replace", self)
        self.replace_button.setObjectName("link")
        self.replace_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.replace_button.setToolTip("Replace typographic quotes and dashes with plain ones (GSM-7)")
        self.replace_button.setAccessibleName("Replace characters that force Unicode")
        self.replace_button.clicked.connect(self.replace_lookalikes)
        self.replace_button.hide()

        self.unfilled_hint = QLabel(self)
        self.unfilled_hint.setProperty("role", "danger")
        self.unfilled_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.unfilled_hint.setFont(theme.meta_font(self.font()))
        self.unfilled_hint.setAccessibleName("Variables to fill in")
        self.unfilled_hint.hide()

        self.error = QLabel(self)
        self.error.setProperty("role", "danger")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Send error")
        self.error.hide()

        self.send_button = QPushButton(self)
        self.send_button.setObjectName("primary")
        self.send_button.setIcon(icons.icon("send", "accent_text"))
        self.send_button.setAccessibleName("Send")
        self.send_button.clicked.connect(self.submit)

        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.edit, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)

        meta = QHBoxLayout()
        meta.setSpacing(4)
        meta.addWidget(self.note_toggle)
        meta.addSpacing(4)
        meta.addWidget(self.counter)
        meta.addWidget(self.replace_button)
        meta.addStretch(1)
        meta.addWidget(self.unfilled_hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.error)
        layout.addWidget(self.hold_bar)
        layout.addLayout(row)
        layout.addLayout(meta)

        self._setup_canned()
        self._update_send_label()
        self._on_text_changed()
        self.setTabOrder(self.edit, self.send_button)
        self.setTabOrder(self.send_button, self.note_toggle)
        self.setTabOrder(self.note_toggle, self.replace_button)

    # -- public --------------------------------------------------------------------------------
    @property
    def note_mode(self) -> bool:
        return self.note_toggle.isChecked()

    def set_note_mode(self, on: bool) -> None:
        self.note_toggle.setChecked(on)

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)

    def clear(self) -> None:
        self.edit.clear()
        self.show_error(None)
        self.hold_bar.hide()

    def hold(self, sentence: str) -> None:
        """The engine held the reply (the thread moved on): keep the draft, say what landed."""
        self.set_busy(False)
        self.show_error(None)
        self.hold_bar.show_held(sentence)

    @property
    def held(self) -> bool:
        return not self.hold_bar.isHidden()

    def set_blocked(self, reason: str | None) -> None:
        """Disable SMS replies with an explicit sentence (notes stay possible)."""
        self._blocked_reason = reason
        self.banner.setText(reason or "")
        self.banner.setVisible(bool(reason))
        self._update_enabled()

    @property
    def blocked_reason(self) -> str | None:
        return self._blocked_reason

    def set_busy(self, busy: bool) -> None:
        """While a send is in flight: no double sends."""
        self._busy = busy
        self._update_enabled()

    def show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def submit(self) -> None:
        body = self.text()
        if not body.strip() or not self.send_button.isEnabled():
            return
        self.hold_bar.hide()  # sending again: the agent has seen what landed
        emit(self.send_requested, self._filled(body), self.note_mode)

    def _filled(self, body: str) -> str:
        filled = canned_replies.fill(body, self.variable_values())
        if filled != body:  # a variable typed by hand: filled before sending, and shown as sent
            self.set_text(filled)
        return filled

    def _send_anyway(self) -> None:
        body = self.text()
        self.hold_bar.hide()
        if body.strip():
            emit(self.send_anyway_requested, self._filled(body))

    def _edit_held(self) -> None:
        self.hold_bar.hide()
        self.focus_editor()

    def _discard_held(self) -> None:
        self.clear()
        self.focus_editor()

    def variable_values(self) -> dict[str, str]:
        """{first_name}, {name}, {number}, {agent}, {date} for the open conversation."""
        summary, agent = self.variable_source() if self.variable_source is not None else (None, "")
        return canned_replies.conversation_values(summary, agent)

    def replace_lookalikes(self) -> None:
        self.set_text(segments.gsm_friendly(self.text()))

    def focus_editor(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- internals -----------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        sms_blocked = self._blocked_reason is not None and not self.note_mode
        self.edit.setEnabled(not sms_blocked)
        self.send_button.setEnabled(not sms_blocked and not self._busy and bool(self.text().strip()))
        if sms_blocked:
            self.edit.setPlaceholderText("Replies are disabled. Switch to Note (N) to leave a private note.")
        elif self.note_mode:
            self.edit.setPlaceholderText("Private note — only agents see this")
        else:
            self.edit.setPlaceholderText("Reply by SMS…  (/ for canned replies)")

    def _update_send_label(self) -> None:
        key = "Ctrl+⏎" if self.edit.ctrl_enter_sends_only else "⏎"
        self.send_button.setText(f"{'Add note' if self.note_mode else 'Send'}  {key}")
        self.send_button.setToolTip(
            "Add private note" if self.note_mode else f"Send SMS ({'Ctrl+Enter' if key != '⏎' else 'Enter'})"
        )

    def _on_note_toggled(self, on: bool) -> None:
        self.edit.setProperty("note", "true" if on else "false")
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        self.highlighter.set_enabled(not on)
        self._update_send_label()
        self._on_text_changed()
        self.banner.setVisible(bool(self._blocked_reason) and not on)

    def _on_text_changed(self) -> None:
        text = self.text()
        if self.note_mode:
            self.counter.setText("Private note · not sent to the customer")
            self.counter.setProperty("role", "muted")
            self.replace_button.hide()
        else:
            st = counter_state(text)
            self.counter.setText(st.text)
            self.counter.setProperty("role", "warning" if st.ucs2 else "muted")
            self.replace_button.setVisible(st.replaceable)
            self.highlighter.set_script(st.script)
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)
        names = list(dict.fromkeys(f"{{{n}}}" for _s, _e, n in canned_replies.unfilled(text)))
        self.unfilled_hint.setText(f"Fill in {', '.join(names[:3])}{' …' if len(names) > 3 else ''}" if names else "")
        self.unfilled_hint.setVisible(bool(names))
        self._grow()
        self._update_enabled()
        self._maybe_complete(text)

    def _grow(self) -> None:
        """Height follows the content, from one to six lines."""
        fm = self.edit.fontMetrics()
        doc = self.edit.document()
        lines = 0
        block = doc.begin()
        while block.isValid():
            layout = block.layout()
            lines += max(1, layout.lineCount() if layout is not None else 1)
            block = block.next()
        lines = max(1, min(MAX_LINES, lines))
        margins = self.edit.contentsMargins()
        frame = 2 * self.edit.frameWidth() + margins.top() + margins.bottom()
        self.edit.setFixedHeight(int(lines * fm.lineSpacing() + 2 * doc.documentMargin() + frame + 4))

    # -- canned replies ------------------------------------------------------------------------
    def _setup_canned(self) -> None:
        """``canned`` holds every saved reply; the popup shows ``canned_matches``, ranked by
        ``canned.rank`` (fuzzy), so the completer itself does no filtering."""
        self.canned = QStringListModel(settings.canned_replies(self._settings), self)
        self.canned_matches = QStringListModel(self)
        completer = QCompleter(self.canned_matches, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setWidget(self.edit)
        popup = completer.popup()
        popup.setItemDelegate(CannedPopupDelegate(popup))  # wrapped, not cut after one line
        popup.setUniformItemSizes(False)
        popup.setResizeMode(QListView.ResizeMode.Adjust)  # rows re-wrap at the popup's real width
        popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        completer.setMaxVisibleItems(6)
        completer.activated.connect(self._insert_canned)
        self.edit.completer = completer

    def _maybe_complete(self, text: str) -> None:
        completer = self.edit.completer
        if completer is None:
            return
        matches = (
            canned_replies.rank(text[1:], self.canned.stringList())
            if text.startswith("/") and "\n" not in text and not self.note_mode
            else []
        )
        self.canned_matches.setStringList(matches)
        if matches:
            completer.setCompletionPrefix("")
            completer.setCurrentRow(0)
            rect = self.edit.cursorRect()
            rect.setWidth(max(360, min(self.edit.width(), 640)))
            if self.edit.isVisible():
                completer.complete(rect)
                fit_popup(completer.popup(), completer.maxVisibleItems(), self.edit)
                # The best match is preselected: Tab or Enter inserts it straight away.
                completer.popup().setCurrentIndex(completer.completionModel().index(0, 0))
        elif completer.popup().isVisible():
            completer.popup().hide()

    def _insert_canned(self, reply: str) -> None:
        """Insert with the conversation's variables filled; unknown ones stay, highlighted."""
        self.set_text(canned_replies.fill(reply, self.variable_values()))
