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

PostgreSQL: every term is an ``ILIKE '%term%'`` with the term escaped into a literal pattern, and
the ``pg_trgm`` GIN index (migration 0016) narrows the terms of three or more characters to the
messages holding all their trigrams, anywhere in a word ("roken" finds "broken"), as on SQLite.
Shorter terms have no trigram to look up: PostgreSQL checks them on the rows the longer terms found
or, when every term is short, walks the messages newest first until ``limit`` hits, like SQLite.
Case folding follows the database's locale (ILIKE) where SQLite's short-term LIKE folds ASCII only.

Masked messages (verification codes) are never returned; on SQLite they are not even indexed.
Results are newest first (message id order, which is arrival order).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table, text
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


def _postgres(terms: list[str], limit: int) -> Select:
    """Every term as an escaped ILIKE: the trigram index serves those of three characters or more.

    The newest `limit` matching ids are chosen first and only they are joined to their contact:
    when the index finds thousands of rows, joining each before the sort would cost more than the
    search itself."""
    literal: list[ColumnElement[bool]] = [MessageRow.body.ilike(_like_pattern(t), escape="\\") for t in terms]
    hits = (
        select(MessageRow.id)
        .where(MessageRow.masked.is_(False), *literal)
        .order_by(MessageRow.id.desc())
        .limit(limit)
        .subquery("hits")
    )
    return _base().join(hits, hits.c.id == MessageRow.id).order_by(MessageRow.id.desc())


def messages(session: Session, query: str, limit: int = 50) -> list[SearchHit]:
    """The messages that contain every term, newest first, with their contact.

    Masked messages (verification codes) are never searchable."""
    terms = query.split()
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _postgres(terms, limit) if dialect == "postgresql" else _sqlite(terms, limit)
    return [SearchHit(*r) for r in session.execute(stmt)]
