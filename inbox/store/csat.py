"""Customer satisfaction: the per-channel setting, the ratings asked and the answers.

`csat_responses(conversation_id, agent, score, at)` is the table the supervisor metrics read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.core.models import Direction
from inbox.store.engagement_tables import CsatRequestRow, CsatResponseRow, CsatSettingRow
from inbox.store.models import ConversationRow, MessageRow, utcnow
from inbox.store.upsert import insert_ignore

ANSWER_WITHIN = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class CsatSetting:
    channel_id: int
    enabled: bool
    prompt: str
    thanks: str
    enabled_at: datetime


@dataclass(frozen=True, slots=True)
class PendingAsk:
    conversation_id: int
    channel_id: int
    after_message_id: int
    agent: str | None


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A rating asked and not answered yet: the one a "1"–"5" reply answers."""

    id: int
    conversation_id: int
    agent: str | None


@dataclass(frozen=True, slots=True)
class CsatResponse:
    conversation_id: int
    agent: str | None
    score: int
    at: datetime


def setting(session: Session, channel_id: int) -> CsatSetting | None:
    row = session.get(CsatSettingRow, channel_id)
    return CsatSetting(row.channel_id, row.enabled, row.prompt, row.thanks, row.enabled_at) if row else None


def configure(session: Session, channel_id: int, *, enabled: bool, prompt: str | None = None) -> CsatSetting:
    row = session.get(CsatSettingRow, channel_id)
    if row is None:
        row = CsatSettingRow(channel_id=channel_id, enabled=enabled, enabled_at=utcnow())
        session.add(row)
    if enabled and not row.enabled:
        row.enabled_at = utcnow()
    row.enabled = enabled
    if prompt:
        row.prompt = prompt
    session.flush()
    return CsatSetting(row.channel_id, row.enabled, row.prompt, row.thanks, row.enabled_at)


def due_asks(session: Session, limit: int = 200) -> list[PendingAsk]:
    """Resolved conversations on CSAT channels whose latest inbound (since enabling) was not asked about."""
    last_in = (
        select(MessageRow.conversation_id, func.max(MessageRow.id).label("last_id"))
        .where(MessageRow.direction == Direction.INBOUND.value)
        .group_by(MessageRow.conversation_id)
        .subquery()
    )
    rows = session.execute(
        select(ConversationRow.id, ConversationRow.channel_id, last_in.c.last_id, ConversationRow.assignee)
        .join(last_in, last_in.c.conversation_id == ConversationRow.id)
        .join(CsatSettingRow, CsatSettingRow.channel_id == ConversationRow.channel_id)
        .join(MessageRow, MessageRow.id == last_in.c.last_id)
        .outerjoin(
            CsatRequestRow,
            (CsatRequestRow.conversation_id == ConversationRow.id)
            & (CsatRequestRow.after_message_id == last_in.c.last_id),
        )
        .where(
            ConversationRow.status == "resolved",
            CsatSettingRow.enabled.is_(True),
            MessageRow.created_at >= CsatSettingRow.enabled_at,
            CsatRequestRow.id.is_(None),
        )
        .limit(limit)
    )
    return [PendingAsk(c, ch, last, agent) for c, ch, last, agent in rows]


def record_ask(session: Session, ask: PendingAsk, agent: str | None, at: datetime) -> bool:
    values = {
        "conversation_id": ask.conversation_id,
        "after_message_id": ask.after_message_id,
        "agent": agent,
        "asked_at": at,
        "answered": False,
    }
    return insert_ignore(session, CsatRequestRow.__table__, values, ["conversation_id", "after_message_id"]) is not None


def open_request(session: Session, conversation_id: int, at: datetime) -> OpenRequest | None:
    row = session.scalar(
        select(CsatRequestRow)
        .where(
            CsatRequestRow.conversation_id == conversation_id,
            CsatRequestRow.answered.is_(False),
            CsatRequestRow.asked_at >= at - ANSWER_WITHIN,
        )
        .order_by(CsatRequestRow.id.desc())
        .limit(1)
    )
    return OpenRequest(row.id, row.conversation_id, row.agent) if row is not None else None


def record_response(session: Session, request: OpenRequest, score: int, at: datetime) -> None:
    """Answer the request with `score` (it is asked no more) and keep the rating."""
    row = session.get(CsatRequestRow, request.id)
    if row is not None:
        row.answered = True
    session.add(CsatResponseRow(conversation_id=request.conversation_id, agent=request.agent, score=score, at=at))
    session.flush()


def responses(session: Session, since: datetime | None = None) -> list[CsatResponse]:
    stmt = select(CsatResponseRow).order_by(CsatResponseRow.at, CsatResponseRow.id)
    if since is not None:
        stmt = stmt.where(CsatResponseRow.at >= since)
    return [CsatResponse(r.conversation_id, r.agent, r.score, r.at) for r in session.scalars(stmt)]


def last_agent(session: Session, conversation_id: int) -> str | None:
    return session.scalar(
        select(MessageRow.author)
        .where(MessageRow.conversation_id == conversation_id, MessageRow.author_kind == "agent")
        .order_by(MessageRow.id.desc())
        .limit(1)
    )
