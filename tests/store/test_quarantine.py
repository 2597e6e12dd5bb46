"""Quarantine keeps one row per distinct (channel, reason, payload), on both backends, and a database
that already holds the same bad record many times migrates to that shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from inbox.store import quarantine
from inbox.store.db import Database
from inbox.store.migrations import upgrade
from inbox.store.models import QuarantineRow, UTCDateTime
from tests.conftest import add_channel

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _rows(db: Database) -> list[QuarantineRow]:
    with db.read() as s:
        return list(s.scalars(sa.select(QuarantineRow).order_by(QuarantineRow.id)))


def test_a_payload_seen_again_counts_on_its_row(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
        other = add_channel(s, name="other", number="+15550002222")
    for i in range(3):
        with db.write() as s:
            quarantine.keep(s, channel.id, "missing body", '{"sid": "SM1"}', at=T0 + timedelta(seconds=i))
    with db.write() as s:
        quarantine.keep(s, channel.id, "missing body", '{"sid": "SM2"}', at=T0)
        quarantine.keep(s, channel.id, "missing from", '{"sid": "SM1"}', at=T0)
        quarantine.keep(s, other.id, "missing body", '{"sid": "SM1"}', at=T0)
        quarantine.keep(s, None, "missing body", '{"sid": "SM1"}', at=T0)
        quarantine.keep(s, None, "missing body", '{"sid": "SM1"}', at=T0 + timedelta(minutes=1))
    rows = _rows(db)
    assert [(r.channel_id, r.reason, r.raw, r.count) for r in rows] == [
        (channel.id, "missing body", '{"sid": "SM1"}', 3),
        (channel.id, "missing body", '{"sid": "SM2"}', 1),
        (channel.id, "missing from", '{"sid": "SM1"}', 1),
        (other.id, "missing body", '{"sid": "SM1"}', 1),
        (None, "missing body", '{"sid": "SM1"}', 2),
    ]
    assert (rows[0].at, rows[0].last_seen_at) == (T0, T0 + timedelta(seconds=2))
    assert rows[-1].last_seen_at == T0 + timedelta(minutes=1)


def test_a_payload_no_database_can_hold_is_kept_readable(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
        quarantine.keep(s, channel.id, "bad \x00 reason", b'{"body": "nul \x00 and \xff"}')
        quarantine.keep(s, channel.id, "lone", '{"body": "half \ud83d emoji"}')
    assert [(r.reason, r.raw) for r in _rows(db)] == [
        ("bad \ufffd reason", '{"body": "nul \ufffd and \ufffd"}'),
        ("lone", '{"body": "half \ufffd emoji"}'),
    ]


def test_duplicate_rows_of_an_existing_database_fold_into_one(db_url) -> None:
    database = Database(db_url)
    try:
        upgrade(database.engine, "0001")
        channels = sa.table(
            "channels",
            *(sa.column(c) for c in ("id", "name", "provider", "number", "account_sid", "auth_token_ref")),
            *(sa.column(c) for c in ("provider_handles_opt_out", "help_text", "poll_interval_seconds", "active")),
            sa.column("created_at", UTCDateTime()),
        )
        old = sa.table(
            "quarantine",
            sa.column("channel_id"),
            sa.column("at", UTCDateTime()),
            sa.column("reason"),
            sa.column("raw"),
        )
        with database.engine.begin() as conn:
            conn.execute(
                channels.insert(),
                [
                    {
                        "id": 1,
                        "name": "main",
                        "provider": "twilio",
                        "number": "+15550001111",
                        "account_sid": "AC" + "0" * 32,
                        "auth_token_ref": "env:X",
                        "provider_handles_opt_out": True,
                        "help_text": "",
                        "poll_interval_seconds": 5.0,
                        "active": True,
                        "created_at": T0,
                    }
                ],
            )
            bad = '{"sid": "SMbad", "body": null}'
            conn.execute(
                old.insert(),
                [
                    {"channel_id": 1, "at": T0 + timedelta(seconds=i), "reason": "missing body", "raw": bad}
                    for i in range(24)
                ]
                + [
                    {"channel_id": 1, "at": T0, "reason": "missing body", "raw": '{"sid": "SMother"}'},
                    {"channel_id": None, "at": T0, "reason": "missing body", "raw": bad},
                    {"channel_id": None, "at": T0 + timedelta(hours=1), "reason": "missing body", "raw": bad},
                    {"channel_id": 1, "at": T0, "reason": "implausible date", "raw": bad},
                ],
            )
        database.upgrade()
        rows = _rows(database)
        assert [(r.channel_id, r.reason, r.raw, r.count) for r in rows] == [
            (1, "missing body", bad, 24),
            (1, "missing body", '{"sid": "SMother"}', 1),
            (None, "missing body", bad, 2),
            (1, "implausible date", bad, 1),
        ]
        assert rows[0].id == 1 and rows[0].at == T0 and rows[0].last_seen_at == T0 + timedelta(seconds=23)
        assert rows[2].last_seen_at == T0 + timedelta(hours=1)

        with database.write() as s:  # the app finds the migrated row: one more sighting, not a new row
            quarantine.keep(s, 1, "missing body", bad, at=T0 + timedelta(days=1))
        rows = _rows(database)
        assert len(rows) == 4 and rows[0].count == 25 and rows[0].last_seen_at == T0 + timedelta(days=1)
    finally:
        database.dispose()
