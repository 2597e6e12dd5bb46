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


def test_terms_are_found_inside_words_on_both_backends(db, thread) -> None:
    """A term is a substring, not a word start: the same answers on SQLite and PostgreSQL."""
    thread("order 48213 arrived broken")
    thread("unbreakable promise")
    assert _bodies(db, "roken") == ["order 48213 arrived broken"]
    assert _bodies(db, "ROKEN 821") == ["order 48213 arrived broken"]
    assert _bodies(db, "breakab") == ["unbreakable promise"]
    assert _bodies(db, "ok") == ["order 48213 arrived broken"]  # short: no trigram, still a substring
    assert _bodies(db, "rr ken") == ["order 48213 arrived broken"]  # two-letter "rr" is not in it
    assert _bodies(db, "or ken") == ["order 48213 arrived broken"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("100%", ["100% sure"]),
        ("%", ["100% sure"]),
        ("a_b", ["file a_b.txt"]),
        ("_", ["file a_b.txt"]),
        ("it's", ["it's here"]),
        ('"quoted"', ['say "quoted" twice']),
        ("OR", ["this OR that"]),
        ("\\path", ["C:\\path"]),
    ],
)
def test_wildcards_and_quotes_are_literal_on_both_backends(db, thread, query: str, found: list[str]) -> None:
    """%, _, quotes, backslash and OR are characters to find, never a pattern that matches more."""
    for body in ("100% sure", "1000 sure", "file a_b.txt", "file axb.txt", "it's here", "its here"):
        thread(body)
    for body in ('say "quoted" twice', "say quoted twice", "this OR that", "this and that", "C:\\path", "C:path"):
        thread(body)
    assert _bodies(db, query) == found


def _plan(session, lookup) -> str:
    stmt, params = lookup
    compiled = stmt.compile(session.get_bind())
    bound = {**compiled.params, **{k: v for k, v in params.items() if k in compiled.params}}
    return "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + str(compiled), bound))


def test_postgres_search_looks_every_term_up_in_an_index(db, thread) -> None:
    """A long term is looked up in the pg_trgm index, a short one (or one without three letters or
    digits in a row) in the gram index: neither reads every message."""
    if db.is_sqlite:
        pytest.skip("SQLite searches its FTS5 table")
    thread("order 48213 arrived broken")
    with db.read() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_indexscan = off"))  # no newest-first walk of the primary key
        assert "ix_messages_body_trgm" in _plan(s, search._pg_lookup(["roken"], None, None, 50))
        assert "ix_messages_body_grams" in _plan(s, search._pg_lookup(["ok"], None, None, 50))
        assert "ix_messages_body_grams" in _plan(s, search._pg_lookup(["😂😂😂"], None, None, 50))


