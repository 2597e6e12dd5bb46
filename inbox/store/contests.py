"""Contests: single-use codes (stored as digests), entries with per-period limits, recorded draws."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.core import durations, typed_text
from inbox.core import rules as core_rules
from inbox.core.engagement import code_digest, normalize_code
from inbox.store.engagement_tables import ContestCodeRow, ContestDrawRow, ContestEntryRow, ContestRow
from inbox.store.models import ContactRow, OptOutRow, max_length
from inbox.store.upsert import insert_ignore

VALID_REPLY = "You're in! Your entry is confirmed. Good luck!"
USED_REPLY = "Sorry, that code has already been used."
INVALID_REPLY = "Sorry, that code is not valid. Please check it and try again."
LIMIT_REPLY = "You have reached the entry limit for now. Thanks for playing!"


class EntryResult(enum.StrEnum):
    VALID = "valid"
    USED = "used"
    INVALID = "invalid"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class Contest:
    id: int
    channel_id: int
    name: str
    keyword: str | None
    uses_codes: bool
    max_entries: int
    period_seconds: int | None
    opens_at: datetime
    closes_at: datetime | None
    replies: dict[str, str]

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)


@dataclass(frozen=True, slots=True)
class Entrant:
    contact_id: int
    phone: str
    entries: int
    first_at: datetime


@dataclass(frozen=True, slots=True)
class Draw:
    id: int
    contest_id: int
    seed: str
    pool: tuple[int, ...]
    winners: tuple[int, ...]
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    duplicates: int
    empty: int


def _dto(row: ContestRow) -> Contest:
    return Contest(
        row.id,
        row.channel_id,
        row.name,
        row.keyword,
        row.uses_codes,
        row.max_entries,
        row.period_seconds,
        row.opens_at,
        row.closes_at,
        {
            EntryResult.VALID: row.valid_reply,
            EntryResult.USED: row.used_reply,
            EntryResult.INVALID: row.invalid_reply,
            EntryResult.LIMIT: row.limit_reply,
        },
    )


def create(
    session: Session,
    *,
    channel_id: int,
    name: str,
    opens_at: datetime,
    keyword: str | None = None,
    uses_codes: bool = False,
    max_entries: int = 1,
    period_seconds: int | None = None,
    closes_at: datetime | None = None,
) -> Contest:
    if not keyword and not uses_codes:
        raise ValueError("a contest is entered by a keyword, by codes, or both")
    if period_seconds is not None:
        durations.CONTEST_PERIOD.check(period_seconds / 3600)
    name = typed_text.printable_line(name, "The contest name", max_length(ContestRow.name))
    row = ContestRow(
        channel_id=channel_id,
        name=name,
        keyword=core_rules.normalize_keyword(keyword) if keyword else None,
        uses_codes=uses_codes,
        max_entries=max_entries,
        period_seconds=period_seconds,
        opens_at=opens_at,
        closes_at=closes_at,
        valid_reply=VALID_REPLY,
        used_reply=USED_REPLY,
        invalid_reply=INVALID_REPLY,
        limit_reply=LIMIT_REPLY,
    )
    session.add(row)
    session.flush()
    return _dto(row)


def get(session: Session, contest_id: int) -> Contest | None:
    row = session.get(ContestRow, contest_id)
    return _dto(row) if row else None


def all_contests(session: Session) -> list[Contest]:
    return [_dto(r) for r in session.scalars(select(ContestRow).order_by(ContestRow.id))]


def open_on(session: Session, channel_id: int, at: datetime) -> list[Contest]:
    rows = session.scalars(select(ContestRow).where(ContestRow.channel_id == channel_id).order_by(ContestRow.id))
    return [c for c in (_dto(r) for r in rows) if c.is_open(at)]


def import_codes(session: Session, contest_id: int, codes: Iterable[str]) -> ImportReport:
    added = duplicates = empty = 0
    for code in codes:
        if not normalize_code(code):
            empty += 1
            continue
        values = {"contest_id": contest_id, "digest": code_digest(contest_id, code), "used_by": None, "used_at": None}
        if insert_ignore(session, ContestCodeRow.__table__, values, ["contest_id", "digest"]) is None:
            duplicates += 1
        else:
            added += 1
    return ImportReport(added, duplicates, empty)


def _code_row(session: Session, contest_id: int, code: str) -> ContestCodeRow | None:
    return session.scalar(
        select(ContestCodeRow).where(
            ContestCodeRow.contest_id == contest_id, ContestCodeRow.digest == code_digest(contest_id, code)
        )
    )


def has_code(session: Session, contest_id: int, code: str) -> bool:
    """Whether `code` is one of the contest's codes, used or not."""
    return _code_row(session, contest_id, code) is not None


