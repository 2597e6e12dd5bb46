"""Which automation state exists for a chunk of arriving messages, read in a few set queries.

Ingest asks these once per chunk to tell the messages no automation can touch (the common case)
from those that must run the full per-message chain. Every answer errs towards "maybe": a false
"maybe" only costs speed, a false "no" would skip an automation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inbox.core.verification import ChallengeStatus
from inbox.store import surveys
from inbox.store.engagement_tables import CsatRequestRow, SurveyRow, SurveySessionRow
from inbox.store.verification_tables import VerificationChallengeRow

_BATCH = 900


def verification_live(session: Session, channel_id: int, ended_since: datetime) -> bool:
    """Whether any challenge could take a reply on this channel: pending, or ended since `ended_since`."""
    t = VerificationChallengeRow
    stmt = (
        select(t.id)
        .where(or_(t.channel_id == channel_id, t.channel_id.is_(None)))
        .where(or_(t.status == ChallengeStatus.PENDING.value, t.ended_at >= ended_since))
        .limit(1)
    )
    return session.scalar(stmt) is not None


def surveying(session: Session, channel_id: int, contact_ids: Iterable[int]) -> set[int]:
    """Contacts with a running survey session on the channel (their replies are answers)."""
    ids = list(contact_ids)
    found: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        found.update(
            session.scalars(
                select(SurveySessionRow.contact_id).where(
                    SurveySessionRow.channel_id == channel_id,
                    SurveySessionRow.state == surveys.ACTIVE,
                    SurveySessionRow.contact_id.in_(ids[start : start + _BATCH]),
                )
            )
        )
    return found


def asking_csat(session: Session, conversation_ids: Iterable[int]) -> set[int]:
    """Conversations with an unanswered rating request (however old: the step checks its window)."""
    ids = list(conversation_ids)
    found: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        found.update(
            session.scalars(
                select(CsatRequestRow.conversation_id).where(
                    CsatRequestRow.answered.is_(False), CsatRequestRow.conversation_id.in_(ids[start : start + _BATCH])
                )
            )
        )
    return found


def survey_triggers(session: Session, channel_id: int) -> set[str]:
    """Trigger keywords of the channel's active surveys."""
    return {
        k
        for k in session.scalars(
            select(SurveyRow.trigger_keyword).where(SurveyRow.channel_id == channel_id, SurveyRow.active.is_(True))
        )
        if k
    }
