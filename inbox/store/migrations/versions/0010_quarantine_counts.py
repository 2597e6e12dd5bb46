"""quarantine: one row per distinct (channel, reason, payload), with a count and the last sighting

The same bad record seen on every poll keeps one row and counts its sightings. Duplicates already
stored are folded into the oldest row (count = how many there were, last_seen_at = the newest of their times).

Revision ID: 0010_quarantine_counts
Revises: 0001
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0010_quarantine_counts"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 500

quarantine = sa.table(
    "quarantine",
    sa.column("id", sa.Integer()),
    sa.column("channel_id", sa.Integer()),
    sa.column("at", inbox.store.models.UTCDateTime(timezone=True)),
    sa.column("reason", sa.String()),
    sa.column("raw", sa.Text()),
    sa.column("digest", sa.String()),
    sa.column("count", sa.Integer()),
    sa.column("last_seen_at", inbox.store.models.UTCDateTime(timezone=True)),
)


def _digest(channel_id: int | None, reason: str, raw: str) -> str:
    """As `inbox.store.quarantine.digest` computes it (copied: a migration must not change later)."""
    h = hashlib.sha256()
    for part in ("" if channel_id is None else str(channel_id), reason, raw):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    kept: dict[str, list] = {}  # digest -> [id kept, count, last seen]
    doomed: list[int] = []
    last_id = 0
    while True:  # by id ranges: rows may be large (raw payloads), never all in memory at once
        rows = conn.execute(
            sa.select(quarantine.c.id, quarantine.c.channel_id, quarantine.c.at, quarantine.c.reason, quarantine.c.raw)
            .where(quarantine.c.id > last_id)
            .order_by(quarantine.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row_id, channel_id, at, reason, raw in rows:
            key = _digest(channel_id, reason, raw)
            entry = kept.get(key)
            if entry is None:
                kept[key] = [row_id, 1, at]
            else:
                entry[1] += 1
                entry[2] = max(entry[2], at)
                doomed.append(row_id)
        last_id = rows[-1][0]
    for start in range(0, len(doomed), BATCH):
        conn.execute(sa.delete(quarantine).where(quarantine.c.id.in_(doomed[start : start + BATCH])))
    updates = [{"row_id": i, "d": key, "n": n, "seen": at} for key, (i, n, at) in kept.items()]
    if updates:
        conn.execute(
            sa.update(quarantine)
            .where(quarantine.c.id == sa.bindparam("row_id"))
            .values(digest=sa.bindparam("d"), count=sa.bindparam("n"), last_seen_at=sa.bindparam("seen")),
            updates,
        )

    with op.batch_alter_table("quarantine") as batch:
        batch.alter_column("digest", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("count", existing_type=sa.Integer(), server_default=None)
        batch.alter_column("last_seen_at", existing_type=inbox.store.models.UTCDateTime(timezone=True), nullable=False)
        batch.create_unique_constraint("uq_quarantine_digest", ["digest"])


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_constraint("uq_quarantine_digest", type_="unique")
        batch.drop_column("last_seen_at")
        batch.drop_column("count")
        batch.drop_column("digest")
