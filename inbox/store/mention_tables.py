"""Whom a private note mentions, and whether they have seen it (`inbox.core.mentions` has the rule).

One row per (note, agent), written in the note's own transaction: a note that fails to be stored
leaves no mention behind, and a stored note always has its mentions. `seen_at` stays empty until
the mentioned agent opens the conversation; the "Mentions" view lists the conversations with rows
still unseen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base


class NoteMentionRow(Base):
    __tablename__ = "note_mentions"
    __table_args__ = (Index("ix_note_mentions_agent_seen", "agent", "seen_at"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    agent: Mapped[str] = mapped_column(String(120), primary_key=True)
    seen_at: Mapped[datetime | None]
