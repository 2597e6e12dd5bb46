"""`inbox seed` at small scale on both backends: what it writes is an inbox the app can trust."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from inbox.engine.sample.bulk import SeedError, SeedPlan, seed, thread_lengths
from inbox.store import conversations, messages, search
from inbox.store.models import ConversationRow, MessageRow, OptOutEventRow, OptOutRow

PLAN = SeedPlan(conversations=200, messages=2_000, long_thread=500, opt_out_share=0.05)


@pytest.fixture
def seeded(db):
    return db, seed(db, PLAN)


def test_counts_and_the_long_thread(seeded) -> None:
    db, report = seeded
    assert (report.conversations, report.messages) == (200, 2_000)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ConversationRow)) == 200
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 2_000
        longest = s.scalar(select(func.count()).where(MessageRow.conversation_id == report.long_conversation_id))
        assert longest == 500
        assert report.opted_out > 0
        assert s.scalar(select(func.count()).select_from(OptOutRow)) == report.opted_out
        assert s.scalar(select(func.count()).select_from(OptOutEventRow)) == report.opted_out


def test_denormalised_fields_match_the_messages(seeded) -> None:
    """What touch_inbound / touch_outbound would have left, message by message."""
    db, _report = seeded
    with db.read() as s:
        by_conv: dict[int, list[MessageRow]] = defaultdict(list)
        for m in s.scalars(select(MessageRow).order_by(MessageRow.id)):
            by_conv[m.conversation_id].append(m)
        convs = list(s.scalars(select(ConversationRow)))
    assert len(convs) == 200
    for c in convs:
        msgs = by_conv[c.id]
        assert msgs, "every conversation has messages"
        assert [m.created_at for m in msgs] == sorted(m.created_at for m in msgs), "ids follow time"
        unread, waiting = 0, None
        for m in msgs:
            if m.direction == "inbound":
                unread += 1
                waiting = waiting or m.created_at
            elif m.author_kind == "agent":
                unread, waiting = 0, None
        last = msgs[-1]
        assert c.last_activity_at == last.created_at
        assert c.last_message_preview == conversations.preview_of(last.body)
        assert c.last_message_direction == last.direction
        assert (c.unread_count, c.waiting_since) == (unread, waiting)
        assert c.created_at == msgs[0].created_at
        if c.status == "resolved":
            assert c.unread_count == 0 or last.author_kind == "automation"


def test_opted_out_contacts_said_stop(seeded) -> None:
    db, _report = seeded
    with db.read() as s:
        for state in s.scalars(select(OptOutRow)):
            stop = s.get(MessageRow, state.source_message_id)
            assert stop is not None and stop.body == "STOP" and stop.direction == "inbound"
            assert state.changed_at == stop.created_at


def test_conversation_pages_walk_everything_once(seeded) -> None:
    db, _report = seeded
    seen: list[int] = []
    with db.read() as s:
        while page := conversations.page(s, view="all", offset=len(seen), limit=64):
            seen.extend(c.id for c in page)
            stamps = [c.last_activity_at for c in page]
            assert stamps == sorted(stamps, reverse=True)
        assert len(seen) == len(set(seen)) == 200
        open_count = conversations.count(s, view="open")
        assert len(conversations.page(s, view="open", limit=1_000)) == open_count > 0


def test_seeded_messages_are_searchable_and_threads_page(seeded) -> None:
    db, report = seeded
    with db.read() as s:
        hits = search.messages(s, "STOP", limit=500)
        assert len(hits) >= report.opted_out
        newest = messages.page(s, report.long_conversation_id, None, 50)
        older = messages.page(s, report.long_conversation_id, newest[0].id, 50)
        assert len(newest) == len(older) == 50 and older[-1].id < newest[0].id


def test_a_channel_is_seeded_once(seeded) -> None:
    db, _report = seeded
    with pytest.raises(SeedError):
        seed(db, PLAN)


def test_thread_lengths_add_up() -> None:
    import random

    lengths = thread_lengths(random.Random(1), 1_000, 50_000, 10_000)
    assert sum(lengths) == 50_000 and lengths[0] == 10_000 and min(lengths) >= 1
    assert max(lengths[1:]) > 10 * sorted(lengths)[500], "heavy-tailed: a few long threads"
