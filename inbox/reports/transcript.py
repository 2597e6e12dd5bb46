"""One thread as a printable transcript: the data behind the PDF (rendered by inbox.ui.reports_pdf).

Built here, without Qt, so the permission check, masking and the audit event do not depend on who
renders it. Times are in the viewer's time zone; verification codes are bullets; purged bodies say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select

from inbox.core.models import AuthorKind, Direction
from inbox.reports import team
from inbox.reports.cells import MASK
from inbox.store import audit, conversations, retention
from inbox.store.agents import Role
from inbox.store.db import Database
from inbox.store.models import ChannelRow, MessageRow, utcnow

PURGED = "[text removed by the retention policy]"


class NotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    at: datetime  # in the viewer's time zone
    who: str
    direction: str  # inbound, outbound, internal
    body: str  # already masked or marked purged: safe to print
    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class Transcript:
    conversation_id: int
    channel_name: str
    channel_number: str
    contact_phone: str
    contact_name: str | None
    assignee: str | None
    status: str
    labels: tuple[str, ...]
    participants: tuple[str, ...]
    timezone: str
    generated_at: datetime
    generated_by: str
    lines: tuple[TranscriptLine, ...]


def _who(kind: str, author: str | None, customer: str) -> str:
    if kind == AuthorKind.CUSTOMER.value:
        return customer
    if kind == AuthorKind.AUTOMATION.value:
        return f"automation ({author})" if author else "automation"
    if kind == AuthorKind.NOTE.value:
        return f"note by {author or 'agent'}"
    if kind == AuthorKind.PROVIDER.value:
        return "provider"
    return author or "agent"


def build(
    db: Database,
    actor: str,
    conversation_id: int,
    tz: tzinfo | None = None,
    *,
    fmt: str = "pdf",
    include_notes: bool = False,
) -> Transcript:
    """The transcript of one thread for export; agents only for threads assigned to them. Audited."""
    zone = tz or datetime.now().astimezone().tzinfo or UTC
    who = team.actor(db, actor)
    with db.write() as s:
        conv = conversations.summary(s, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id}")
        if not who.at_least(Role.SUPERVISOR) and conv.assignee != who.name:
            raise team.PermissionDenied(f"{who.name} may export only conversations assigned to them")
        channel = s.get(ChannelRow, conv.channel_id)
        watermark = retention.purged_before(s)
        labels = tuple(conversations.labels(s, conversation_id))
        customer = conv.contact_name or conv.contact_phone
        stmt = select(MessageRow).where(MessageRow.conversation_id == conversation_id)
        if not include_notes:
            stmt = stmt.where(MessageRow.direction != "internal")
        lines = []
        participants = {customer}
        for m in s.scalars(stmt.order_by(MessageRow.created_at, MessageRow.id)):
            name = _who(m.author_kind, m.author, customer)
            participants.add(name)
            if m.masked:
                body = MASK
            elif retention.is_purged(m.body, m.created_at, watermark):
                body = PURGED
            else:
                body = m.body
            error = " ".join(str(p) for p in (m.error_code, m.error_message) if p) or None
            status = "" if m.direction == Direction.INBOUND.value else m.status
            lines.append(TranscriptLine(m.created_at.astimezone(zone), name, m.direction, body, status, error))
        audit.record(s, who.name, "export", f"conversation:{conversation_id}", format=fmt, rows=len(lines))
    return Transcript(
        conversation_id=conversation_id,
        channel_name=conv.channel_name,
        channel_number=channel.number if channel else "",
        contact_phone=conv.contact_phone,
        contact_name=conv.contact_name,
        assignee=conv.assignee,
        status=conv.status.value,
        labels=labels,
        participants=tuple(sorted(participants)),
        timezone=str(zone),
        generated_at=utcnow().astimezone(zone),
        generated_by=who.name,
        lines=tuple(lines),
    )
