"""Full-text search on both backends: literal terms, many scripts, masked never shown, index in sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from inbox.core.models import InboundMessage
from inbox.store import contacts, conversations, messages, search
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def thread(db):
    """One conversation; returns a function that stores an MO and gives its id."""
    with db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
    counter = iter(range(1, 10_000))

    def add(body: str) -> int:
        i = next(counter)
        mo = InboundMessage(f"SM{i:032x}", "+15551230000", ch.number, body, T0 + timedelta(seconds=i))
        with db.write() as s:
            return messages.insert_inbound(s, ch.id, conv, mo, ch.number)  # type: ignore[return-value]

    return add


def _bodies(db, query: str) -> list[str]:
    with db.read() as s:
        return [hit.body for hit in search.messages(s, query)]


def test_all_terms_must_match_newest_first(db, thread) -> None:
    thread("Where is my order 48213?")
    thread("order 48213 arrived broken")
    thread("another order entirely")
    assert _bodies(db, "order 48213") == ["order 48213 arrived broken", "Where is my order 48213?"]
    assert _bodies(db, "ORDER broken") == ["order 48213 arrived broken"]
    assert _bodies(db, "   ") == []


@pytest.mark.parametrize(
    "query",
    [
        '" OR 1=1 --',
        "order*",
        "NEAR(order broken)",
        "order AND NOT x",
        "body:order",
        "a & b | !c",
        "'",
        "\\",
        "^x",
        "(",
        '"',
        "x:*",
        "%_%",
    ],
)
def test_query_syntax_is_never_interpreted(db, thread, query: str) -> None:
    """FTS5 and tsquery operators are just characters: no error, no match-everything."""
    thread("order broken")
    thread("nothing to see")
    assert _bodies(db, query) == []


def test_operators_are_found_literally(db, thread) -> None:
    thread('he said "NEAR(order)" AND left')
    thread("near the order")
    assert _bodies(db, '"NEAR(order)"') == ['he said "NEAR(order)" AND left']
    assert _bodies(db, "AND left") == ['he said "NEAR(order)" AND left']


def test_many_scripts_and_emoji(db, thread) -> None:
    thread("Bonjour, ma commande n'est pas arrivée")
    thread("注文番号の配送状況を教えてください")
    thread("Здравствуйте! Заказ пришёл не полностью")
    thread("Haha perfect 😂👍")
    assert _bodies(db, "arrivée") == ["Bonjour, ma commande n'est pas arrivée"]
    assert _bodies(db, "заказ") == ["Здравствуйте! Заказ пришёл не полностью"]
    assert _bodies(db, "😂") == ["Haha perfect 😂👍"]
    assert _bodies(db, "Perfect") == ["Haha perfect 😂👍"]


def test_substrings_inside_cjk_text_on_sqlite(sqlite_db) -> None:
    """The trigram index finds words inside unspaced scripts (a word tokenizer cannot)."""
    with sqlite_db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
        mo = InboundMessage("SM1", "+15551230000", ch.number, "注文番号の配送状況を教えてください", T0)
        messages.insert_inbound(s, ch.id, conv, mo, ch.number)
    with sqlite_db.read() as s:
        assert len(search.messages(s, "配送状況")) == 1


def test_masked_messages_are_never_found(db, thread) -> None:
    mid = thread("your code is 482913")
    thread("code received, thanks")
    with db.write() as s:
        messages.set_fields(s, mid, body="your code is ••••••", masked=True)
    assert _bodies(db, "code") == ["code received, thanks"]
    assert _bodies(db, "482913") == []


def test_index_follows_updates_and_deletes(db, thread) -> None:
    mid = thread("first wording")
    with db.write() as s:
        messages.set_fields(s, mid, body="second wording")
    assert _bodies(db, "first") == []
    assert _bodies(db, "second") == ["second wording"]
    with db.write() as s:
        s.execute(text("DELETE FROM messages WHERE id = :id"), {"id": mid})
    assert _bodies(db, "wording") == []


def test_index_is_consistent_after_bulk_indexing(db, thread) -> None:
    """The seed path (on SQLite: trigger suspended, one INSERT … SELECT) leaves the same index as triggers."""
    thread("before the bulk load")
    with db.write() as s, search.bulk_indexing(s):
        s.execute(
            text(
                "INSERT INTO messages (conversation_id, channel_id, direction, body, status, encoding, "
                "num_segments, author_kind, from_number, to_number, masked, attempts, created_at, updated_at) "
                "SELECT conversation_id, channel_id, direction, 'bulk loaded row', status, encoding, "
                "num_segments, author_kind, from_number, to_number, masked, attempts, created_at, updated_at "
                "FROM messages"
            )
        )
    thread("after the bulk load")
    assert _bodies(db, "bulk") == ["after the bulk load", "bulk loaded row", "before the bulk load"]
    if db.is_sqlite:
        with db.read() as s:
            s.execute(text("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"))


def test_migration_backfills_existing_rows(sqlite_url) -> None:
    """Messages stored before revision 0006 are searchable after the upgrade."""
    from inbox.store.db import Database
    from inbox.store.migrations import upgrade

    db = Database(sqlite_url)
    upgrade(db.engine, "0001")
    with db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
        messages.insert_inbound(
            s, ch.id, conv, InboundMessage("SM1", "+15551230000", ch.number, "old news", T0), ch.number
        )
    db.upgrade()
    assert _bodies(db, "news") == ["old news"]
    db.dispose()
