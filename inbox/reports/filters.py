"""The filters shared by metrics, the review queue and exports, and how they narrow conversations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, select

from inbox.store.agents import Actor, scope_agent
from inbox.store.models import ConversationLabelRow, ConversationRow


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which conversations and which time range. Times are aware; `end` is exclusive.

    `agent` is the conversation's current assignee; `label` one of its labels.
    """

    start: datetime | None = None
    end: datetime | None = None
    channel_id: int | None = None
    agent: str | None = None
    label: str | None = None
    conversation_id: int | None = None

    def scoped_for(self, who: Actor) -> ReportFilter:
        """The same filter narrowed to what `who` may see (agents: their own conversations)."""
        return replace(self, agent=scope_agent(who, self.agent))

    def narrows_conversations(self) -> bool:
        return any(v is not None for v in (self.channel_id, self.agent, self.label, self.conversation_id))

    def describe(self) -> dict[str, object]:
        """For the audit trail: the filter without anything personal."""
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "channel_id": self.channel_id,
            "agent": self.agent,
            "label": self.label,
            "conversation_id": self.conversation_id,
        }


def narrow(stmt: Select, flt: ReportFilter) -> Select:
    """Add the conversation-level conditions to a statement that already involves ConversationRow."""
    if flt.channel_id is not None:
        stmt = stmt.where(ConversationRow.channel_id == flt.channel_id)
    if flt.agent is not None:
        stmt = stmt.where(ConversationRow.assignee == flt.agent)
    if flt.conversation_id is not None:
        stmt = stmt.where(ConversationRow.id == flt.conversation_id)
    if flt.label is not None:
        labelled = select(ConversationLabelRow.conversation_id).where(ConversationLabelRow.label == flt.label)
        stmt = stmt.where(ConversationRow.id.in_(labelled))
    return stmt


def conversation_ids(flt: ReportFilter) -> Select:
    """A sub-select of the ids of the conversations the filter keeps."""
    return narrow(select(ConversationRow.id), flt)
