"""The export dialog's Format follows what is exported: a transcript says PDF, never a greyed CSV."""

from __future__ import annotations

from datetime import UTC

from inbox.reports.filters import ReportFilter
from inbox.ui.supervisor.export_dialog import ExportDialog


def _formats(dialog: ExportDialog) -> list[str]:
    return [dialog.fmt.itemText(i) for i in range(dialog.fmt.count())]


def test_format_follows_the_kind_of_export(qtbot, service) -> None:
    dialog = ExportDialog(service, ReportFilter(), None, UTC, "", conversation_id=7)
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "transcript"
    assert _formats(dialog) == ["PDF document"] and not dialog.fmt.isEnabled()
    assert dialog.request().fmt == "pdf" and dialog.path.text().endswith(".pdf")

    dialog.kind.setCurrentIndex(dialog.kind.findData("messages"))
    assert _formats(dialog) == ["CSV (Excel, Sheets)", "Excel workbook (XLSX)"] and dialog.fmt.isEnabled()
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("xlsx"))
    assert dialog.path.text().endswith(".xlsx")

    dialog.kind.setCurrentIndex(dialog.kind.findData("conversations"))
    assert dialog.fmt.currentData() == "xlsx"  # the choice made for messages is kept where it applies

    dialog.kind.setCurrentIndex(dialog.kind.findData("metrics"))
    assert _formats(dialog) == ["Excel workbook (XLSX)"] and not dialog.fmt.isEnabled()
    assert dialog.request().fmt == "xlsx"
