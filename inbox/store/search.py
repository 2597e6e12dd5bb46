"""Message search: the one function the app calls, over each backend's own full-text index.

What a query means (the same wherever the index allows): every whitespace-separated term must occur
in the message, case-insensitively, as literal text. User input is never query syntax: each term is
quoted into a literal (FTS5 phrase, tsquery lexeme, escaped LIKE pattern), so ``"`` ``OR`` ``*`` ``%``
``:`` ``&`` are just characters to look for.

SQLite: the FTS5 trigram index (migration 0006) finds terms of three or more characters anywhere,
inside words and in scripts without spaces (中文, 日本語). Shorter terms cannot use a trigram index, so
they are checked with LIKE on the rows the longer terms found (or, when every term is short, on the
messages newest first until ``limit`` hits). Trigram matching keeps accents: "cafe" does not find
"café".

PostgreSQL: the ``to_tsvector('simple', body)`` GIN index narrows to messages with words *starting*
with each term (prefix lexemes), then ILIKE keeps only those that contain the literal term. So on
PostgreSQL a term must start at a word boundary ("brok" finds "broken", "roken" does not).

Masked messages (verification codes) are never returned; on SQLite they are not even indexed.
Results are newest first (message id order, which is arrival order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from inbox.store.models import ContactRow, ConversationRow, MessageRow

TRIGRAM = 3  # the shortest term the SQLite trigram index can look up
_WORD = re.compile(r"[^\W_]")  # a letter or digit: something the tsvector parser keeps

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


def tsquery_prefix(term: str) -> str:
    """One term as a quoted tsquery lexeme with prefix matching: ``'it''s':*``.

    Inside quotes PostgreSQL reads ``''`` as a quote and ``\\`` as an escape, so both are doubled;
    nothing else in the term can act as an operator.
    """
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "':*"


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
    literal: list[ColumnElement[bool]] = [MessageRow.body.ilike(_like_pattern(t), escape="\\") for t in terms]
    words = [t for t in terms if _WORD.search(t)]
    stmt = _base()
    if words:
        query = func.to_tsquery("simple", " & ".join(tsquery_prefix(t) for t in words))
        stmt = stmt.where(func.to_tsvector("simple", MessageRow.body).op("@@")(query))
    return stmt.where(*literal).order_by(MessageRow.id.desc()).limit(limit)


def messages(session: Session, query: str, limit: int = 50) -> list[tuple]:
    """(message_id, conversation_id, contact_name, contact_phone, body, created_at), newest first.

    Masked messages (verification codes) are never searchable."""
    terms = query.split()
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _postgres(terms, limit) if dialect == "postgresql" else _sqlite(terms, limit)
    return [tuple(r) for r in session.execute(stmt)]