def entries_since(session: Session, contest: Contest, contact_id: int, at: datetime) -> int:
    stmt = select(func.count()).where(
        ContestEntryRow.contest_id == contest.id, ContestEntryRow.contact_id == contact_id
    )
    if contest.period_seconds:
        stmt = stmt.where(ContestEntryRow.at > at - timedelta(seconds=contest.period_seconds))
    return session.scalar(stmt) or 0


def enter(
    session: Session, contest: Contest, contact_id: int, code: str | None, message_id: int, at: datetime
) -> EntryResult:
    """Validate and record one entry attempt. A code is checked before the limit so a used or wrong
    code always gets its own answer."""
    code_row = None
    if contest.uses_codes:
        if not code:
            return EntryResult.INVALID
        code_row = _code_row(session, contest.id, code)
        if code_row is None:
            return EntryResult.INVALID
        if code_row.used_by is not None:
            return EntryResult.USED
    if entries_since(session, contest, contact_id, at) >= contest.max_entries:
        return EntryResult.LIMIT
    if code_row is not None:
        code_row.used_by = contact_id
        code_row.used_at = at
    session.add(
        ContestEntryRow(
            contest_id=contest.id,
            contact_id=contact_id,
            code_id=code_row.id if code_row else None,
            message_id=message_id,
            at=at,
        )
    )
    session.flush()
    return EntryResult.VALID


def code_counts(session: Session) -> dict[int, tuple[int, int]]:
    """Per contest with a code pack: (codes imported, codes used)."""
    stmt = select(ContestCodeRow.contest_id, func.count(), func.count(ContestCodeRow.used_by)).group_by(
        ContestCodeRow.contest_id
    )
    return {cid: (total, used) for cid, total, used in session.execute(stmt)}


def entrants(session: Session, contest_id: int) -> list[Entrant]:
    rows = session.execute(
        select(ContestEntryRow.contact_id, ContactRow.phone, func.count(), func.min(ContestEntryRow.at))
        .join(ContactRow, ContactRow.id == ContestEntryRow.contact_id)
        .where(ContestEntryRow.contest_id == contest_id)
        .group_by(ContestEntryRow.contact_id, ContactRow.phone)
        .order_by(ContestEntryRow.contact_id)
    )
    return [Entrant(cid, phone, n, first) for cid, phone, n, first in rows]


def eligible_ids(session: Session, contest: Contest) -> list[int]:
    """Entrants who have not opted out of the contest's channel, sorted by contact id."""
    opted_out = set(
        session.scalars(
            select(OptOutRow.contact_id).where(
                OptOutRow.channel_id == contest.channel_id, OptOutRow.opted_out.is_(True)
            )
        )
    )
    return sorted(e.contact_id for e in entrants(session, contest.id) if e.contact_id not in opted_out)


def record_draw(
    session: Session, contest_id: int, seed: str, pool: list[int], winners: tuple[int, ...], actor: str, at: datetime
) -> Draw:
    row = ContestDrawRow(contest_id=contest_id, seed=seed, pool=pool, winners=list(winners), actor=actor, at=at)
    session.add(row)
    session.flush()
    return Draw(row.id, contest_id, seed, tuple(pool), winners, actor, at)


def draws(session: Session, contest_id: int) -> list[Draw]:
    rows = session.scalars(
        select(ContestDrawRow).where(ContestDrawRow.contest_id == contest_id).order_by(ContestDrawRow.id)
    )
    return [Draw(r.id, r.contest_id, r.seed, tuple(r.pool), tuple(r.winners), r.actor, r.at) for r in rows]
