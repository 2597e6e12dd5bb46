"""Audit trail: who did what, when. Details never hold phone numbers or codes in clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core.models import AuditEvent
from inbox.store.models import AuditEventRow


def record(
    session: Session, actor: str, action: str, subject: str, *, at: datetime | None = None, **detail: Any
) -> None:
    """One entry, now (or at `at`: made-up history dated in the past)."""
    when = {} if at is None else {"at": at}
    session.add(AuditEventRow(actor=actor, action=action, subject=subject, detail=detail, **when))


def recent(session: Session, limit: int = 100) -> list[AuditEvent]:
    rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit))
    return [AuditEvent(r.id, r.at, r.actor, r.action, r.subject, dict(r.detail or {})) for r in rows]
