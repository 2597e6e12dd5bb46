"""Exports read back (csv, openpyxl, the PDF's text), retention and erasure, on both backends."""

from __future__ import annotations

import csv
import shutil
import subprocess
import threading
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from inbox.reports import exports, privacy, review, team, transcript
from inbox.reports.filters import ReportFilter
from inbox.store import audit
from inbox.store.agents import PermissionDenied, Role
from inbox.store.models import ContactRow, MessageRow, OptOutEventRow, OptOutRow
from tests.store.report_seed import DAY1, END, EVIL, seed

ALL = ReportFilter(start=DAY1, end=END)


@pytest.fixture
def seeded(db):
    return seed(db)


def _read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_csv_messages_are_neutralised_masked_and_readable(db, seeded, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    out = tmp_path / "m.csv"
    result = exports.export_messages(db, "admin", ALL, "csv", out, progress=lambda d, t: seen.append((d, t)), tz=UTC)
    rows = _read_csv(out)
    assert result.rows == len(rows) == 13 and seen[-1] == (13, 13)
    bodies = [r["body"] for r in rows]
    assert "'" + EVIL in bodies and EVIL not in bodies
    assert "'-2+3" in bodies and "'@bob here" in bodies
    assert "Your code is 123456" not in bodies and "••••••" in bodies
    assert "مرحبا" in bodies and rows[0]["contact_name"] == "Ann Arabic مرحبا 😀"
    assert rows[0]["contact_phone"] == "'+15551230001"  # text, readable, never a formula
    assert rows[0]["time"] == "2024-03-04T09:00:00+00:00"


def test_xlsx_messages_keep_phones_as_text_and_neutralise_formulas(db, seeded, tmp_path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "m.xlsx"
    exports.export_messages(db, "admin", ALL, "xlsx", out, tz=UTC)
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 13
    phone = rows[0]["contact_phone"]
    assert (phone.value, phone.data_type, phone.quotePrefix) == ("+15551230001", "s", True)
    bodies = {r["body"].value: r["body"].data_type for r in rows}
    assert bodies["'" + EVIL] == "s" and EVIL not in bodies
    assert "••••••" in bodies and "Your code is 123456" not in bodies


def test_conversations_and_metrics_exports(db, seeded, tmp_path) -> None:
    from openpyxl import load_workbook

    exports.export_conversations(db, "admin", ALL, "csv", tmp_path / "c.csv", tz=UTC)
    convs = _read_csv(tmp_path / "c.csv")
    assert [(c["conversation_id"], c["assignee"], c["labels"]) for c in convs] == [
        ("1", "alice", "billing"),
        ("2", "bob", ""),
        ("3", "", ""),
    ]
    exports.export_metrics(db, "admin", ALL, tmp_path / "metrics.xlsx", period="day", tz=UTC)
    book = load_workbook(tmp_path / "metrics.xlsx")
    header = [c.value for c in book["metrics"][1]]
    total = dict(zip(header, [c.value for c in book["metrics"][4]], strict=True))
    assert (total["period"], total["mo"], total["mt"], total["response_median_s"]) == ("total", 7, 5, 1200)
    assert book["failure reasons"].max_row == 3


def test_agents_export_only_their_conversations_and_exports_are_audited(db, seeded, tmp_path) -> None:
    team.add_agent(db, "admin", "alice", Role.AGENT)
    result = exports.export_messages(db, "alice", ALL, "csv", tmp_path / "a.csv")
    assert {r["conversation_id"] for r in _read_csv(tmp_path / "a.csv")} == {"1"} and result.rows == 6
    with pytest.raises(PermissionDenied):
        exports.export_messages(db, "alice", ReportFilter(agent="bob"), "csv", tmp_path / "b.csv")
    with pytest.raises(PermissionDenied):
        exports.export_messages(db, "alice", ReportFilter(conversation_id=seeded.conv_b), "csv", tmp_path / "b.csv")
    with pytest.raises(PermissionDenied):
        transcript.build(db, "alice", seeded.conv_b)
    with pytest.raises(PermissionDenied):
        review.queue(db, "alice", review.ReviewFilter())
    assert not (tmp_path / "b.csv").exists()
    with db.read() as s:
        events = [e for e in audit.recent(s) if e.action in ("export", "role_change")]
    assert [(e.actor, e.action, e.subject) for e in events][:1] == [("alice", "export", "messages")]
    assert events[0].detail["filter"]["agent"] == "alice" and events[0].detail["rows"] == 6


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cancel_stops_the_job_and_leaves_no_file(db, seeded, tmp_path, fmt) -> None:
    import gc

    cancel = threading.Event()
    cancel.set()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"m.{fmt}"
    exports._BATCH, saved = 2, exports._BATCH
    try:
        result = exports.export_messages(db, "admin", ALL, fmt, out, cancel=cancel)
    finally:
        exports._BATCH = saved
    gc.collect()  # an abandoned write-only workbook must not fail here ("I/O operation on closed file")
    assert result.cancelled and result.rows == 2
    assert not list(folder.iterdir())  # neither the file nor its partial


def test_pdf_transcript_has_header_times_states_masking_and_plain_text(db, seeded, tmp_path) -> None:
    pytest.importorskip("PySide6")
    from zoneinfo import ZoneInfo

    from inbox.ui import reports_pdf

    reports_pdf._ensure_gui_app()
    t = transcript.build(db, "admin", seeded.conv_a, ZoneInfo("Europe/Paris"))
    assert t.lines[0].at.utcoffset() == timedelta(hours=1) and len(t.lines) == 6
    out = reports_pdf.write_pdf(t, tmp_path / "t.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/URI" not in data  # the customer's HYPERLINK is not a link
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: text assertions skipped")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "Conversation #1",
        "main (+15550001111)",
        "alice",
        "Europe/Paris",
        "2024-03-04 10:00",
        "delivered",
        "failed (30003 Unreachable destination handset)",
        "••••••",
        EVIL,
    ):
        assert expected in text, expected
    assert "123456" not in text


def test_retention_purges_old_text_but_keeps_rows_and_metrics(db, seeded) -> None:
    from inbox.reports import metrics

    before = metrics.report(db, "admin", ALL, tz=UTC, now=END).total
    assert privacy.purge(db, "admin") is None  # no period set: nothing happens
    privacy.set_retention_days(db, "admin", 30)
    result = privacy.purge(db, "admin", now=DAY1 + timedelta(days=30, hours=10))
    assert result is not None and result.messages_purged == 3  # the three day-1 messages before 10:00
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 13
        assert s.scalar(select(func.count()).where(MessageRow.body == "")) == 3
    assert metrics.report(db, "admin", ALL, tz=UTC, now=END).total == before
    t = transcript.build(db, "admin", seeded.conv_a, UTC)
    assert t.lines[0].body == transcript.PURGED and t.lines[3].body == EVIL
    team.add_agent(db, "admin", "boss", Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        privacy.set_retention_days(db, "boss", 1)
    with db.read() as s:
        actions = [e.action for e in audit.recent(s)]
    assert "setting" in actions and "retention_purge" in actions


def test_erase_removes_messages_and_identifiers_but_keeps_the_opt_out(db, seeded) -> None:
    with db.write() as s:
        s.add(OptOutRow(contact_id=3, channel_id=seeded.promo, opted_out=True, changed_at=END, source="keyword"))
    gone = privacy.erase_contact(db, "admin", "+15551230001")
    assert (gone.conversations_deleted, gone.messages_deleted, gone.phone_kept_for_suppression) == (1, 6, False)
    kept = privacy.erase_contact(db, "admin", "+1 555 123 0003")
    assert kept.phone_kept_for_suppression
    with db.read() as s:
        phones = dict(s.execute(select(ContactRow.id, ContactRow.phone)).all())
        names = s.scalars(select(ContactRow.display_name).where(ContactRow.display_name.is_not(None))).all()
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 13 - 6 - 3
        assert s.scalar(select(func.count()).select_from(OptOutEventRow)) == 2  # the opt-out facts stay
        events = [e for e in audit.recent(s) if e.action == "contact_erase"]
    assert phones[1].startswith("erased:") and "5551230001" not in phones[1]
    assert phones[3] == "+15551230003" and names == []
    assert all("555" not in str(e.detail) for e in events) and len(events) == 2
    with pytest.raises(LookupError):
        privacy.erase_contact(db, "admin", "+15551230001")


def test_times_are_in_the_viewer_zone_with_their_offset(db, seeded, tmp_path) -> None:
    from zoneinfo import ZoneInfo

    exports.export_messages(db, "admin", ALL, "csv", tmp_path / "k.csv", tz=ZoneInfo("Asia/Kolkata"))
    times = [r["time"] for r in _read_csv(tmp_path / "k.csv")]
    assert times[:2] == ["2024-03-04T14:30:00+05:30", "2024-03-04T14:30:30+05:30"]


def test_every_export_is_readable_by_its_owner_only(db, seeded, tmp_path) -> None:
    import os

    old = os.umask(0o022)  # the usual umask: new files would be 0644, readable by every local user
    try:
        stale = tmp_path / "m.csv"
        stale.write_text("an older export, world-readable")
        stale.chmod(0o644)
        written = [
            exports.export_messages(db, "admin", ALL, "csv", stale, tz=UTC).path,
            exports.export_messages(db, "admin", ALL, "xlsx", tmp_path / "m.xlsx", tz=UTC).path,
            exports.export_conversations(db, "admin", ALL, "csv", tmp_path / "c.csv", tz=UTC).path,
            exports.export_metrics(db, "admin", ALL, tmp_path / "metrics.xlsx", period="day", tz=UTC).path,
        ]
        try:
            from inbox.ui import reports_pdf
        except ImportError:
            pass
        else:
            reports_pdf._ensure_gui_app()
            written.append(reports_pdf.write_pdf(transcript.build(db, "admin", seeded.conv_a, UTC), tmp_path / "t.pdf"))
    finally:
        os.umask(old)
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_erase_removes_ingested_provider_journal_rows_and_keeps_pending_ones(db, seeded) -> None:
    from datetime import UTC, datetime

    from inbox.store import journal

    with db.write() as s:
        done = journal.append(s, seeded.promo, journal.INBOUND, '{"results": [{"from": "15551230001"}]}')
        journal.mark_done(s, done, datetime.now(UTC))
        journal.append(s, seeded.promo, journal.INBOUND, '{"results": [{"from": "15559990000"}]}')
    privacy.erase_contact(db, "admin", "+15551230001")
    from inbox.store.journal_tables import ProviderJournalRow

    with db.read() as s:
        bodies = list(s.scalars(select(ProviderJournalRow.body)))
    assert bodies == ['{"results": [{"from": "15559990000"}]}'], "the ingested answer quoting them is gone"
