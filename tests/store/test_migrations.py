"""Migrations on databases with data in them, and database errors told without customer data."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from inbox.store.db import Database
from inbox.store.migrations import config, is_current, upgrade

CONVERSATIONS, AUTOMATIC = 200, 10
# The first version of 0008's backfill, as databases upgraded before the fix ran it.
OLD_0008_BACKFILL = (
    "UPDATE conversations SET last_message_author_kind = CASE last_message_direction "
    "WHEN 'inbound' THEN 'customer' WHEN 'outbound' THEN 'agent' ELSE NULL END"
)


def _filler(column: sa.Column) -> Any:
    """A value for a NOT NULL column the test does not care about (the schema of 0001 may grow)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 1, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _rows(table: sa.Table, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    needed = [c for c in table.columns if not c.nullable and not c.primary_key and c.server_default is None]
    return [{**{c.name: _filler(c) for c in needed}, **row} for row in given]


def _seed(engine: sa.Engine) -> set[int]:
    """200 conversations, each a customer text and an answer; 10 answered last by an automation.

    Written with the tables as they are on disk (reflected), so it works before and after 0008.
    Returns the ids of the conversations whose last message was automatic.
    """
    meta = sa.MetaData()
    meta.reflect(engine, only=["channels", "contacts", "conversations", "messages"])
    t = meta.tables
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    automatic = set(range(1, CONVERSATIONS + 1, CONVERSATIONS // AUTOMATIC))
    with engine.begin() as conn:
        conn.execute(
            t["channels"].insert(), _rows(t["channels"], [{"id": 1, "name": "main", "number": "+15550001111"}])
        )
        people = [{"id": i, "phone": f"+1555100{i:04d}"} for i in range(1, CONVERSATIONS + 1)]
        conn.execute(t["contacts"].insert(), _rows(t["contacts"], people))
        convs, msgs = [], []
        for i in range(1, CONVERSATIONS + 1):
            at = start + timedelta(minutes=i)
            # Half the agent-answered ones had an automatic reply earlier: only the last one counts.
            kinds = ["automation", "agent"] if i % 2 == 0 and i not in automatic else ["agent"]
            if i in automatic:
                kinds = ["agent", "automation"]
            if i % 7 == 0 and i not in automatic:
                kinds = ["automation", "customer"]  # the customer wrote last
            convs.append(
                {
                    "id": i,
                    "contact_id": i,
                    "channel_id": 1,
                    "status": "open",
                    "last_activity_at": at,
                    "last_message_preview": "last words",
                    "last_message_direction": "inbound" if kinds[-1] == "customer" else "outbound",
                }
            )
            msgs.append(_message(i, "inbound", "customer", at - timedelta(minutes=1)))
            for n, kind in enumerate(kinds):
                direction = "inbound" if kind == "customer" else "outbound"
                msgs.append(_message(i, direction, kind, at + timedelta(seconds=n)))
            if i in automatic:  # a private note after the reply never moves the preview
                msgs.append({**_message(i, "internal", "note", at + timedelta(seconds=9)), "status": "note"})
        conn.execute(t["conversations"].insert(), _rows(t["conversations"], convs))
        conn.execute(t["messages"].insert(), _rows(t["messages"], msgs))
    return automatic


def _message(conv: int, direction: str, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "conversation_id": conv,
        "channel_id": 1,
        "direction": direction,
        "body": "words",
        "status": "received" if direction == "inbound" else "sent",
        "author_kind": kind,
        "author": None if kind == "customer" else kind,
        "from_number": "+15551000000",
        "to_number": "+15550001111",
        "created_at": at,
        "updated_at": at,
    }


def _expected(automatic: set[int]) -> dict[int, str]:
    out = {}
    for i in range(1, CONVERSATIONS + 1):
        out[i] = "automation" if i in automatic else "customer" if i % 7 == 0 else "agent"
    return out


def _authors(engine: sa.Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT id, last_message_author_kind FROM conversations")).all())


def test_0013_recomputes_who_wrote_last_in_a_database_the_old_0008_filled(db_url) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine, "0001")
        automatic = _seed(db.engine)
        upgrade(db.engine, "0008_last_author")
        with db.engine.begin() as conn:  # the state of a database upgraded before the fix
            conn.execute(sa.text(OLD_0008_BACKFILL))
        command.upgrade(config(db.engine), "heads")
        before_fix = {i for i, who in _authors(db.engine).items() if who == "automation"}
        assert before_fix == automatic and len(automatic) == AUTOMATIC
        assert _authors(db.engine) == _expected(automatic)
        assert is_current(db.engine)
    finally:
        db.dispose()


def test_a_database_from_before_0008_gets_the_right_authors_at_once(db_url) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine, "0001")
        automatic = _seed(db.engine)
        upgrade(db.engine, "0008_last_author")  # the fixed backfill alone already tells automation apart
        assert _authors(db.engine) == _expected(automatic)
        db.upgrade()
        assert _authors(db.engine) == _expected(automatic)
    finally:
        db.dispose()


def test_the_old_backfill_is_what_0013_repairs(sqlite_url) -> None:
    """Guard for the test above: the pre-fix state really is wrong (every automatic reply 'agent')."""
    db = Database(sqlite_url)
    try:
        upgrade(db.engine, "0001")
        automatic = _seed(db.engine)
        upgrade(db.engine, "0008_last_author")
        with db.engine.begin() as conn:
            conn.execute(sa.text(OLD_0008_BACKFILL))
        assert {_authors(db.engine)[i] for i in automatic} == {"agent"}
    finally:
        db.dispose()


# -- errors, told without customer data -------------------------------------------------------------
def test_a_full_sqlite_database_is_described_as_a_full_disk(tmp_path) -> None:
    from inbox.store.problems import describe, public_text

    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    db = Database(url)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE notes(body TEXT)")
        conn.commit()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")  # no room left: SQLITE_FULL on the next write
        with pytest.raises(sa.exc.OperationalError) as caught:
            conn.execute(sa.text("INSERT INTO notes VALUES (:b)"), {"b": "+15557654321 says walrus " * 400})
    db.dispose()
    message = describe(caught.value, url)
    assert message and "full" in message and "free some space" in message
    assert "walrus" not in str(caught.value) and "walrus" not in public_text(caught.value)
    assert "walrus" not in message and "+1555" not in message


def test_os_errors_are_described(tmp_path) -> None:
    from inbox.store.problems import describe

    full = describe(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "export.csv")))
    assert full and "no space left" in full and "export.csv" in full
    refused = describe(OSError(errno.EROFS, "Read-only file system", "/media/cd/out.csv"))
    assert refused and "not allowed to write" in refused


