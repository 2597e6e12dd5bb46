"""one active channel per number of a provider account

Two channels on one number store every inbound text twice and answer HELP twice. Numbers are
rewritten to E.164 first (rows written by scripts before the store normalised them); a number
that does not parse is left as it is. Then, of channels sharing (provider, account SID, number),
the oldest (lowest id) stays active and the others are set inactive: they keep their
conversations and history, but are no longer polled or listed, so the upgrade never fails and
nothing is deleted. The unique index covers active channels only.

Revision ID: 0012_channel_number_unique
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from inbox.core import phone

revision = "0012_channel_number_unique"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

channels = sa.table(
    "channels",
    sa.column("id", sa.Integer),
    sa.column("provider", sa.String),
    sa.column("account_sid", sa.String),
    sa.column("number", sa.String),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            channels.c.id, channels.c.provider, channels.c.account_sid, channels.c.number, channels.c.active
        ).order_by(channels.c.id)
    ).all()
    kept: set[tuple[str, str, str]] = set()
    for row in rows:
        try:
            number = phone.normalize(row.number)
        except phone.InvalidPhoneNumber:
            number = row.number
        values: dict[str, object] = {}
        if number != row.number:
            values["number"] = number
        key = (row.provider, row.account_sid, number)
        if row.active and key in kept:
            values["active"] = False
            log.warning("channel %d shares its number with an older channel: set inactive", row.id)
        elif row.active:
            kept.add(key)
        if values:
            conn.execute(sa.update(channels).where(channels.c.id == row.id).values(**values))
    op.create_index(
        "uq_channels_active_number",
        "channels",
        ["provider", "account_sid", "number"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_channels_active_number", table_name="channels")
