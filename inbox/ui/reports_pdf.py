"""A thread's transcript as PDF, with Qt's own PDF writer (QPdfWriter + QTextDocument).

The transcript (inbox.reports.transcript) is already permission-checked, masked and audited; this
module only lays it out. Customer text is untrusted, so the document is built with plain-text
cursor inserts only: nothing a customer typed is ever parsed as HTML or rich text.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)

from inbox.core import private_files
from inbox.reports.transcript import Transcript

# Customer text is wrapped in a Unicode "first strong isolate" so right-to-left names and bodies
# cannot reorder the labels and numbers around them (nor spoof them).
_FSI, _PDI = "\u2068", "\u2069"
_DIRECTION = {"inbound": "received", "outbound": "sent", "internal": "note"}


def _isolate(text: str) -> str:
    return f"{_FSI}{text}{_PDI}"


def _fmt(*, size: float = 10, bold: bool = False, color: str | None = None) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setFontPointSize(size)
    f.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    if color:
        f.setForeground(QColor(color))
    return f


def document(t: Transcript) -> QTextDocument:
    """The transcript as a text document: header, participants, then one entry per message."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    cur = QTextCursor(doc)
    spaced = QTextBlockFormat()
    spaced.setTopMargin(8)
    plain, muted = _fmt(), _fmt(size=8.5, color="#555555")
    cur.insertText(f"Conversation #{t.conversation_id} — transcript", _fmt(size=16, bold=True))
    header = [
        ("Customer", f"{_isolate(t.contact_name)} ({t.contact_phone})" if t.contact_name else t.contact_phone),
        ("Channel", f"{t.channel_name} ({t.channel_number})"),
        ("Assigned to", t.assignee or "nobody"),
        ("Status", t.status),
        ("Labels", ", ".join(t.labels) or "none"),
        ("Participants", ", ".join(_isolate(p) for p in t.participants)),
        ("Times", f"in {t.timezone}"),
        ("Exported", f"{t.generated_at:%Y-%m-%d %H:%M} by {t.generated_by}"),
    ]
    for name, value in header:
        cur.insertBlock()
        cur.insertText(f"{name}: ", _fmt(size=9, bold=True))
        cur.insertText(value, _fmt(size=9))
    if not t.lines:
        cur.insertBlock(spaced)
        cur.insertText("No messages.", plain)
    for line in t.lines:
        cur.insertBlock(spaced)
        state = f" · {line.status}" if line.status else ""
        error = f" ({line.error})" if line.error else ""
        cur.insertText(f"{line.at:%Y-%m-%d %H:%M}  ", muted)
        cur.insertText(_isolate(line.who), _fmt(size=8.5, bold=True))
        cur.insertText(f"  {_DIRECTION.get(line.direction, line.direction)}{state}{error}", muted)
        cur.insertBlock()
        cur.insertText(_isolate(line.body), plain)
    return doc


def write_pdf(t: Transcript, path: str | os.PathLike[str]) -> Path:
    """Render to an A4 PDF at `path` (written whole to a temporary name, then renamed)."""
    target = Path(path)
    partial = private_files.reserve(target.with_name(target.name + ".part"))  # a transcript is private
    writer = QPdfWriter(str(partial))
    writer.setTitle(f"Conversation #{t.conversation_id} transcript")
    writer.setCreator("Inbox")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15))
    )
    doc = document(t)
    doc.print_(writer)
    del writer  # finishes the file
    partial.replace(target)
    return target


def _ensure_gui_app() -> None:
    """Fonts need a GUI application. Create a full QApplication (never a bare QGuiApplication): in a
    process that later shows widgets — the app itself, or a test run — a QGuiApplication would be
    the one instance and every widget would fail."""
    if QCoreApplication.instance() is None:
        from PySide6.QtWidgets import QApplication

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _app
        _app = QApplication(["inbox"])


_app: QGuiApplication | None = None


def export_command(args: argparse.Namespace) -> int:
    """`inbox export --format pdf --conversation ID --out FILE`, called by inbox.cli.reports."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from inbox.engine.setup import open_database
    from inbox.reports import transcript

    zone = ZoneInfo(args.tz) if getattr(args, "tz", None) else datetime.now().astimezone().tzinfo or UTC
    db = open_database(args.db)
    try:
        t = transcript.build(db, args.actor, args.conversation, zone)
    finally:
        db.dispose()
    _ensure_gui_app()
    out = write_pdf(t, args.out)
    print(f"Wrote the transcript of conversation #{t.conversation_id} ({len(t.lines)} message(s)) to {out}")
    return 0
