"""Insert-or-ignore, the primitive that makes replays harmless on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, values: dict[str, Any], conflict: list[str]) -> int | None:
    """Insert one row; return its id, or None when a row with the same `conflict` key exists."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    return session.execute(stmt.returning(table.c.id)).scalar_one_or_none()
