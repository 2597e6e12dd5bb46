"""Tables for working as a team: each desktop's presence and each channel's assignment policy.

`presence` is written every few seconds by every desktop. It is deliberately outside whatever
records changes for the views to replay: a heartbeat changes nothing a customer or an audit cares
about, and readers poll it instead (it holds one small row per desktop).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class PresenceRow(Base):
    """One desktop session's heartbeat: who, how present, which conversation it shows and types in."""

    __tablename__ = "presence"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(String(120), index=True)
    state: Mapped[str] = mapped_column(String(10))  # core.presence.PresenceState
    # Plain ids, no foreign keys: a heartbeat must never fail or cascade because a thread was deleted.
    viewing_conversation_id: Mapped[int | None] = mapped_column(Integer)
    typing_conversation_id: Mapped[int | None] = mapped_column(Integer)
    typing_until: Mapped[datetime | None]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AssignmentPolicyRow(Base):
    """A channel's auto-assignment setting (absent = off) and where its round robin stands."""

    __tablename__ = "assignment_policies"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    when_offline: Mapped[str] = mapped_column(String(20), default="keep")  # core.presence.OfflinePolicy
    last_assignee: Mapped[str | None] = mapped_column(String(120))
    assign_on_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
