"""The Export dialog: messages or conversations as CSV/XLSX, the metrics summary as XLSX, or one
thread's transcript as PDF, with the Supervisor view's filters, a progress bar and Cancel.

Why a dialog that stays open: the progress, the Cancel button and the finished message with "Show in
folder" belong together; the window behind it stays usable because the work runs on an
``ExportJob`` thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.engine.service import InboxService
from inbox.reports import exports, transcript
from inbox.reports.exports import ExportResult
from inbox.reports.filters import ReportFilter
from inbox.ui.supervisor.export_job import ExportJob

KINDS = (
    ("messages", "Messages"),
    ("conversations", "Conversations"),
    ("metrics", "Metrics summary"),
    ("transcript", "Thread transcript"),
)
FORMATS = (("csv", "CSV (Excel, Sheets)"), ("xlsx", "Excel workbook (XLSX)"), ("pdf", "PDF document"))
# What each export can be written as: the Format box offers these and nothing else (a transcript
# showed a greyed "CSV" while it wrote a PDF).
KIND_FORMATS = {
    "messages": ("csv", "xlsx"),
    "conversations": ("csv", "xlsx"),
    "metrics": ("xlsx",),
    "transcript": ("pdf",),
}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Everything a job needs, frozen on the GUI thread before the worker starts."""

    kind: str
    fmt: str
    path: Path
    flt: ReportFilter
    period: str | None
    tz: tzinfo
    conversation_id: int | None = None


def default_folder() -> Path:
    """The documents folder if there is one, else home (`exports.default_folder`)."""
    return exports.default_folder()


def default_name(kind: str, fmt: str, flt: ReportFilter, conversation_id: int | None = None) -> str:
    if kind == "transcript":
        return f"conversation-{conversation_id}-transcript.pdf"
    span = ""
    if flt.start and flt.end:
        last = flt.end - timedelta(microseconds=1)
        span = f"-{flt.start:%Y%m%d}-{last:%Y%m%d}"
    return f"inbox-{kind}{span}.{'xlsx' if kind == 'metrics' else fmt}"


def run_export(service: InboxService, req: ExportRequest, progress, cancel: threading.Event):
    """The blocking export (on the job thread), as the service's agent; returns ExportResult, or the PDF's Path."""
    db, actor = service.db, service.agent
    if req.kind == "messages":
        return exports.export_messages(db, actor, req.flt, req.fmt, req.path, progress, cancel, req.tz)
    if req.kind == "conversations":
        return exports.export_conversations(db, actor, req.flt, req.fmt, req.path, progress, cancel, req.tz)
    if req.kind == "metrics":
        return exports.export_metrics(db, actor, req.flt, req.path, period=req.period, tz=req.tz)
    from inbox.ui.reports_pdf import write_pdf

    assert req.conversation_id is not None
    t = transcript.build(db, actor, req.conversation_id, req.tz)
    if cancel.is_set():
        return ExportResult(req.path, "pdf", 0, True)
    write_pdf(t, req.path)
    return ExportResult(req.path, "pdf", len(t.lines), False)


