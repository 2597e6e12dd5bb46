"""The names behind automatic authors ("poll:3" → the poll's question), for ``core.attribution``.

Why a lookup at read time rather than the name in the message: the author stays the stable key
replies are de-duplicated and counted by, and a renamed survey reads with its current name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core import attribution
from inbox.store.engagement_tables import BroadcastRow, ContestRow, PollRow, SurveyRow

_NAME_OF = {
    "poll": (PollRow, PollRow.question),
    "survey": (SurveyRow, SurveyRow.name),
    "contest": (ContestRow, ContestRow.name),
    "broadcast": (BroadcastRow, BroadcastRow.list_name),
}


def names(session: Session, authors: Iterable[str | None]) -> dict[str, str]:
    """{"poll:3": "Pizza or burger?", …} for the authors that name a row still on file."""
    wanted: dict[str, dict[int, str]] = {}
    for author in authors:
        kind, key = attribution.parse(author or "")
        if kind in _NAME_OF and key.isascii() and key.isdigit():
            wanted.setdefault(kind, {})[int(key)] = author or ""
    found: dict[str, str] = {}
    for kind, by_id in wanted.items():
        row, column = _NAME_OF[kind]
        for row_id, name in session.execute(select(row.id, column).where(row.id.in_(list(by_id)))):
            if name:
                found[by_id[row_id]] = name
    return found