def test_error_text_never_carries_parameters_or_row_details(db) -> None:
    from inbox.store.problems import public_text, redact
    from tests.conftest import add_channel

    with db.write() as s:
        add_channel(s)
    with pytest.raises(sa.exc.IntegrityError) as caught, db.write() as s:
        s.execute(
            sa.text("INSERT INTO contacts (phone, notes, created_at) VALUES (:p, :n, :t), (:p, :n, :t)"),
            {"p": "+15557654321", "t": datetime.now(UTC), "n": ""},
        )
    full = str(caught.value)
    assert "+15557654321" not in redact(full) and "[parameters" not in full  # hide_parameters on the engine
    shown = public_text(caught.value)
    assert "+15557654321" not in shown and "7654321" not in shown and "[SQL" not in shown
    assert shown.startswith("database error:") and "\n" not in shown


# Rows as versions before 0014 wrote them (the wording of inbox.engine.verification then), and the
# kind 0014 must give each: the badges of old threads stay what they were.
OLD_VERIFICATION_ROWS = [
    (
        "outbound",
        True,
        "automation",
        "verification",
        "Your verification code is ••••••. It expires in 10 min.",
        "code_sent",
    ),
    ("inbound", True, "customer", None, "••••••", None),
    ("outbound", False, "automation", "verification", "Thank you, your identity is verified.", "code_matched"),
    (
        "outbound",
        False,
        "automation",
        "verification",
        "That code is not correct. Please check it (4 attempt(s) left).",
        "code_wrong",
    ),
    ("outbound", False, "automation", "verification", "Too many incorrect codes. For your security…", "code_locked"),
    (
        "outbound",
        False,
        "automation",
        "verification",
        "That code has expired. Please ask us for a new one.",
        "code_expired",
    ),
    (
        "outbound",
        False,
        "automation",
        "verification",
        "That code has already been used. If you need to…",
        "code_reused",
    ),
    (
        "outbound",
        False,
        "automation",
        "verification",
        "Your verification code is no longer valid. Please ask…",
        "code_void",
    ),
    # The same words from anyone else are not a verdict: an agent, a keyword rule, a customer.
    ("outbound", False, "agent", "Dana", "Thank you, your identity is verified.", None),
    ("outbound", False, "automation", "rule:thanks", "Thank you, your identity is verified.", None),
    ("inbound", False, "customer", None, "That code has expired", None),
    ("outbound", True, "agent", "Dana", "masked by hand", None),
]


def test_0014_gives_old_verification_messages_the_kind_their_words_meant(db_url) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine, "0001")
        meta = sa.MetaData()
        meta.reflect(db.engine, only=["channels", "contacts", "conversations", "messages"])
        t = meta.tables
        at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        with db.engine.begin() as conn:
            conn.execute(
                t["channels"].insert(), _rows(t["channels"], [{"id": 1, "name": "main", "number": "+15550001111"}])
            )
            conn.execute(t["contacts"].insert(), _rows(t["contacts"], [{"id": 1, "phone": "+15551000001"}]))
            conn.execute(
                t["conversations"].insert(),
                _rows(t["conversations"], [{"id": 1, "contact_id": 1, "channel_id": 1, "last_activity_at": at}]),
            )
            rows = [
                {
                    **_message(1, direction, kind, at + timedelta(seconds=n)),
                    "id": n + 1,
                    "masked": masked,
                    "author": author,
                    "body": body,
                }
                for n, (direction, masked, kind, author, body, _expected_kind) in enumerate(OLD_VERIFICATION_ROWS)
            ]
            conn.execute(t["messages"].insert(), _rows(t["messages"], rows))
        db.upgrade()
        with db.engine.connect() as conn:
            kinds = dict(conn.execute(sa.text("SELECT id, kind FROM messages")).all())
        assert [kinds[n + 1] for n in range(len(OLD_VERIFICATION_ROWS))] == [r[-1] for r in OLD_VERIFICATION_ROWS]
        assert is_current(db.engine)
    finally:
        db.dispose()
