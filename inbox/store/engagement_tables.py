"""Tables of engagement: polls, surveys, CSAT, contests, broadcasts, send settings and DLT templates.

Idempotency is in the keys: one vote row per (poll, contact), one survey session per (survey,
contact), one entry per code, and one recipient row per (broadcast, contact) written in the same
transaction as its outbox message, so a crash mid fan-out can never queue a person twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class PollRow(Base):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)  # [{key, label, keywords}]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime | None]
    last_vote_counts: Mapped[bool] = mapped_column(Boolean, default=False)
    vote_reply: Mapped[str] = mapped_column(Text)
    invalid_reply: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollVoteRow(Base):
    """The counted vote of one contact (first or last, per the poll)."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "contact_id", name="uq_poll_votes_poll_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    option_key: Mapped[str] = mapped_column(String(60))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    changes: Mapped[int] = mapped_column(Integer, default=0)


class SurveyRow(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    trigger_keyword: Mapped[str | None] = mapped_column(String(60))
    questions: Mapped[list] = mapped_column(JSON)
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=86400)
    intro: Mapped[str] = mapped_column(Text, default="")
    thanks: Mapped[str] = mapped_column(Text, default="Thank you for your answers!")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveySessionRow(Base):
    """One contact's progress through one survey: survives restarts because it is a row."""

    __tablename__ = "survey_sessions"
    __table_args__ = (
        UniqueConstraint("survey_id", "contact_id", name="uq_survey_sessions_survey_contact"),
        Index("ix_survey_sessions_state", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="active")  # active, completed, timed_out, stopped
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class CsatSettingRow(Base):
    __tablename__ = "csat_settings"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    prompt: Mapped[str] = mapped_column(Text, default="How did we do? Rate us 1-5 (5 = great).")
    thanks: Mapped[str] = mapped_column(Text, default="Thank you for your rating!")
    enabled_at: Mapped[datetime] = mapped_column(default=utcnow)


class CsatRequestRow(Base):
    """A rating asked after a resolution: once per (conversation, last inbound message)."""

    __tablename__ = "csat_requests"
    __table_args__ = (UniqueConstraint("conversation_id", "after_message_id", name="uq_csat_requests_conv_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    after_message_id: Mapped[int] = mapped_column(Integer)
    agent: Mapped[str | None] = mapped_column(String(120))
    asked_at: Mapped[datetime]
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


class CsatResponseRow(Base):
    """Read by the supervisor metrics: csat_responses(conversation_id, agent, score, at)."""

    __tablename__ = "csat_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    agent: Mapped[str | None] = mapped_column(String(120), index=True)
    score: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]


class ContestRow(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    keyword: Mapped[str | None] = mapped_column(String(60))
    uses_codes: Mapped[bool] = mapped_column(Boolean, default=False)
    max_entries: Mapped[int] = mapped_column(Integer, default=1)  # per contact per period
    period_seconds: Mapped[int | None] = mapped_column(Integer)  # None: the whole contest
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime | None]
    valid_reply: Mapped[str] = mapped_column(Text)
    used_reply: Mapped[str] = mapped_column(Text)
    invalid_reply: Mapped[str] = mapped_column(Text)
    limit_reply: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContestCodeRow(Base):
    """A single-use code, stored as a digest (see inbox.core.engagement.code_digest)."""

    __tablename__ = "contest_codes"
    __table_args__ = (UniqueConstraint("contest_id", "digest", name="uq_contest_codes_contest_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    used_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


class ContestEntryRow(Base):
    __tablename__ = "contest_entries"
    __table_args__ = (
        UniqueConstraint("code_id", name="uq_contest_entries_code_id"),
        UniqueConstraint("message_id", name="uq_contest_entries_message_id"),
        Index("ix_contest_entries_contest_contact", "contest_id", "contact_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("contest_codes.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class ContestDrawRow(Base):
    """A winner draw: the seed is kept so an auditor can re-run it and get the same winners."""

    __tablename__ = "contest_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    seed: Mapped[str] = mapped_column(String(64))
    pool: Mapped[list] = mapped_column(JSON)  # eligible contact ids, sorted
    winners: Mapped[list] = mapped_column(JSON)  # contact ids, in draw order
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelSendSettingRow(Base):
    """Per-channel broadcast settings kept beside (not in) `channels`: rate, price, DLT identity."""

    __tablename__ = "channel_send_settings"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    rate_per_second: Mapped[float] = mapped_column(Float, default=1.0)
    price_per_segment: Mapped[float] = mapped_column(Float, default=0.0079)
    dlt_entity_id: Mapped[str | None] = mapped_column(String(40))  # India: principal entity ID
    dlt_sender_id: Mapped[str | None] = mapped_column(String(20))  # India: header / sender ID
    dlt_telemarketer_id: Mapped[str | None] = mapped_column(String(40))  # India: telemarketer ID (0026)


class DltTemplateRow(Base):
    __tablename__ = "dlt_templates"
    __table_args__ = (UniqueConstraint("channel_id", "template_id", name="uq_dlt_templates_channel_template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))  # promotional, transactional, service


class QuietHoursRow(Base):
    """Allowed local sending window per region ("*" = default for every other region)."""

    __tablename__ = "quiet_hours"

    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str | None] = mapped_column(String(60))


class BroadcastRow(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_scheduled", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    list_name: Mapped[str | None] = mapped_column(String(60))
    contact_ids: Mapped[list | None] = mapped_column(JSON)  # a filtered set instead of a list
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # marketing, transactional
    # scheduled → fanning_out → sending → done; paused; cancelled
    status: Mapped[str] = mapped_column(String(20))
    scheduled_at: Mapped[datetime]
    dlt_template_id: Mapped[str | None] = mapped_column(String(40))
    dlt_category: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    fanned_out_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BroadcastRecipientRow(Base):
    """The fan-out key: one outbox message per (broadcast, contact), whatever crashes."""

    __tablename__ = "broadcast_recipients"

    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)  # planned later for quiet hours
