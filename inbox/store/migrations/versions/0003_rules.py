"""keyword rules, subscription lists, lookup jobs

Revision ID: 0003_rules
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0003_rules"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_set_settings",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("days", sa.String(length=20), nullable=False),
        sa.Column("ack_text", sa.Text(), nullable=False),
        sa.Column("updated_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_rule_set_settings")),
    )
    op.create_table(
        "subscription_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("double_opt_in", sa.Boolean(), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_subscription_lists_name")),
    )
    op.create_table(
        "keyword_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("updated_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_keyword_rules_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_keyword_rules_name")),
    )
    op.create_table(
        "list_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("via_rule", sa.String(length=80), nullable=True),
        sa.Column("changed_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_list_memberships_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_list_memberships_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["subscription_lists.id"],
            name=op.f("fk_list_memberships_list_id_subscription_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_memberships")),
        sa.UniqueConstraint("list_id", "contact_id", "channel_id", name="uq_list_memberships_list_contact_channel"),
    )
    op.create_index(
        "ix_list_memberships_contact_channel", "list_memberships", ["contact_id", "channel_id"], unique=False
    )
    op.create_table(
        "keyword_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("changed_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["keyword_rules.id"],
            name=op.f("fk_keyword_rule_versions_rule_id_keyword_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_rule_versions")),
        sa.UniqueConstraint("rule_id", "version", name="uq_keyword_rule_versions_rule_version"),
    )
    op.create_table(
        "list_membership_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_list_membership_events_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_list_membership_events_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["subscription_lists.id"],
            name=op.f("fk_list_membership_events_list_id_subscription_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_message_id"],
            ["messages.id"],
            name=op.f("fk_list_membership_events_source_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_membership_events")),
    )
    op.create_index(
        op.f("ix_list_membership_events_contact_id"), "list_membership_events", ["contact_id"], unique=False
    )
    op.create_index(op.f("ix_list_membership_events_list_id"), "list_membership_events", ["list_id"], unique=False)
    op.create_table(
        "lookup_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("rule_name", sa.String(length=80), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=True),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_lookup_jobs_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_lookup_jobs_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_lookup_jobs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_lookup_jobs_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_jobs")),
        sa.UniqueConstraint("message_id", "rule_name", name="uq_lookup_jobs_message_rule"),
    )
    op.create_index("ix_lookup_jobs_status", "lookup_jobs", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lookup_jobs_status", table_name="lookup_jobs")
    op.drop_table("lookup_jobs")
    op.drop_index(op.f("ix_list_membership_events_list_id"), table_name="list_membership_events")
    op.drop_index(op.f("ix_list_membership_events_contact_id"), table_name="list_membership_events")
    op.drop_table("list_membership_events")
    op.drop_table("keyword_rule_versions")
    op.drop_index("ix_list_memberships_contact_channel", table_name="list_memberships")
    op.drop_table("list_memberships")
    op.drop_table("keyword_rules")
    op.drop_table("subscription_lists")
    op.drop_table("rule_set_settings")
