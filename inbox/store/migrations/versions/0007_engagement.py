"""engagement: polls, surveys, CSAT, contests, broadcasts, send settings, DLT templates, quiet hours

Revision ID: 0007_engagement
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0007_engagement"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiet_hours",
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_quiet_hours")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=60), nullable=True),
        sa.Column("contact_ids", sa.JSON(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dlt_template_id", sa.String(length=40), nullable=True),
        sa.Column("dlt_category", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fanned_out_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_broadcasts_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index("ix_broadcasts_status_scheduled", "broadcasts", ["status", "scheduled_at"], unique=False)
    op.create_table(
        "channel_send_settings",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("rate_per_second", sa.Float(), nullable=False),
        sa.Column("price_per_segment", sa.Float(), nullable=False),
        sa.Column("dlt_entity_id", sa.String(length=40), nullable=True),
        sa.Column("dlt_sender_id", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_send_settings_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_send_settings")),
    )
    op.create_table(
        "contests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("keyword", sa.String(length=60), nullable=True),
        sa.Column("uses_codes", sa.Boolean(), nullable=False),
        sa.Column("max_entries", sa.Integer(), nullable=False),
        sa.Column("period_seconds", sa.Integer(), nullable=True),
        sa.Column("opens_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_reply", sa.Text(), nullable=False),
        sa.Column("used_reply", sa.Text(), nullable=False),
        sa.Column("invalid_reply", sa.Text(), nullable=False),
        sa.Column("limit_reply", sa.Text(), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_contests_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contests")),
        sa.UniqueConstraint("name", name=op.f("uq_contests_name")),
    )
    op.create_table(
        "csat_settings",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("thanks", sa.Text(), nullable=False),
        sa.Column("enabled_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_csat_settings_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_csat_settings")),
    )
    op.create_table(
        "dlt_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_dlt_templates_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dlt_templates")),
        sa.UniqueConstraint("channel_id", "template_id", name="uq_dlt_templates_channel_template"),
    )
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("opens_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_vote_counts", sa.Boolean(), nullable=False),
        sa.Column("vote_reply", sa.Text(), nullable=False),
        sa.Column("invalid_reply", sa.Text(), nullable=False),
        sa.Column("closed_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_polls_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("trigger_keyword", sa.String(length=60), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("thanks", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_surveys_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("name", name=op.f("uq_surveys_name")),
    )
    op.create_table(
        "contest_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("used_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name=op.f("fk_contest_codes_contest_id_contests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["contacts.id"], name=op.f("fk_contest_codes_used_by_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_codes")),
        sa.UniqueConstraint("contest_id", "digest", name="uq_contest_codes_contest_digest"),
    )
    op.create_table(
        "contest_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("winners", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name=op.f("fk_contest_draws_contest_id_contests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_draws")),
    )
    op.create_table(
        "csat_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("after_message_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=True),
        sa.Column("asked_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_requests_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_requests")),
        sa.UniqueConstraint("conversation_id", "after_message_id", name="uq_csat_requests_conv_after"),
    )
    op.create_table(
        "csat_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_responses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_responses")),
    )
    op.create_index(op.f("ix_csat_responses_agent"), "csat_responses", ["agent"], unique=False)
    op.create_index(op.f("ix_csat_responses_conversation_id"), "csat_responses", ["conversation_id"], unique=False)
    op.create_table(
        "survey_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_survey_sessions_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_survey_sessions_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_sessions_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_sessions")),
        sa.UniqueConstraint("survey_id", "contact_id", name="uq_survey_sessions_survey_contact"),
    )
    op.create_index("ix_survey_sessions_state", "survey_sessions", ["state", "expires_at"], unique=False)
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("deferred", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_broadcast_recipients_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_broadcast_recipients_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "contact_id", name=op.f("pk_broadcast_recipients")),
    )
    op.create_index(op.f("ix_broadcast_recipients_message_id"), "broadcast_recipients", ["message_id"], unique=False)
    op.create_table(
        "contest_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["contest_codes.id"],
            name=op.f("fk_contest_entries_code_id_contest_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contest_entries_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name=op.f("fk_contest_entries_contest_id_contests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_contest_entries_message_id_messages"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_entries")),
        sa.UniqueConstraint("code_id", name="uq_contest_entries_code_id"),
        sa.UniqueConstraint("message_id", name="uq_contest_entries_message_id"),
    )
    op.create_index(
        "ix_contest_entries_contest_contact", "contest_entries", ["contest_id", "contact_id", "at"], unique=False
    )
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("option_key", sa.String(length=60), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_poll_votes_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_poll_votes_message_id_messages"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_votes_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint("poll_id", "contact_id", name="uq_poll_votes_poll_contact"),
    )


def downgrade() -> None:
    op.drop_table("poll_votes")
    op.drop_table("contest_entries")
    op.drop_table("broadcast_recipients")
    op.drop_table("survey_sessions")
    op.drop_table("csat_responses")
    op.drop_table("csat_requests")
    op.drop_table("contest_draws")
    op.drop_table("contest_codes")
    op.drop_table("surveys")
    op.drop_table("polls")
    op.drop_table("dlt_templates")
    op.drop_table("csat_settings")
    op.drop_table("contests")
    op.drop_table("channel_send_settings")
    op.drop_table("broadcasts")
    op.drop_table("quiet_hours")
