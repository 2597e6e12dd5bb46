"""Surveys and each contact's progress through one, kept in rows so a restart loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.core import durations, typed_text
from inbox.core import rules as core_rules
from inbox.core.engagement import Question, question_from_dict, question_to_dict
from inbox.store.engagement_tables import SurveyRow, SurveySessionRow
from inbox.store.models import ContactRow, OptOutRow, max_length

ACTIVE = "active"
COMPLETED = "completed"
TIMED_OUT = "timed_out"
STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    channel_id: int
    name: str
    trigger_keyword: str | None
    questions: tuple[Question, ...]
    timeout_seconds: int
    intro: str
    thanks: str
    active: bool


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    survey_id: int
    contact_id: int
    step: int
    answers: tuple[str, ...]
    state: str
    started_at: datetime
    updated_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """One respondent, for exports: answers in question order ('' when not reached)."""

    phone: str
    state: str
    started_at: datetime
    updated_at: datetime
    answers: tuple[str, ...]


def _dto(row: SurveyRow) -> Survey:
    return Survey(
        row.id,
        row.channel_id,
        row.name,
        row.trigger_keyword,
        tuple(question_from_dict(q) for q in row.questions),
        row.timeout_seconds,
        row.intro,
        row.thanks,
        row.active,
    )


def _progress(row: SurveySessionRow) -> Progress:
    return Progress(
        row.id,
        row.survey_id,
        row.contact_id,
        row.step,
        tuple(row.answers or ()),
        row.state,
        row.started_at,
        row.updated_at,
        row.expires_at,
    )


def create(
    session: Session,
    *,
    channel_id: int,
    name: str,
    questions: list[Question],
    trigger_keyword: str | None = None,
    timeout_seconds: int = 86400,
    intro: str = "",
    thanks: str = "Thank you for your answers!",
) -> Survey:
    if not questions:
        raise ValueError("a survey needs at least one question")
    durations.SURVEY_TIMEOUT.check(timeout_seconds / 60)
    name = typed_text.printable_line(name, "The survey name", max_length(SurveyRow.name))
    row = SurveyRow(
        channel_id=channel_id,
        name=name,
        trigger_keyword=core_rules.normalize_keyword(trigger_keyword) if trigger_keyword else None,
        questions=[question_to_dict(q) for q in questions],
        timeout_seconds=timeout_seconds,
        intro=intro,
        thanks=thanks,
        active=True,
    )
    session.add(row)
    session.flush()
    return _dto(row)


def get(session: Session, survey_id: int) -> Survey | None:
    row = session.get(SurveyRow, survey_id)
    return _dto(row) if row else None


def all_surveys(session: Session) -> list[Survey]:
    return [_dto(r) for r in session.scalars(select(SurveyRow).order_by(SurveyRow.id))]


def by_trigger(session: Session, channel_id: int, keyword: str) -> Survey | None:
    row = session.scalar(
        select(SurveyRow).where(
            SurveyRow.channel_id == channel_id, SurveyRow.trigger_keyword == keyword, SurveyRow.active.is_(True)
        )
    )
    return _dto(row) if row else None


def active_for(session: Session, contact_id: int, channel_id: int) -> tuple[Survey, Progress] | None:
    row = session.scalar(
        select(SurveySessionRow)
        .where(
            SurveySessionRow.contact_id == contact_id,
            SurveySessionRow.channel_id == channel_id,
            SurveySessionRow.state == ACTIVE,
        )
        .order_by(SurveySessionRow.updated_at.desc())
        .limit(1)
    )
    if row is None:
        return None
    survey = get(session, row.survey_id)
    return (survey, _progress(row)) if survey else None


def start(session: Session, survey: Survey, contact_id: int, at: datetime) -> Progress | None:
    """Begin (or begin again, once finished) a contact's survey; None if one is already running."""
    row = session.scalar(
        select(SurveySessionRow).where(
            SurveySessionRow.survey_id == survey.id, SurveySessionRow.contact_id == contact_id
        )
    )
    expires = at + timedelta(seconds=survey.timeout_seconds)
    if row is None:
        row = SurveySessionRow(survey_id=survey.id, contact_id=contact_id, channel_id=survey.channel_id)
        session.add(row)
    elif row.state == ACTIVE and row.expires_at > at:
        return None
    row.step, row.answers, row.state = 0, [], ACTIVE
    row.started_at, row.updated_at, row.expires_at = at, at, expires
    session.flush()
    return _progress(row)


def record_answer(session: Session, progress_id: int, survey: Survey, answer: str, at: datetime) -> Progress:
    row = session.get(SurveySessionRow, progress_id)
    assert row is not None
    row.answers = [*(row.answers or []), answer]
    row.step += 1
    row.updated_at = at
    row.expires_at = at + timedelta(seconds=survey.timeout_seconds)
    if row.step >= len(survey.questions):
        row.state = COMPLETED
    session.flush()
    return _progress(row)


def end(session: Session, progress_id: int, state: str, at: datetime) -> None:
    session.execute(
        update(SurveySessionRow)
        .where(SurveySessionRow.id == progress_id, SurveySessionRow.state == ACTIVE)
        .values(state=state, updated_at=at)
    )


def expire_due(session: Session, now: datetime) -> int:
    """Active sessions past their timeout end as timed out."""
    result = session.execute(
        update(SurveySessionRow)
        .where(SurveySessionRow.state == ACTIVE, SurveySessionRow.expires_at <= now)
        .values(state=TIMED_OUT, updated_at=now)
    )
    return result.rowcount or 0


def stop_opted_out(session: Session, now: datetime) -> int:
    """A STOP ends a survey: compliance ends the chain on STOP, so this sweep closes the session."""
    ids = list(
        session.scalars(
            select(SurveySessionRow.id)
            .join(
                OptOutRow,
                (OptOutRow.contact_id == SurveySessionRow.contact_id)
                & (OptOutRow.channel_id == SurveySessionRow.channel_id),
            )
            .where(SurveySessionRow.state == ACTIVE, OptOutRow.opted_out.is_(True))
        )
    )
    if ids:
        session.execute(
            update(SurveySessionRow).where(SurveySessionRow.id.in_(ids)).values(state=STOPPED, updated_at=now)
        )
    return len(ids)


def responses(session: Session, survey_id: int) -> list[ResponseRow]:
    survey = get(session, survey_id)
    if survey is None:
        return []
    n = len(survey.questions)
    rows = session.execute(
        select(SurveySessionRow, ContactRow.phone)
        .join(ContactRow, ContactRow.id == SurveySessionRow.contact_id)
        .where(SurveySessionRow.survey_id == survey_id)
        .order_by(SurveySessionRow.started_at, SurveySessionRow.id)
    )
    out = []
    for row, phone in rows:
        answers = list(row.answers or [])[:n]
        out.append(
            ResponseRow(phone, row.state, row.started_at, row.updated_at, tuple(answers + [""] * (n - len(answers))))
        )
    return out
