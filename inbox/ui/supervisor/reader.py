"""One thread opened from the review queue: read-only messages, review notes, a PDF transcript.

Why read-only: a supervisor reviewing how a customer was treated must not answer, assign or mark
anything read by looking. The thread widgets are the inbox's own (header, painted bubbles), with the
composer left out and the header's actions hidden; nothing here calls ``mark_read``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inbox.core.models import ConversationSummary
from inbox.engine.service import InboxService
from inbox.reports import review
from inbox.reports.review import Review
from inbox.ui import humanize, icons, ops, theme
from inbox.ui.qt_compat import emit
from inbox.ui.thread.header import ThreadHeader
from inbox.ui.thread.model import ThreadModel
from inbox.ui.thread.view import ThreadView


class ThreadReader(QWidget):
    """Header + messages + review notes for one conversation, or an empty state.

    Signals:
        transcript_requested(int): export this conversation's transcript as PDF.
        note_added(int): a review note was saved on this conversation (the queue refreshes).
    """

    transcript_requested = Signal(int)
    note_added = Signal(int)

    def __init__(self, service: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = service.db
        self._actor = actor = service.agent
        self.summary: ConversationSummary | None = None
        self.model = ThreadModel(service, self)
        self.header = ThreadHeader(actor, self)
        for b in (
            self.header.flag_button,
            self.header.assign_button,
            self.header.resolve_button,
            self.header.snooze_button,
            self.header.labels_button,
            self.header.verify_button,
            self.header.panel_button,
        ):
            b.setVisible(False)
        self.pdf_button = QPushButton("Export PDF", self.header)
        self.pdf_button.setToolTip("Save this thread's transcript as a PDF")
        self.pdf_button.clicked.connect(self._want_pdf)
        self.header.layout().addWidget(self.pdf_button)
        self.view = ThreadView(self.model, self)
        self.view.setAccessibleName("Thread (read-only)")

        self.notes = QListWidget(self)
        self.notes.setAccessibleName("Review notes")
        self.notes.setWordWrap(True)
        self.notes.setMaximumHeight(120)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("composerEdit")
        self.note_edit.setPlaceholderText("Leave a review note (only supervisors see it; never sent)")
        self.note_edit.setAccessibleName("Review note")
        self.note_edit.setFixedHeight(64)
        self.note_button = QPushButton("Add review note", self)
        self.note_button.setObjectName("primary")
        self.note_button.clicked.connect(self.add_note)
        self.note_error = QLabel("", self)
        self.note_error.setProperty("role", "danger")
        self.note_error.setTextFormat(Qt.TextFormat.PlainText)
        self.note_error.setVisible(False)
        self.notes_title = QLabel("Review notes", self)
        self.notes_title.setProperty("role", "title")

        footer = QWidget(self)
        footer.setObjectName("composer")
        footer.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        fl = QVBoxLayout(footer)
        fl.setContentsMargins(16, 8, 16, 12)
        fl.setSpacing(6)
        fl.addWidget(self.notes_title)
        fl.addWidget(self.notes)
        row = QHBoxLayout()
        row.addWidget(self.note_edit, 1)
        row.addWidget(self.note_button, 0, Qt.AlignmentFlag.AlignBottom)
        fl.addLayout(row)
        fl.addWidget(self.note_error)

        content = QWidget(self)
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)
        lay.addWidget(footer)

        self.empty = QLabel(
            "Select a thread to read it\n\nThreads open read-only: nothing is sent or marked read.", self
        )
        self.empty.setProperty("role", "empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.restyle()
        theme.state().changed.connect(self.restyle)

    def restyle(self) -> None:
        self.pdf_button.setIcon(icons.icon("note", "muted"))

    @property
    def conversation_id(self) -> int | None:
        return self.summary.id if self.summary else None

    def open(self, s: ConversationSummary | None) -> None:
        """Show a thread read-only (None: the empty state)."""
        self.summary = s
        self.header.set_summary(s)
        self.header.flag_button.setVisible(False)  # set_summary shows it for flagged threads
        self.note_error.setVisible(False)
        if s is None:
            self.model.load(None)
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.model.load(s.id)
        self._load_notes(s.id)

    def _load_notes(self, cid: int) -> None:
        db, actor = self._db, self._actor
        ops.run_op(
            self,
            lambda: review.notes(db, actor, cid),
            lambda rows: self._show_notes(cid, rows),
            label="Loading review notes",
        )

    def _show_notes(self, cid: int, rows: tuple[Review, ...]) -> None:
        if cid != self.conversation_id:
            return
        self.notes.clear()
        for r in rows:
            when = f"{humanize.short_date(r.created_at)} {humanize.clock(r.created_at)}"
            item = QListWidgetItem(f"{r.reviewer} · {when}\n{r.note}")
            self.notes.addItem(item)
        if not rows:
            self.notes.addItem(QListWidgetItem("No review notes yet."))
        self.notes_title.setText(f"Review notes ({len(rows)})" if rows else "Review notes")

    def add_note(self) -> None:
        cid, text = self.conversation_id, self.note_edit.toPlainText().strip()
        if cid is None or not text:
            return
        db, actor = self._db, self._actor
        self.note_button.setEnabled(False)

        def done(_r: Review) -> None:
            self.note_button.setEnabled(True)
            self.note_edit.clear()
            self._load_notes(cid)
            emit(self.note_added, cid)

        def failed(exc: BaseException) -> None:
            self.note_button.setEnabled(True)
            self.note_error.setText(ops.describe(exc))
            self.note_error.setVisible(True)

        ops.run_op(self, lambda: review.add_note(db, actor, cid, text), done, failed, label="Saving review note")

    def _want_pdf(self) -> None:
        if self.conversation_id is not None:
            emit(self.transcript_requested, self.conversation_id)
