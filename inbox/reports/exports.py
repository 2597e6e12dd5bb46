"""Exports: messages and conversations as CSV or XLSX, and the metrics summary as XLSX.

Built to run as a background job: rows are streamed from the database (never all in memory),
`progress(done, total)` is called as they go, and setting `cancel` stops the job and removes the
partial file. Files are written next to the target and renamed into place only when complete.
Every export, finished or cancelled, is an audit event (with the filter, never the data).
"""

from __future__ import annotations

import contextlib
import csv
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Select, String, func, select, type_coerce

from inbox.core import private_files
from inbox.core.models import ConversationStatus
from inbox.reports import metrics, team
from inbox.reports.cells import FORMULA_STARTS, MASK, is_e164, neutralise, xlsx_text
from inbox.reports.filters import ReportFilter, narrow
from inbox.store import audit, retention
from inbox.store.agents import Actor, PermissionDenied, Role
from inbox.store.db import Database
from inbox.store.models import (
    ChannelRow,
    ContactRow,
    ConversationLabelRow,
    ConversationRow,
    MessageRow,
    OptOutRow,
)

Progress = Callable[[int, int], None]
FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
_BATCH = 5000

MESSAGE_COLUMNS = (
    "message_id",
    "conversation_id",
    "time",
    "channel",
    "contact_phone",
    "contact_name",
    "direction",
    "author_kind",
    "author",
    "status",
    "error_code",
    "error_message",
    "segments",
    "purged",
    "body",
)
CONVERSATION_COLUMNS = (
    "conversation_id",
    "channel",
    "contact_phone",
    "contact_name",
    "status",
    "assignee",
    "labels",
    "created_at",
    "last_activity_at",
    "waiting_since",
    "opted_out",
)
PHONE_COLUMNS = frozenset({"contact_phone"})


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    fmt: str
    rows: int
    cancelled: bool


def _check(db: Database, actor: str, flt: ReportFilter) -> tuple[Actor, ReportFilter]:
    """The actor and the filter they may use: agents export only conversations assigned to them."""
    who = team.actor(db, actor)
    scoped = flt.scoped_for(who)
    if flt.conversation_id is not None and not who.at_least(Role.SUPERVISOR):
        with db.read() as s:
            assignee = s.scalar(select(ConversationRow.assignee).where(ConversationRow.id == flt.conversation_id))
        if assignee != who.name:
            raise PermissionDenied(f"{who.name} may export only conversations assigned to them")
    return who, scoped


def _zone(tz: tzinfo | None) -> tzinfo:
    return tz or datetime.now().astimezone().tzinfo or UTC


