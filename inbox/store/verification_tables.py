"""Tables of identity verification: challenges, and which outbound messages carry their codes.

No column ever holds a code in clear: `code_digest` is a keyed HMAC for checking replies and
`code_sealed` an encrypted copy kept only until the outbox has handed the code to the provider.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class VerificationChallengeRow(Base):
    __tablename__ = "verification_challenges"
    __table_args__ = (Index("ix_verification_challenges_phone_status", "phone", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(32))
    # NULL only for a customer-started challenge that accepts the code on any of our numbers.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    code_length: Mapped[int] = mapped_column(Integer)
    code_salt: Mapped[str] = mapped_column(String(64))
    code_digest: Mapped[str] = mapped_column(String(64))
    code_sealed: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    max_sends: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(60))
    verified_at: Mapped[datetime | None]


class VerificationSendRow(Base):
    """One outbound message that carries (masked in `messages`) a challenge's code."""

    __tablename__ = "verification_sends"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("verification_challenges.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_verification_sends_phone_at", "phone", "at"),)
