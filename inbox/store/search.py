"""Message search: the one function the app calls, over each backend's own full-text index.

What a query means (the same wherever the index allows): every whitespace-separated term must occur
in the message, case-insensitively, as literal text. User input is never query syntax: each term is
quoted into a literal (FTS5 phrase, escaped LIKE pattern), so ``"`` ``OR`` ``*`` ``%``
``:`` ``&`` are just characters to look for.

SQLite: the FTS5 trigram index (migration 0006) finds terms of three or more characters anywhere,
inside words and in scripts without spaces (中文, 日本語). Shorter terms cannot use a trigram index, so
they are checked with LIKE on the rows the longer terms found (or, when every term is short, on the
messages newest first until ``limit`` hits). Trigram matching keeps accents: "cafe" does not find
"café".

PostgreSQL: a term of three or more letters or digits in a row is an ``ILIKE '%term%'`` with the
term escaped into a literal pattern, served by the ``pg_trgm`` GIN index (migration 0016), anywhere
in a word ("roken" finds "broken"), as on SQLite. Any other term ("ok", "14", "😂👍", "?!?") is
``strpos(lower(body), lower(term))``, the same test, served by the GIN index of every one- and
two-character piece of the lower-cased bodies (migration 0020). A search first reads the newest
messages and stops when the page is full; only then does it ask the indexes (see ``_postgres_ids``).
Case folding follows the database's locale (``lower``, as ILIKE) where SQLite's short-term LIKE folds
ASCII only.

Masked messages (verification codes) are never returned; on SQLite they are not even indexed.
Results are newest first (message id order, which is arrival order).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    null,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from inbox.core.models import SearchHit
from inbox.store.models import ContactRow, ConversationRow, MessageRow

TRIGRAM = 3  # the shortest term a trigram index (FTS5 or pg_trgm) can look up

_fts = table("messages_fts", column("rowid"))

# The SQLite insert trigger, exactly as migration 0006 creates it (bulk_indexing drops and restores it).
SQLITE_INSERT_TRIGGER = (
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.masked = 0 BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END"
)


@contextmanager
def bulk_indexing(session: Session) -> Iterator[None]:
    """Inside the block, rows inserted into ``messages`` are indexed in one pass at the end.

    Why: FTS5 flushes its pending terms at every trigger statement, so a trigger-per-row insert
    costs ~90 µs a row with the trigram tokenizer against ~13 µs for one INSERT … SELECT (measured
    on 100,000 rows). Only for bulk loads (``engine.sample.bulk``); everything happens in the caller's
    transaction, so other connections never see rows missing from the index. Rows inserted in the
    block must have ids above every existing id. A no-op on PostgreSQL (the GIN index is maintained
    by the insert itself).
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    first = (session.scalar(select(func.max(MessageRow.id))) or 0) + 1
    session.execute(text("DROP TRIGGER messages_fts_insert"))
    yield
    session.execute(
        text("INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE id >= :first AND masked = 0"),
        {"first": first},
    )
    session.execute(text(SQLITE_INSERT_TRIGGER))


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts5_phrase(term: str) -> str:
    """One term as an FTS5 string literal: wrapped in double quotes, internal quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def _base() -> Select:
    return (
        select(
            MessageRow.id,
            MessageRow.conversation_id,
            ContactRow.display_name,
            ContactRow.phone,
            MessageRow.body,
            MessageRow.created_at,
        )
        .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
        .join(ContactRow, ContactRow.id == ConversationRow.contact_id)
        .where(MessageRow.masked.is_(False))
    )


def _sqlite(terms: list[str], limit: int) -> Select:
    indexed = [t for t in terms if len(t) >= TRIGRAM]
    short = [MessageRow.body.like(_like_pattern(t), escape="\\") for t in terms if len(t) < TRIGRAM]
    stmt = _base()
    if not indexed:
        return stmt.where(and_(*short)).order_by(MessageRow.id.desc()).limit(limit)
    match = " ".join(fts5_phrase(t) for t in indexed)  # juxtaposed phrases: all must match
    stmt = (
        stmt.join(_fts, _fts.c.rowid == MessageRow.id)
        .where(literal_column("messages_fts").op("MATCH")(match))
        .where(*short)
        # Ordering by the FTS rowid lets FTS5 walk its own index newest first and stop at `limit`.
        .order_by(_fts.c.rowid.desc())
    )
    return stmt.limit(limit)


# How many of the newest messages PostgreSQL reads directly before it turns to the indexes: enough
# for a term in one message of 40 to fill a page, few enough to cost about a millisecond.
WALK = 2000


def _trigram_term(term: str) -> bool:
    """Whether pg_trgm can look the term up: it keeps only runs of letters and digits."""
    run = 0
    for ch in term:
        run = run + 1 if ch.isalnum() else 0
        if run >= TRIGRAM:
            return True
    return False


# The statements below are built once per shape (how many terms, which of them trigram terms, which
# id bounds) with the terms as bound parameters: building one costs more than running it.


def _pg_index_conditions(trigram: tuple[bool, ...]) -> list[ColumnElement[bool]]:
    """Each term as conditions PostgreSQL's indexes serve, exact in themselves or with a check.

    A trigram term is its escaped ILIKE (``pattern_i``): pg_trgm narrows it and rechecks it. Any
    other term (``term_i``) is ``strpos(lower(body), lower(term)) > 0`` (what ILIKE means in a UTF-8
    database, in a form pg_trgm does not try to serve: an ILIKE without trigrams makes it scan its
    whole index) with its pieces in the gram index of migration 0020."""
    conditions: list[ColumnElement[bool]] = []
    for i, is_trigram in enumerate(trigram):
        if is_trigram:
            conditions.append(MessageRow.body.ilike(bindparam(f"pattern_{i}", type_=String), escape="\\"))
        else:
            term = bindparam(f"term_{i}", type_=String)
            conditions.append(func.message_body_grams(MessageRow.body).op("@>")(func.message_term_grams(term)))
            conditions.append(func.strpos(func.lower(MessageRow.body), func.lower(term)) > 0)
    return conditions


@lru_cache(maxsize=64)
def _pg_newest(terms: int) -> Select:
    """One statement: the window's edge, then the hits among the newest messages, joined.

    Rows: first ``(edge, NULL…, 0)`` with the oldest id among the newest ``walk`` unmasked messages
    (NULL: no message), then ``(hit…, 1)`` for the newest ``limit`` matches from the edge up. Each
    body is lower-cased once and every term looked for in it with strpos, what ILIKE does per term
    (OFFSET 0 keeps PostgreSQL from merging the subquery and folding per term). A message that
    arrives meanwhile is above the edge and read too; the index phase reads below it."""
    newest = (
        select(MessageRow.id)
        .where(MessageRow.masked.is_(False))
        .order_by(MessageRow.id.desc())
        .limit(bindparam("walk", type_=Integer))
    )
    edge = select(func.min(newest.subquery().c.id).label("edge")).cte("edge")
    window = (
        select(MessageRow.id, func.lower(MessageRow.body).label("folded"))
        .where(MessageRow.id >= select(edge.c.edge).scalar_subquery(), MessageRow.masked.is_(False))
        .order_by(MessageRow.id.desc())
        .offset(0)
        .subquery("newest")
    )
    folded = [func.strpos(window.c.folded, func.lower(bindparam(f"term_{i}", type_=String))) > 0 for i in range(terms)]
    hits = (
        select(window.c.id)
        .where(*folded)
        .order_by(window.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery("hits")
    )
    found = _base().add_columns(literal(1).label("part")).join(hits, hits.c.id == MessageRow.id)
    marker = select(edge.c.edge, *[null()] * 5, literal(0).label("part"))
    rows = union_all(found, marker).subquery("rows")
    return select(rows).order_by(rows.c.part, rows.c.id.desc())


def _pg_indexed(trigram: tuple[bool, ...], low: bool, high: bool, name: str = "found") -> Select:
    """The newest ``limit`` matching ids with ``low_<name> <= id < high_<name>`` (each bound only
    when asked for), found through the indexes.

    MATERIALIZED: the inner query is planned for all its rows (bitmaps of the trigram and gram
    indexes, ANDed with an id range when it is narrow), never as a newest-first walk with a filter,
    which the LIMIT outside would make the planner pick for a query its statistics misjudge."""
    bounds = []
    if high:
        bounds.append(MessageRow.id < bindparam(f"high_{name}", type_=Integer))
    if low:
        bounds.append(MessageRow.id >= bindparam(f"low_{name}", type_=Integer))
    found = (
        select(MessageRow.id)
        .where(*bounds, MessageRow.masked.is_(False), *_pg_index_conditions(trigram))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )
    return select(found.c.id).order_by(found.c.id.desc()).limit(bindparam("limit", type_=Integer))


@lru_cache(maxsize=64)
def _pg_older(trigram: tuple[bool, ...], ranges: int) -> Select:
    """The newest ``limit`` hits below the window, joined: the range just below it (``found_0``),
    then everything older (``found_1``), or only everything older when ``ranges`` is 1.

    One statement: the second lookup runs only if the first did not fill the page (the UNION ALL is
    read in order and the LIMIT stops it)."""
    shapes = [(True, True), (False, True)] if ranges == 2 else [(False, True)]
    parts = [_pg_indexed(trigram, low, high, f"found_{i}").subquery() for i, (low, high) in enumerate(shapes)]
    ids = union_all(*[select(part.c.id) for part in parts]).limit(bindparam("limit", type_=Integer)).subquery("ids")
    return _base().join(ids, ids.c.id == MessageRow.id).order_by(MessageRow.id.desc())


def _pg_terms(terms: list[str]) -> tuple[tuple[bool, ...], dict[str, object]]:
    """Which terms are trigram terms, and the parameters naming every term."""
    trigram = tuple(_trigram_term(t) for t in terms)
    params: dict[str, object] = {f"term_{i}": t for i, t in enumerate(terms)}
    params.update({f"pattern_{i}": _like_pattern(t) for i, t in enumerate(terms) if trigram[i]})
    return trigram, params


def _pg_lookup(terms: list[str], low: int | None, high: int | None, limit: int) -> tuple[Select, dict[str, object]]:
    """The index lookup alone, with its parameters (for tests that look at its plan)."""
    trigram, params = _pg_terms(terms)
    params.update(limit=limit, low_found=low, high_found=high)
    return _pg_indexed(trigram, low is not None, high is not None), params


@contextmanager
def _unprepared(session: Session) -> Iterator[None]:
    """Inside the block, psycopg sends statements unprepared, so each is planned for its own terms.

    Why: psycopg prepares a statement run five times, and PostgreSQL may then keep one generic plan
    for it, made without the patterns (a bitmap over the whole table for "yes please": 130 ms
    instead of 5)."""
    raw = session.connection().connection.driver_connection
    threshold = getattr(raw, "prepare_threshold", None)
    if threshold is None:
        yield
        return
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def _postgres(session: Session, terms: list[str], limit: int) -> list[SearchHit]:
    """The newest `limit` hits, newest first, in one statement or two.

    Why not one query: PostgreSQL's planner cannot tell "arrived broken" (in 2 % of the messages:
    the newest 50 come within a few thousand rows) from "ok thanks" (in none, though each term is in
    4 %), and picked a newest-first walk of every message for the second (1 s) or a bitmap of
    20,000 rows for the first (60 ms). So: (1) read the newest ``WALK`` messages; a common query is
    answered there. (2) Otherwise ask the indexes for the rows just older than the window, as many
    as the window's hit rate says should hold the rest of the page (the bitmaps are ANDed with the
    id range: only those rows are read), then, if that range held too few, or the window found
    nothing, for all older rows: a query in no message costs index lookups only."""
    trigram, params = _pg_terms(terms)
    with _unprepared(session):
        rows = session.execute(_pg_newest(len(terms)), {**params, "walk": WALK, "limit": limit}).all()
        edge = rows[0][0]
        hits = [SearchHit(*r[:6]) for r in rows[1:]]
        if len(hits) >= limit or edge is None:
            return hits
        params["limit"] = limit - len(hits)
        # The rows expected to hold the rest of the page at the window's hit rate, twice over.
        if hits:
            span = (limit - len(hits)) * WALK * 2 // len(hits)
            params.update(low_found_0=edge - span, high_found_0=edge, high_found_1=edge - span)
        else:
            params["high_found_0"] = edge
        older = session.execute(_pg_older(trigram, 2 if hits else 1), params).all()
        return hits + [SearchHit(*r) for r in older]


def messages(session: Session, query: str, limit: int = 50) -> list[SearchHit]:
    """The messages that contain every term, newest first, with their contact.

    Masked messages (verification codes) are never searchable."""
    terms = query.split()
    if not terms:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _postgres(session, terms, limit)
    return [SearchHit(*r) for r in session.execute(_sqlite(terms, limit))]
