"""Bulk writes for a chunk of arriving MO messages: a handful of statements per chunk, not per message.

Ingest calls these inside its one transaction per chunk. They keep the same idempotency as the
per-message functions in `contacts`, `conversations` and `messages` (insert-or-ignore on the same
unique keys, then re-select), so a replay or a racing writer changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.core.models import AuthorKind, ConversationStatus, Direction
from inbox.store.models import ContactRow, ConversationRow, MessageRow, UTCDateTime

# Bound parameters per IN list: far below SQLite's and PostgreSQL's limits.
IN_BATCH = 900


def _insert(session: Session, table: Table) -> Any:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _batches(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]


def known_provider_ids(session: Session, channel_id: int, provider_ids: Iterable[str]) -> set[str]:
    """Which of these provider ids are already stored on the channel (replays to drop)."""
    ids = list(dict.fromkeys(provider_ids))
    found: set[str] = set()
    for part in _batches(ids):
        found.update(
            session.scalars(
                select(MessageRow.provider_message_id).where(
                    MessageRow.channel_id == channel_id, MessageRow.provider_message_id.in_(part)
                )
            )
        )
    return found


def contact_ids(session: Session, phones: Iterable[str]) -> dict[str, int]:
    """phone → contact id, creating the missing contacts (race-safe: insert-or-ignore, re-select)."""
    wanted = list(dict.fromkeys(phones))
    found: dict[str, int] = {}
    for part in _batches(wanted):
        found.update(session.execute(select(ContactRow.phone, ContactRow.id).where(ContactRow.phone.in_(part))).all())
    missing = [p for p in wanted if p not in found]
    if missing:
        stmt = _insert(session, ContactRow.__table__).on_conflict_do_nothing(index_elements=["phone"])
        session.execute(stmt, [{"phone": p, "notes": ""} for p in missing])
        for part in _batches(missing):
            found.update(
                session.execute(select(ContactRow.phone, ContactRow.id).where(ContactRow.phone.in_(part))).all()
            )
    return found


def conversation_ids(session: Session, channel_id: int, first_seen: dict[int, datetime]) -> dict[int, int]:
    """contact id → conversation id on the channel, creating missing ones dated at their first message."""
    wanted = list(first_seen)
    found: dict[int, int] = {}

    def lookup(ids: Sequence[int]) -> None:
        for part in _batches(ids):
            found.update(
                session.execute(
                    select(ConversationRow.contact_id, ConversationRow.id).where(
                        ConversationRow.channel_id == channel_id, ConversationRow.contact_id.in_(part)
                    )
                ).all()
            )

    lookup(wanted)
    missing = [c for c in wanted if c not in found]
    if missing:
        stmt = _insert(session, ConversationRow.__table__).on_conflict_do_nothing(
            index_elements=["contact_id", "channel_id"]
        )
        rows = [
            {
                "contact_id": contact_id,
                "channel_id": channel_id,
                "status": ConversationStatus.OPEN.value,
                "last_activity_at": first_seen[contact_id],
                "created_at": first_seen[contact_id],
                "unread_count": 0,
                "last_message_preview": "",
                "flagged": False,
                "failed_delivery": False,
            }
            for contact_id in missing
        ]
        session.execute(stmt, rows)
        lookup(missing)
    return found


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert inbound rows (values as `messages.insert_inbound` builds them); provider id → new id.

    A row whose provider id is already stored is skipped and absent from the result: RETURNING
    reports only the rows this statement inserted, so a racing writer's rows are never taken as ours.
    """
    if not rows:
        return {}
    table = MessageRow.__table__
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["channel_id", "provider_message_id"])
        .returning(table.c.provider_message_id, table.c.id)
    )
    return dict(session.execute(stmt, rows).all())


@dataclass(frozen=True, slots=True)
class InboundTouch:
    """What a run of a customer's messages does to their conversation, applied in one UPDATE.

    Equivalent to `conversations.touch_inbound` once per message, in order: `newest_*` is the last
    message with the greatest date, `first_at` the first message's date (the wait clock start).
    """

    conversation_id: int
    count: int
    newest_at: datetime
    newest_preview: str
    first_at: datetime


def touch_inbound_many(session: Session, touches: Sequence[InboundTouch]) -> None:
    if not touches:
        return
    c = ConversationRow.__table__.c
    at = bindparam("t_at", type_=UTCDateTime())
    newer = at >= c.last_activity_at
    # No IN list: expanding parameters cannot go into an executemany.
    waking = or_(c.status == ConversationStatus.RESOLVED.value, c.status == ConversationStatus.SNOOZED.value)
    stmt = (
        update(ConversationRow.__table__)
        .where(c.id == bindparam("t_id"))
        .values(
            last_activity_at=case((newer, at), else_=c.last_activity_at),
            last_message_preview=case((newer, bindparam("t_preview")), else_=c.last_message_preview),
            last_message_direction=case((newer, Direction.INBOUND.value), else_=c.last_message_direction),
            last_message_author_kind=case((newer, AuthorKind.CUSTOMER.value), else_=c.last_message_author_kind),
            unread_count=c.unread_count + bindparam("t_count"),
            waiting_since=case(
                (c.waiting_since.is_(None), bindparam("t_first", type_=UTCDateTime())), else_=c.waiting_since
            ),
            snoozed_until=case((waking, None), else_=c.snoozed_until),
            status=case((waking, ConversationStatus.OPEN.value), else_=c.status),
        )
    )
    # Compiled once per call and run through the driver's executemany: this UPDATE runs for most
    # messages, and SQLAlchemy's per-row parameter handling would cost more than SQLite's work.
    dialect = session.get_bind().dialect
    compiled = stmt.compile(dialect=dialect)
    # dialect_impl: the SQLite type formats the stored string (with .000000); the generic one would hand
    # sqlite3 a datetime it renders without microseconds, and string comparisons would then go wrong.
    stamp = UTCDateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    rows = [
        {
            **compiled.params,
            "t_id": t.conversation_id,
            "t_at": stamp(t.newest_at),
            "t_preview": t.newest_preview,
            "t_count": t.count,
            "t_first": stamp(t.first_at),
        }
        for t in touches
    ]
    connection = session.connection()
    if compiled.positional:
        order = compiled.positiontup or []
        connection.exec_driver_sql(compiled.string, [tuple(r[name] for name in order) for r in rows])
    else:
        connection.exec_driver_sql(compiled.string, rows)  # type: ignore[arg-type]
