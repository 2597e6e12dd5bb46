"""What the change feed says happened: one committed change to what a desktop shows.

The database records each change in the same transaction as the change itself (triggers on the
tables; see `inbox.store.feed`), so any process can follow every other process's work by sequence
number. A `Change` names what changed, never its content: readers load the rows they show by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

MESSAGE_NEW: Final = "message.new"
MESSAGE_UPDATED: Final = "message.updated"  # delivery state, error, body redacted, kind
MESSAGE_DELETED: Final = "message.deleted"
CONVERSATION_UPDATED: Final = "conversation.updated"  # created, status, assignee, unread, labels...
CONVERSATION_DELETED: Final = "conversation.deleted"
CONTACT_UPDATED: Final = "contact.updated"  # name or notes; one change per conversation of the contact
OPT_OUT: Final = "optout"
VERIFICATION: Final = "verification"
# Not in the log: the reader says so when it fell further behind than the log keeps (pruned), or
# the log went backwards (a restored database). The consumer reloads everything it shows.
RESET: Final = "reset"

MESSAGE_KINDS: Final = frozenset({MESSAGE_NEW, MESSAGE_UPDATED, MESSAGE_DELETED})

# How a listener follows the log, told through its `on_state` callback.
CONNECTED: Final = "connected"  # PostgreSQL: LISTEN works, changes arrive as they commit
RECONNECTING: Final = "reconnecting"  # the connection dropped; retrying with backoff, then catching up
POLLING: Final = "polling"  # SQLite: reading the log every quarter second
POLLING_FALLBACK: Final = "polling-fallback"  # PostgreSQL without working LISTEN (a transaction pooler)
STOPPED: Final = "stopped"


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: str
    conversation_id: int | None
    message_id: int | None
    at: datetime  # when the change was written, UTC (its transaction commits moments later)

    @property
    def is_reset(self) -> bool:
        return self.kind == RESET