class ExportDialog(QDialog):
    """Pick what and where, then watch it run; Cancel stops it and removes the partial file."""

    def __init__(
        self,
        service: InboxService,
        flt: ReportFilter,
        period: str | None,
        tz: tzinfo,
        describe_filter: str,
        parent: QWidget | None = None,
        conversation_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(520)
        self._service, self._flt, self._period, self._tz = service, flt, period, tz
        self.conversation_id = conversation_id
        self.job: ExportJob | None = None
        self.result: ExportResult | None = None
        self.progress_seen: list[tuple[int, int]] = []
        self.open_folder: Callable[[Path], None] = lambda folder: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(folder))
        )

        self.kind = QComboBox(self)
        for key, label in KINDS:
            if key == "transcript" and conversation_id is None:
                continue
            self.kind.addItem(label, key)
        self.fmt = QComboBox(self)
        self.scope = QLabel(describe_filter if conversation_id is None else f"Conversation #{conversation_id}", self)
        self.scope.setProperty("role", "muted")
        self.scope.setTextFormat(Qt.TextFormat.PlainText)
        self.scope.setWordWrap(True)
        self.path = QLineEdit(self)
        self.path.setAccessibleName("Save to")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Export", self.kind)
        form.addRow("Format", self.fmt)
        form.addRow("Filters", self.scope)
        form.addRow("Save to", where)

        self.bar = QProgressBar(self)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.bar.setVisible(False)
        self.status = QLabel("Customer text is exported as plain text; codes are masked, formulas neutralised.", self)
        self.status.setProperty("role", "muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        self.show_button = QPushButton("Show in folder", self)
        self.show_button.setVisible(False)
        self.show_button.clicked.connect(self._show_in_folder)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("primary")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 20, 20, 16)
        lay.setSpacing(12)
        title = QLabel("Export data", self)
        title.setProperty("role", "title")
        lay.addWidget(title)
        lay.addLayout(form)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addStretch(1)
        lay.addLayout(buttons)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.fmt.currentIndexChanged.connect(self._suggest_path)
        if conversation_id is not None:
            self.kind.setCurrentIndex(self.kind.findData("transcript"))
        self._kind_changed()

    # -- choices -------------------------------------------------------------------------------
    def _kind_changed(self) -> None:
        """The Format box lists what this export can be (kept if still possible), greyed when one."""
        allowed = KIND_FORMATS[self.kind.currentData()]
        keep = self.fmt.currentData()
        self.fmt.blockSignals(True)
        self.fmt.clear()
        for key, label in FORMATS:
            if key in allowed:
                self.fmt.addItem(label, key)
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(keep)))
        self.fmt.blockSignals(False)
        self._kind_changed_keep_path()
        self._suggest_path()

    def _suggest_path(self) -> None:
        kind, fmt = self.kind.currentData(), self.fmt.currentData()
        folder = Path(self.path.text()).parent if self.path.text() else default_folder()
        self.path.setText(str(folder / default_name(kind, fmt, self._flt, self.conversation_id)))

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if chosen:
            self.path.setText(chosen)

    def request(self) -> ExportRequest:
        kind, fmt = self.kind.currentData(), self.fmt.currentData()
        return ExportRequest(kind, fmt, Path(self.path.text()), self._flt, self._period, self._tz, self.conversation_id)

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the job (Export button); the dialog stays open with a progress bar."""
        if self.job is not None and self.job.running:
            return
        req = self.request()
        if not req.path.name:
            self.status.setText("Choose where to save the file.")
            return
        service = self._service
        self.result = None
        self.progress_seen = []
        self.job = ExportJob(lambda progress, cancel: run_export(service, req, progress, cancel), req.kind, self)
        self.job.progress.connect(self._on_progress)
        self.job.done.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.status.setText(f"Exporting {self.kind.currentText().lower()}…")
        self.show_button.setVisible(False)
        for w in (self.kind, self.fmt, self.path, self.export_button):
            w.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.job.start()

    def cancel(self) -> None:
        """Cancel a running export (its partial file is removed); otherwise close the dialog."""
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            return
        self.reject()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_seen.append((done, total))
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.status.setText(f"Exporting… {done:,} of {total:,} rows")

    def _finish(self) -> None:
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        for w in (self.kind, self.path, self.export_button):
            w.setEnabled(True)
        self._kind_changed_keep_path()

    def _kind_changed_keep_path(self) -> None:
        self.fmt.setEnabled(self.fmt.count() > 1)

    def _on_done(self, result: ExportResult) -> None:
        self.result = result
        self._finish()
        if result.cancelled:
            self.bar.setVisible(False)
            self.status.setText("Export cancelled — the partial file was removed.")
            return
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        what = {"pdf": "message(s)"}.get(result.fmt, "row(s)")
        self.status.setText(f"Exported {result.rows:,} {what} to {result.path.name}")
        self.show_button.setVisible(True)

    def _on_failed(self, reason: str) -> None:
        self._finish()
        self.bar.setVisible(False)
        self.status.setText(f"Export failed: {reason}")

    def _show_in_folder(self) -> None:
        if self.result is not None:
            self.open_folder(self.result.path.parent)

    def done(self, r: int) -> None:
        """Closing the dialog cancels a running export: nothing keeps writing behind the user's back."""
        if self.job is not None and self.job.running:
            self.job.cancel()
        super().done(r)
