"""The conversation list's paging: every view and sort, page by page, equals one sorted reading;
and the migrated schema is exactly the models' (nothing an index or a column was forgotten in)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from inbox.store import contacts, conversations
from tests.conftest import add_channel

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AGENTS = (None, "dana", "lee")
STATUSES = ("open", "pending", "resolved", "snoozed")


@pytest.fixture
def crowd(db) -> list[dict]:
    """40 conversations with a random mix of status, assignee, activity and waiting times (ties too)."""
    rng = random.Random(7)
    made = []
    with db.write() as s:
        channel = add_channel(s)
        for i in range(40):
            contact = contacts.get_or_create(s, f"+1555010{i:04d}")
            cid = conversations.get_or_create(s, contact, channel.id, T0)
            fields = {
                "status": rng.choice(STATUSES),
                "assignee": rng.choice(AGENTS),
                "last_activity_at": T0 + timedelta(minutes=rng.randrange(30)),
                "waiting_since": T0 + timedelta(minutes=rng.randrange(10)) if rng.random() < 0.5 else None,
            }
            conversations.set_fields(s, cid, **fields)
            made.append({"id": cid, **fields})
    return made


def _in_view(row: dict, view: str, agent: str) -> bool:
    if view == "mine":
        return row["assignee"] == agent and row["status"] != "resolved"
    if view == "unassigned":
        return row["assignee"] is None and row["status"] in ("open", "pending")
    return view == "all" or row["status"] == view


def _expected(crowd: list[dict], view: str, sort: str, agent: str) -> list[int]:
    rows = [r for r in crowd if _in_view(r, view, agent)]
    if sort == "waiting":
        waiting = sorted((r for r in rows if r["waiting_since"]), key=lambda r: (r["waiting_since"], -r["id"]))
        rest = sorted((r for r in rows if not r["waiting_since"]), key=lambda r: -r["id"])
        return [r["id"] for r in waiting + rest]
    return [r["id"] for r in sorted(rows, key=lambda r: (r["last_activity_at"], r["id"]), reverse=True)]


@pytest.mark.parametrize("sort", ["activity", "waiting"])
@pytest.mark.parametrize("view", ["all", "mine", "unassigned", "open", "pending", "resolved", "snoozed"])
def test_pages_join_up_to_the_sorted_list(db, crowd, view: str, sort: str) -> None:
    expected = _expected(crowd, view, sort, "dana")
    for size in (1, 3, 7, 100):
        seen: list[int] = []
        with db.read() as s:
            while True:
                page = conversations.page(s, view=view, agent="dana", sort=sort, offset=len(seen), limit=size)
                seen += [c.id for c in page]
                if len(page) < size:
                    break
            assert conversations.count(s, view=view, agent="dana") == len(expected)
        assert seen == expected, (view, sort, size)


def test_a_page_far_past_the_end_is_empty(db, crowd) -> None:
    with db.read() as s:
        assert conversations.page(s, sort="waiting", offset=1000, limit=10) == []


def test_the_migrated_schema_is_the_models(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from inbox.store.schema import Base

    def ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        # Full-text search lives in raw SQL (an FTS5 table, a pg_trgm index), not in the models.
        return not (name or "").startswith(("messages_fts", "ix_messages_body_"))

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": ours})
        assert compare_metadata(ctx, Base.metadata) == []


def test_the_demo_agent_finds_their_own_conversation_under_mine(db) -> None:
    from inbox.engine.sample import history
    from inbox.engine.sample.conversations import DEMO

    with db.write() as s:
        channel = add_channel(s)
    assert history.write(db, channel, DEMO, agent="Dana") > 0
    with db.read() as s:
        mine = conversations.page(s, view="mine", agent="Dana")
        assignees = {c.assignee for c in conversations.page(s, view="all", limit=100)}
    assert [c.contact_name for c in mine] == ["Maria García"]
    assert "\x00me" not in assignees and "demo-agent" not in assignees
