"""Tables of supervision: who is who (agents and roles), review notes, and app-wide settings.

Roles live in the database, not in the UI, so every layer that checks a permission reads the same
truth. Settings are key/value rows because they are few, rarely written, and each write is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class AgentRow(Base):
    """A person who works in the inbox, with one role: agent, supervisor or admin."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewRow(Base):
    """A supervisor's review note on a thread: never sent, kept apart from the customer's thread."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SettingRow(Base):
    """One app-wide setting (e.g. `retention_days`), stored as text."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