# -- messages ------------------------------------------------------------------------------------
def _messages_select(flt: ReportFilter) -> Select:
    stmt = (
        select(
            MessageRow.id,
            MessageRow.conversation_id,
            MessageRow.created_at,
            ChannelRow.name,
            ContactRow.phone,
            ContactRow.display_name,
            MessageRow.direction,
            MessageRow.author_kind,
            MessageRow.author,
            MessageRow.status,
            MessageRow.error_code,
            MessageRow.error_message,
            MessageRow.num_segments,
            MessageRow.masked,
            MessageRow.body,
        )
        .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
        .join(ContactRow, ContactRow.id == ConversationRow.contact_id)
        .join(ChannelRow, ChannelRow.id == MessageRow.channel_id)
    )
    if flt.start is not None:
        stmt = stmt.where(MessageRow.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(MessageRow.created_at < flt.end)
    return narrow(stmt, flt)


def _message_rows(db: Database, flt: ReportFilter, zone: tzinfo) -> tuple[int, Iterator[tuple]]:
    """Rows ready to write: times in `zone`, codes masked, purged text marked, formula cells neutralised.

    This is the hot loop of a million-row export, hence Core rows (no ORM), times parsed with the
    C `fromisoformat` instead of SQLAlchemy's per-row processor on SQLite, and inlined checks.
    """
    with db.read() as s:
        total = int(s.scalar(select(func.count()).select_from(_messages_select(flt).subquery())) or 0)
        watermark = retention.purged_before(s)
    stmt = _messages_select(flt).order_by(MessageRow.id)
    if db.is_sqlite:  # naive UTC text: parse it ourselves, much faster than the generic processor
        stmt = stmt.with_only_columns(
            *(type_coerce(c, String) if c.key == "created_at" else c for c in stmt.selected_columns)
        )
    starts = FORMULA_STARTS

    def rows() -> Iterator[tuple]:
        minute = prefix = suffix = ""
        with db.engine.connect() as conn:
            result = conn.execution_options(yield_per=_BATCH).execute(stmt)
            for (
                mid,
                cid,
                at,
                channel,
                phone,
                name,
                direction,
                kind,
                author,
                status,
                code,
                error,
                segs,
                masked,
                body,
            ) in result:
                if at.__class__ is str:
                    # "YYYY-MM-DD HH:MM:SS.ffffff" in UTC. Zone offsets are whole minutes, so the local
                    # time is the converted minute (cached: rows come in time order) plus these seconds.
                    if at[:16] != minute:
                        minute = at[:16]
                        local = _parse(minute).astimezone(zone)
                        prefix, suffix = local.strftime("%Y-%m-%dT%H:%M:"), local.isoformat()[-6:]
                    stamp = prefix + at[17:19] + suffix
                    purged = watermark is not None and body == "" and _parse(at) < watermark
                else:
                    stamp = at.astimezone(zone).isoformat(timespec="seconds")
                    purged = watermark is not None and body == "" and at < watermark
                if masked:
                    body = MASK
                elif body[:1] in starts:
                    body = "'" + body
                yield (
                    mid,
                    cid,
                    stamp,
                    "'" + channel if channel[:1] in starts else channel,
                    "'" + phone if phone[:1] in starts else phone,
                    "'" + name if name and name[:1] in starts else name,
                    direction,
                    kind,
                    "'" + author if author and author[:1] in starts else author,
                    status,
                    code,
                    "'" + error if error and error[:1] in starts else error,
                    segs,
                    purged,
                    body,
                )

    return total, rows()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def export_messages(
    db: Database,
    actor: str,
    flt: ReportFilter,
    fmt: str,
    path: str | os.PathLike[str],
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    tz: tzinfo | None = None,
) -> ExportResult:
    """Every message the filter keeps, oldest first, as CSV or XLSX (see module docstring)."""
    who, scoped = _check(db, actor, flt)
    total, rows = _message_rows(db, scoped, _zone(tz))
    result = _write(fmt, Path(path), MESSAGE_COLUMNS, rows, total, progress, cancel, "messages")
    _audit(db, who, "messages", scoped, result)
    return result


# -- conversations -------------------------------------------------------------------------------
def _conversation_rows(db: Database, flt: ReportFilter, zone: tzinfo) -> tuple[int, Iterator[tuple]]:
    stmt = narrow(
        select(
            ConversationRow.id,
            ChannelRow.name,
            ContactRow.phone,
            ContactRow.display_name,
            ConversationRow.status,
            ConversationRow.assignee,
            ConversationRow.created_at,
            ConversationRow.last_activity_at,
            ConversationRow.waiting_since,
            func.coalesce(OptOutRow.opted_out, False),
        )
        .join(ContactRow, ContactRow.id == ConversationRow.contact_id)
        .join(ChannelRow, ChannelRow.id == ConversationRow.channel_id)
        .outerjoin(
            OptOutRow,
            (OptOutRow.contact_id == ConversationRow.contact_id) & (OptOutRow.channel_id == ConversationRow.channel_id),
        ),
        flt,
    )
    if flt.start is not None:
        stmt = stmt.where(ConversationRow.last_activity_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(ConversationRow.created_at < flt.end)
    with db.read() as s:
        total = int(s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    def stamp(at: datetime | None) -> str | None:
        return at.astimezone(zone).isoformat(timespec="seconds") if at else None

    def rows() -> Iterator[tuple]:
        with db.read() as s:
            for cid, channel, phone, name, status, assignee, created, last, waiting, opted in s.execute(
                stmt.order_by(ConversationRow.id).execution_options(yield_per=_BATCH)
            ):
                labels = s.scalars(
                    select(ConversationLabelRow.label)
                    .where(ConversationLabelRow.conversation_id == cid)
                    .order_by(ConversationLabelRow.label)
                )
                yield (
                    cid,
                    neutralise(channel),
                    neutralise(phone),
                    neutralise(name) if name else name,
                    ConversationStatus(status).value,
                    neutralise(assignee) if assignee else assignee,
                    neutralise(", ".join(labels)),
                    stamp(created),
                    stamp(last),
                    stamp(waiting),
                    bool(opted),
                )

    return total, rows()


def export_conversations(
    db: Database,
    actor: str,
    flt: ReportFilter,
    fmt: str,
    path: str | os.PathLike[str],
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    tz: tzinfo | None = None,
) -> ExportResult:
    """One row per conversation the filter keeps (active in the range), as CSV or XLSX."""
    who, scoped = _check(db, actor, flt)
    total, rows = _conversation_rows(db, scoped, _zone(tz))
    result = _write(fmt, Path(path), CONVERSATION_COLUMNS, rows, total, progress, cancel, "conversations")
    _audit(db, who, "conversations", scoped, result)
    return result


# -- metrics -------------------------------------------------------------------------------------
def export_metrics(
    db: Database,
    actor: str,
    flt: ReportFilter,
    path: str | os.PathLike[str],
    period: str | None = None,
    tz: tzinfo | None = None,
) -> ExportResult:
    """The metrics summary as XLSX: one sheet of periods, one of failure reasons, one of waiting."""
    from openpyxl import Workbook

    who = team.actor(db, actor)
    zone = _zone(tz)
    rep = metrics.report(db, actor, flt, period=period, tz=zone)
    target = Path(path)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("metrics")
    rows = list(metrics.iter_rows(rep))
    sheet.append(list(rows[0].keys()))
    for row in rows:
        sheet.append([_xlsx_value(v, zone) for v in row.values()])
    reasons = wb.create_sheet("failure reasons")
    reasons.append(["error_code", "error_message", "count"])
    for r in rep.total.failure_reasons:
        reasons.append([r.error_code, xlsx_text(neutralise(r.error_message or "")), r.count])
    waiting = wb.create_sheet("waiting now")
    waiting.append(["conversations", "oldest_since", "oldest_wait_s"])
    waiting.append(
        [rep.waiting.conversations, _xlsx_value(rep.waiting.oldest_since, zone), rep.waiting.oldest_wait_seconds]
    )
    partial = private_files.reserve(target.with_name(target.name + ".part"))
    wb.save(partial)
    partial.replace(target)
    result = ExportResult(target, "xlsx", len(rows), False)
    _audit(db, who, "metrics", rep.filter, result)
    return result


def _xlsx_value(value: Any, zone: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None)  # Excel has no zones: local wall time
    return value


def default_folder() -> Path:
    """Where an export is suggested: the platform's documents folder (platformdirs: XDG's
    DOCUMENTS on Linux, Documents on Windows and macOS) if it exists, else the home folder. A
    folder that does not exist is never suggested: a fresh account often has no ~/Documents."""
    from platformdirs import user_documents_dir

    documents = Path(user_documents_dir())
    return documents if documents.is_dir() else Path.home()


# -- writing -------------------------------------------------------------------------------------
def export_poll_results(db: Database, actor: str, poll_id: int, path: Path, fmt: str) -> ExportResult:
    """A poll's results table (option, label, votes, share) through the one file writer: written
    beside the target and renamed into place, so a half-written file never appears; audited."""
    from inbox.store import polls

    with db.read() as s:
        results = polls.results(s, poll_id)
    if results is None:
        raise ValueError(f"no poll {poll_id}")
    rows = [(neutralise(o.key), neutralise(o.label), o.votes, round(o.share, 4)) for o in results.options]
    result = _write(
        fmt, Path(path), ("option", "label", "votes", "share"), iter(rows), len(rows), None, None, "poll results"
    )
    with db.write() as s:
        audit.record(s, actor, "export", f"poll:{poll_id}", format=fmt, rows=result.rows)
    return result


def _write(
    fmt: str,
    target: Path,
    columns: Sequence[str],
    rows: Iterator[tuple],
    total: int,
    progress: Progress | None,
    cancel: threading.Event | None,
    sheet: str,
) -> ExportResult:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    partial = target.with_name(target.name + ".part")
    writer = _write_csv if fmt == "csv" else _write_xlsx
    try:
        private_files.reserve(partial)
        done, cancelled = writer(partial, columns, rows, total, progress, cancel, sheet)
    except OSError as exc:  # a full disk half-way, a folder that went away: in plain words
        with contextlib.suppress(OSError):  # no partial file may be there to remove (no folder)
            partial.unlink(missing_ok=True)
        raise private_files.CannotWrite(exc.errno or 0, private_files.plain_reason(exc, target)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()  # ends the streaming read (and its session) when a job stops early
    if cancelled:
        partial.unlink(missing_ok=True)
    else:
        partial.replace(target)
    return ExportResult(target, fmt, done, cancelled)


def _write_csv(path, columns, rows, total, progress, cancel, _sheet) -> tuple[int, bool]:
    done = 0
    # UTF-8 with a byte-order mark: Excel then reads emoji and Arabic correctly.
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        batch: list[list] = []
        for row in rows:
            batch.append(row)  # already neutralised by the row source
            if len(batch) == _BATCH:
                out.writerows(batch)
                done += len(batch)
                batch.clear()
                if progress:
                    progress(done, total)
                if cancel is not None and cancel.is_set():
                    return done, True
        out.writerows(batch)
        done += len(batch)
    if progress:
        progress(done, total)
    return done, False


def _write_xlsx(path, columns, rows, total, progress, cancel, sheet_name) -> tuple[int, bool]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    phone_at = {i for i, c in enumerate(columns) if c in PHONE_COLUMNS}
    sheet = None
    in_sheet = XLSX_MAX_ROWS
    done = 0
    for row in rows:
        if in_sheet >= XLSX_MAX_ROWS:  # a new sheet past Excel's row limit
            sheet = wb.create_sheet(sheet_name if sheet is None else f"{sheet_name} {len(wb.worksheets) + 1}")
            sheet.append(list(columns))
            in_sheet = 1
        cells: list[Any] = []
        for i, v in enumerate(row):
            if i in phone_at and v.__class__ is str and v[:1] == "'" and is_e164(v[1:]):
                cell = WriteOnlyCell(sheet, value=v[1:])
                cell.quotePrefix = True  # shown as +1555…, stored as text, never a formula
                cells.append(cell)
            else:
                cells.append(xlsx_text(v) if v.__class__ is str else v)
        sheet.append(cells)
        in_sheet += 1
        done += 1
        if done % _BATCH == 0:
            if progress:
                progress(done, total)
            if cancel is not None and cancel.is_set():
                # Finish the write-only sheets' temp files before the caller deletes the partial file;
                # an abandoned one fails later when garbage collection closes it.
                wb.save(path)
                return done, True
    if sheet is None:
        wb.create_sheet(sheet_name).append(list(columns))
    wb.save(path)
    if progress:
        progress(done, total)
    return done, False


def _audit(db: Database, who: Actor, what: str, flt: ReportFilter, result: ExportResult) -> None:
    with db.write() as s:
        audit.record(
            s,
            who.name,
            "export",
            what,
            format=result.fmt,
            rows=result.rows,
            cancelled=result.cancelled,
            filter=flt.describe(),
        )
