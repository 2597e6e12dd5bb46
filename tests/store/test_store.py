"""The store on SQLite and PostgreSQL: idempotency, threading, opt-out history, paging, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from inbox.core.models import AuthorKind, InboundMessage, OptOutSource, PollCursor
from inbox.store import contacts, conversations, cursors, messages, optouts, search
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def channel(db):
    with db.write() as s:
        return add_channel(s)


def _mo(i: int, sender: str = "+15551230000", body: str = "hi", at: datetime = T0) -> InboundMessage:
    return InboundMessage(f"SM{i:032x}", sender, "+15550001111", body, at + timedelta(seconds=i))


def test_sqlite_connection_pragmas(sqlite_db) -> None:
    with sqlite_db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_inbound_insert_is_idempotent(db, channel) -> None:
    with db.write() as s:
        cid = contacts.get_or_create(s, "+15551230000")
        conv = conversations.get_or_create(s, cid, channel.id, T0)
        first = messages.insert_inbound(s, channel.id, conv, _mo(1), channel.number)
        again = messages.insert_inbound(s, channel.id, conv, _mo(1), channel.number)
    assert first is not None and again is None
    with db.read() as s:
        assert len(messages.page(s, conv, None, 10)) == 1


def test_contact_and_conversation_are_found_not_duplicated(db, channel) -> None:
    with db.write() as s:
        a = contacts.get_or_create(s, "+15551230000")
        b = contacts.get_or_create(s, "+15551230000")
        c1 = conversations.get_or_create(s, a, channel.id, T0)
        c2 = conversations.get_or_create(s, b, channel.id, T0)
    assert a == b and c1 == c2


def test_automation_reply_queues_once_per_message_and_rule(db, channel) -> None:
    with db.write() as s:
        cid = contacts.get_or_create(s, "+15551230000")
        conv = conversations.get_or_create(s, cid, channel.id, T0)
        mo = messages.insert_inbound(s, channel.id, conv, _mo(1), channel.number)
        kw = dict(
            channel_id=channel.id,
            conversation_id=conv,
            from_number=channel.number,
            to_number="+15551230000",
            body="confirmed",
            author_kind=AuthorKind.AUTOMATION,
            author="compliance:opt-out",
            reply_to_id=mo,
        )
        assert messages.queue_outbound(s, **kw) is not None
        assert messages.queue_outbound(s, **kw) is None


def test_opt_out_history_and_state(db, channel) -> None:
    with db.write() as s:
        cid = contacts.get_or_create(s, "+15551230000")
        assert optouts.record(s, cid, channel.id, opted_out=True, at=T0, source=OptOutSource.KEYWORD, keyword="STOP")
        assert not optouts.record(
            s, cid, channel.id, opted_out=True, at=T0, source=OptOutSource.KEYWORD, keyword="STOP"
        )
        assert optouts.record(
            s,
            cid,
            channel.id,
            opted_out=False,
            at=T0 + timedelta(minutes=1),
            source=OptOutSource.KEYWORD,
            keyword="START",
        )
    with db.read() as s:
        assert not optouts.is_opted_out(s, cid, channel.id)
        assert [h.keyword for h in optouts.history(s, cid)] == ["START", "STOP", "STOP"]


def test_cursor_only_moves_forward(db, channel) -> None:
    with db.write() as s:
        cursors.advance(s, channel.id, PollCursor(T0))
    with db.write() as s:
        cursors.advance(s, channel.id, PollCursor(T0 - timedelta(hours=1)))
    with db.read() as s:
        assert cursors.get(s, channel.id).newest_date_sent == T0


def test_conversation_paging_and_filters(db, channel) -> None:
    with db.write() as s:
        for i in range(25):
            cid = contacts.get_or_create(s, f"+1555123{i:04d}")
            conv = conversations.get_or_create(s, cid, channel.id, T0)
            conversations.touch_inbound(s, conv, T0 + timedelta(minutes=i), f"message {i}")
            if i % 5 == 0:
                conversations.set_fields(s, conv, status="resolved")
            if i % 2 == 0:
                conversations.set_fields(s, conv, assignee="dana")
    with db.read() as s:
        first = conversations.page(s, view="all", offset=0, limit=10)
        second = conversations.page(s, view="all", offset=10, limit=10)
        assert [c.last_message_preview for c in first[:2]] == ["message 24", "message 23"]
        assert not {c.id for c in first} & {c.id for c in second}
        assert conversations.count(s, view="resolved") == 5
        assert conversations.count(s, view="open") == 20
        assert conversations.count(s, view="mine", agent="dana") == 13 - 3  # even, not resolved
        waiting = conversations.page(s, view="open", sort="waiting", limit=1)[0]
        assert waiting.last_message_preview == "message 1"  # waiting longest


def test_search_is_literal(db, channel) -> None:
    with db.write() as s:
        cid = contacts.get_or_create(s, "+15551230000")
        conv = conversations.get_or_create(s, cid, channel.id, T0)
        messages.insert_inbound(s, channel.id, conv, _mo(1, body="100% sure it's_broken"), channel.number)
        messages.insert_inbound(s, channel.id, conv, _mo(2, body="1000 sure itsXbroken"), channel.number)
    with db.read() as s:
        assert [r.body for r in search.messages(s, "100% sure")] == ["100% sure it's_broken"]
        assert [r.body for r in search.messages(s, "it's_b")] == ["100% sure it's_broken"]
        assert search.messages(s, "%") and len(search.messages(s, "%")) == 1
        assert search.messages(s, '" OR 1=1 --') == []


def test_timestamps_come_back_aware_utc(db, channel) -> None:
    with db.write() as s:
        cid = contacts.get_or_create(s, "+15551230000")
        conv = conversations.get_or_create(s, cid, channel.id, T0)
    with db.read() as s:
        row = conversations.summary(s, conv)
    assert row.last_activity_at == T0 and row.last_activity_at.tzinfo is not None
