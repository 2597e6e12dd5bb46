"""Customer turns: the unit behind response times, first responses and "no reply within X".

A turn starts with a customer message when the customer is not already waiting, and ends with the
next message written by a human agent. Automated replies (rules, acknowledgements, the provider's
STOP confirmation) and private notes do not end a turn: a customer who got an auto-ack is still
waiting for a person. This is the same clock as `conversations.waiting_since`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from inbox.core.models import AuthorKind, Direction


@dataclass(frozen=True, slots=True)
class Turn:
    conversation_id: int
    started_at: datetime
    answered_at: datetime | None  # None: still waiting
    first: bool  # the conversation's first turn (its first customer message)

    def seconds(self) -> float | None:
        return (self.answered_at - self.started_at).total_seconds() if self.answered_at else None


def turns(conversation_id: int, messages: Iterable[tuple[str, str, datetime]]) -> Iterator[Turn]:
    """Turns of one conversation from its (direction, author_kind, created_at) rows in time order."""
    started: datetime | None = None
    first = True
    for direction, author_kind, at in messages:
        if direction == Direction.INBOUND.value:
            if started is None:
                started = at
        elif direction == Direction.OUTBOUND.value and author_kind == AuthorKind.AGENT.value and started is not None:
            yield Turn(conversation_id, started, at, first)
            started, first = None, False
    if started is not None:
        yield Turn(conversation_id, started, None, first)