def test_postgres_plans_each_search_for_its_own_terms(db, thread) -> None:
    """psycopg prepares a statement run five times and PostgreSQL may then plan it once for any
    terms (a bitmap over the whole table where the newest rows would do): searches are never
    prepared, however often they run on one connection."""
    if db.is_sqlite:
        pytest.skip("SQLite has no plan cache across terms")
    thread("ok thanks")
    with db.read() as s:
        for query in ["ok", "thanks", "ok thanks", "zebra"] * 4:
            search.messages(s, query)
        prepared = s.scalar(text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%strpos%'"))
        assert prepared == 0
        assert [h.body for h in search.messages(s, "thanks")] == ["ok thanks"]


# One corpus, stored on both backends in the same order: many scripts, wildcards, quotes,
# backslashes, emoji, one- and two-character pieces, several copies so that a page (LIMIT) of
# newest-first hits stops inside the corpus.
CORPUS = [
    "Where is my order 48213?",
    "order 48213 arrived broken",
    "OK thanks",
    "ok",
    "book the blue kettle",
    "Thanks so much, that worked!",
    "100% sure",
    "1000 sure",
    "file a_b.txt",
    "file axb.txt",
    "C:\\path\\to",
    "C:path",
    "it's here",
    "its here",
    'say "quoted" twice',
    "say quoted twice",
    "Haha perfect 😂👍",
    "😂😂😂 lol",
    "?!?! what now",
    "नमस्ते, मेरा ऑर्डर कहाँ है?",
    "मेरा पैकेज टूटा हुआ आया",
    "注文番号の配送状況を教えてください",
    "我的订单什么时候发货",
    "Здравствуйте! Заказ пришёл не полностью",
    "Bonjour, ma commande n'est pas arrivée",
    "14 items, order 14",
    "a",
    "x_y%z\\w",
    "tab\tand  two spaces",
]
QUERIES = [
    "ok",
    "OK thanks",
    "ok 14",
    "14",
    "o",
    "a",
    "%",
    "_",
    "a_b",
    "\\",
    "\\path",
    "'",
    "it's",
    '"quoted"',
    '"',
    "😂",
    "😂😂😂",
    "👍 perfect",
    "?!",
    "?!?!",
    "नमस्ते",
    "टूटा",
    "मे",
    "ा",
    "注文",
    "配送状況",
    "订",
    "заказ",
    "ЗАКАЗ пришёл",
    "arrivée",
    "order broken",
    "roken",
    "rr ken",
    "order 48213",
    "zebra",
    "ok zebra",
    "x_y%z",
    "%z\\",
    "two spaces",
    "ma",
    "it",
    "e",
    "e o",
    "0%",
]


@pytest.mark.postgres
@pytest.mark.parametrize(("walk", "limit"), [(2000, 50), (3, 4), (1, 2)])
def test_both_backends_find_the_same_messages(sqlite_url, monkeypatch, walk: int, limit: int) -> None:
    """The same corpus, the same queries: the same hits in the same order on SQLite and PostgreSQL.

    The small walks and pages send PostgreSQL through each of its ways: the newest messages read
    directly, the indexes over a range just older, and over everything older."""
    from inbox.store.db import Database
    from tests.conftest import _postgres_schema_url

    monkeypatch.setattr(search, "WALK", walk)
    urls = _postgres_schema_url()
    backends = [Database(sqlite_url), Database(next(urls))]
    try:
        for database in backends:
            database.upgrade()
            with database.write() as s:
                ch = add_channel(s)
                conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
                for i, body in enumerate(CORPUS * 3):
                    mo = InboundMessage(f"SM{i:032x}", "+15551230000", ch.number, body, T0 + timedelta(seconds=i))
                    messages.insert_inbound(s, ch.id, conv, mo, ch.number)
        answers = []
        for database in backends:
            with database.read() as s:
                answers.append({q: [(h.message_id, h.body) for h in search.messages(s, q, limit)] for q in QUERIES})
        sqlite, postgres = answers
        for q in QUERIES:
            assert postgres[q] == sqlite[q], q
        # Not empty by accident: "ok", "OK thanks", "book …", "broken" in each copy, paged by `limit`.
        assert len(sqlite["ok"]) == min(limit, 12)
        assert {body for _, body in sqlite["%"]} == ({"x_y%z\\w", "100% sure"} if limit > 1 else {"x_y%z\\w"})
        assert sqlite["ok 14"] == [] and sqlite["ok zebra"] == []
    finally:
        for database in backends:
            database.dispose()
        next(urls, None)


def test_many_scripts_and_emoji(db, thread) -> None:
    thread("Bonjour, ma commande n'est pas arrivée")
    thread("注文番号の配送状況を教えてください")
    thread("Здравствуйте! Заказ пришёл не полностью")
    thread("Haha perfect 😂👍")
    assert _bodies(db, "arrivée") == ["Bonjour, ma commande n'est pas arrivée"]
    assert _bodies(db, "заказ") == ["Здравствуйте! Заказ пришёл не полностью"]
    assert _bodies(db, "😂") == ["Haha perfect 😂👍"]
    assert _bodies(db, "Perfect") == ["Haha perfect 😂👍"]


def test_substrings_inside_cjk_text(db) -> None:
    """Both trigram indexes find words inside unspaced scripts (a word tokenizer cannot)."""
    with db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
        mo = InboundMessage("SM1", "+15551230000", ch.number, "注文番号の配送状況を教えてください", T0)
        messages.insert_inbound(s, ch.id, conv, mo, ch.number)
    with db.read() as s:
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


@pytest.mark.postgres
def test_0020_indexes_messages_stored_before_it_and_downgrades() -> None:
    """The gram index is built over the messages already there; the downgrade removes it and its
    two functions (for an older version of the app, whose search does not use them)."""
    from alembic import command

    from inbox.store.db import Database
    from inbox.store.migrations import config, upgrade
    from tests.conftest import _postgres_schema_url

    urls = _postgres_schema_url()
    db = Database(next(urls))
    try:
        upgrade(db.engine, "0016_search_trigram")
        upgrade(db.engine, "0015_change_feed")  # messages' change-feed trigger, as a real database has it
        with db.write() as s:
            ch = add_channel(s)
            conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
            for i, body in enumerate(["ok, 14 boxes", "nothing here"]):
                mo = InboundMessage(f"SM{i}", "+15551230000", ch.number, body, T0 + timedelta(seconds=i))
                messages.insert_inbound(s, ch.id, conv, mo, ch.number)
        db.upgrade()
        with db.read() as s:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            s.execute(text("SET LOCAL enable_indexscan = off"))
            lookup = search._pg_lookup(["ok", "14"], None, None, 50)
            assert "ix_messages_body_grams" in _plan(s, lookup)
            assert list(s.scalars(*lookup)) == [1]  # found through the index only: it holds the old row
            assert s.scalar(text("SELECT reloptions FROM pg_class WHERE oid = 'ix_messages_body_trgm'::regclass")) == [
                "gin_pending_list_limit=256"
            ]
        command.downgrade(config(db.engine), "0020_search_speed@-1")
        ours = "AND pronamespace = current_schema()::regnamespace"
        with db.read() as s:
            assert s.scalar(text(f"SELECT count(*) FROM pg_proc WHERE proname LIKE 'message_%_grams' {ours}")) == 0
            assert s.scalar(text("SELECT to_regclass('ix_messages_body_grams')")) is None
            assert (
                s.scalar(text("SELECT reloptions FROM pg_class WHERE oid = 'ix_messages_body_trgm'::regclass")) is None
            )
    finally:
        db.dispose()
        next(urls, None)
