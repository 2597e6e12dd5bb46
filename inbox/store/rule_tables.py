"""Tables of keyword automation: rules and their versions, subscription lists, lookup jobs, settings.

Rules keep every version so an admin can see what was live when a customer got a given reply.
Membership keeps its history because "when did this person join NEWS, and how" is a compliance
question. Lookup jobs exist so the network call happens after the ingest transaction commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class KeywordRuleRow(Base):
    """The current version of a rule (its spec as JSON, validated by inbox.core.rules)."""

    __tablename__ = "keyword_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    spec: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class KeywordRuleVersionRow(Base):
    """Every version ever saved, never updated or deleted."""

    __tablename__ = "keyword_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_keyword_rule_versions_rule_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("keyword_rules.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    spec: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120), default="")


class SubscriptionListRow(Base):
    __tablename__ = "subscription_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # normalised upper case ("NEWS")
    description: Mapped[str] = mapped_column(Text, default="")
    double_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListMembershipRow(Base):
    """Current state of one contact on one list through one channel: pending, member or left."""

    __tablename__ = "list_memberships"
    __table_args__ = (
        UniqueConstraint("list_id", "contact_id", "channel_id", name="uq_list_memberships_list_contact_channel"),
        Index("ix_list_memberships_contact_channel", "contact_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("subscription_lists.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10))
    via_rule: Mapped[str | None] = mapped_column(String(80))
    changed_at: Mapped[datetime]


class ListMembershipEventRow(Base):
    """History: every join, confirmation and departure, with its reason and source message."""

    __tablename__ = "list_membership_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("subscription_lists.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20))  # keyword, confirm, opt_out, agent
    at: Mapped[datetime]
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class LookupJobRow(Base):
    """A business-backend call to make after ingest commits; the reply is unique per (MO, rule)."""

    __tablename__ = "lookup_jobs"
    __table_args__ = (
        UniqueConstraint("message_id", "rule_name", name="uq_lookup_jobs_message_rule"),
        Index("ix_lookup_jobs_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    rule_name: Mapped[str] = mapped_column(String(80))
    rule_version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict] = mapped_column(JSON)  # the rule as it was when the message arrived
    variables: Mapped[dict] = mapped_column(JSON)  # template variables known at ingest (no secrets)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, running, done, failed, skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RuleSetSettingsRow(Base):
    """Fallback settings; scope "all" is the default, "channel:N" overrides it for one channel."""

    __tablename__ = "rule_set_settings"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    opens: Mapped[str] = mapped_column(String(5), default="09:00")
    closes: Mapped[str] = mapped_column(String(5), default="17:00")
    days: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    ack_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
