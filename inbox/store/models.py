"""The schema, as SQLAlchemy 2 typed models. Idempotency lives here: unique keys make replays no-ops."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python on every backend (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def max_length(column: object) -> int | None:
    """The declared length of a String column (``ChannelRow.name`` -> 80), None when unbounded.

    Front ends validate against this so that the limit is stated once, in the schema: PostgreSQL
    refuses longer values with an error, SQLite would silently keep them.
    """
    return getattr(column.property.columns[0].type, "length", None)  # type: ignore[attr-defined]


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (
        # One active channel per number of a provider account: two would store every text twice
        # and answer HELP twice. Partial, so migration 0012 can keep older duplicates, inactive.
        Index(
            "uq_channels_active_number",
            "provider",
            "account_sid",
            "number",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(32))
    account_sid: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str | None] = mapped_column(String(400))
    auth_token_ref: Mapped[str] = mapped_column(String(200))
    provider_handles_opt_out: Mapped[bool] = mapped_column(Boolean, default=True)
    help_text: Mapped[str] = mapped_column(Text, default="")
    poll_interval_seconds: Mapped[float] = mapped_column(default=5.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OptOutRow(Base):
    """Current opt-out state of one contact on one channel (absent = never opted out)."""

    __tablename__ = "opt_outs"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))
    keyword: Mapped[str | None] = mapped_column(String(40))
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class OptOutEventRow(Base):
    """History of opt-out changes: compliance needs when, how and from which message."""

    __tablename__ = "opt_out_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    opted_out: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))
    keyword: Mapped[str | None] = mapped_column(String(40))
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("contact_id", "channel_id"),
        Index("ix_conversations_activity", "last_activity_at", "id"),
        Index("ix_conversations_status_activity", "status", "last_activity_at", "id"),
        # "Waiting longest" reads the waiting rows in waiting_since order, then the rest by id
        # (store.conversations.page); "Mine" reads one assignee's rows by activity.
        Index("ix_conversations_waiting", "waiting_since", "id"),
        Index("ix_conversations_status_waiting", "status", "waiting_since", "id"),
        Index("ix_conversations_assignee_activity", "assignee", "last_activity_at", "id"),
        Index("ix_conversations_assignee_waiting", "assignee", "waiting_since", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee: Mapped[str | None] = mapped_column(String(120))  # indexed with activity / waiting below
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[datetime | None]
    # When the customer started waiting for a human answer (None once an agent replied).
    waiting_since: Mapped[datetime | None]
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")
    last_message_direction: Mapped[str | None] = mapped_column(String(10))
    # customer / agent / automation...: the list shows "You:" only for an agent's own words.
    last_message_author_kind: Mapped[str | None] = mapped_column(String(20))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None]
    failed_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationLabelRow(Base):
    __tablename__ = "conversation_labels"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(60), primary_key=True)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "provider_message_id", name="uq_messages_channel_provider_id"),
        # An automation answers a given MO once, whatever happens (crash, replay).
        UniqueConstraint("reply_to_id", "author", name="uq_messages_reply_author"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_outbox", "status", "next_attempt_at"),
        # A failed message is retried once: its one copy names it (a second Retry is refused).
        Index("uq_messages_retry_of", "retry_of_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(String(400))
    encoding: Mapped[str] = mapped_column(String(10), default="GSM-7")
    num_segments: Mapped[int] = mapped_column(Integer, default=1)
    author_kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(120))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    masked: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str | None] = mapped_column(String(20))  # core.models.MessageKind
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    retry_of_id: Mapped[int | None] = mapped_column(Integer)  # the failed message this one sends again
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PollCursorRow(Base):
    __tablename__ = "poll_cursors"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    newest_date_sent: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelHealthRow(Base):
    __tablename__ = "channel_health"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    last_poll_ok_at: Mapped[datetime | None]
    last_send_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(400))
    last_error_at: Mapped[datetime | None]
    next_retry_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class LeaseRow(Base):
    """Leadership: the one process allowed to poll and send for an inbox."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class QuarantineRow(Base):
    """Provider payloads we could not parse, kept for diagnosis instead of stopping the pipeline.

    One row per distinct (channel, reason, payload) — `digest` — seen `count` times, first `at`,
    last `last_seen_at`: the same bad record on every poll does not add a row each time.
    """

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(400))
    raw: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
