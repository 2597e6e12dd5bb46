"""India DLT: a channel's telemarketer ID beside its principal entity ID and header.

Infobip's `regional.indiaDlt` carries `telemarketerId` (the registered telemarketer the text goes
through; aggregators' customers are given one); kept per channel in `channel_send_settings`.

Revision ID: 0026_dlt_telemarketer
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_dlt_telemarketer"
down_revision = "0001"
branch_labels = None
depends_on = "0007_engagement"  # channel_send_settings


def upgrade() -> None:
    with op.batch_alter_table("channel_send_settings") as batch:
        batch.add_column(sa.Column("dlt_telemarketer_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_send_settings") as batch:
        batch.drop_column("dlt_telemarketer_id")
