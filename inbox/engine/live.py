"""Live updates across processes: the database's change feed republished into this process's bus.

The engine publishes its own changes on the `EventBus` after each commit; changes committed by
other processes (another desktop, the daemon, the CLI, a script) reach this process only through
the change log (`inbox.store.feed`). `LiveFeed` follows the log and publishes each batch as the
same events, so a view reloads by id whichever process made the change. One batch becomes at most
one `ConversationsChanged` and one `MessagesChanged` (coalesced: a burst costs one reload per
view); a RESET becomes `EverythingChanged`.

Changes this process made itself come back through the feed too: a view reloads them once more.
Headless use (a script, a benchmark): `LiveFeed(db, bus).start()` ... `.stop()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from inbox.core import changes as kinds
from inbox.core.changes import Change
from inbox.core.events import ConversationsChanged, Event, EventBus, EverythingChanged, MessagesChanged
from inbox.store import feed
from inbox.store.db import Database
from inbox.store.feed import FeedListener

log = logging.getLogger(__name__)


def newest_change(db: Database) -> int:
    """The newest change number: read before a window's first loads and handed to `LiveFeed` as
    `since`, so nothing committed between the loads and the listener's start is missed."""
    return feed.latest_seq(db)


def events_for(batch: list[Change]) -> list[Event]:
    """The bus events one batch of changes stands for, coalesced (at most one of each type)."""
    if any(c.is_reset for c in batch):
        return [EverythingChanged()]
    conversations = frozenset(c.conversation_id for c in batch if c.conversation_id is not None)
    message_changes = [c for c in batch if c.kind in kinds.MESSAGE_KINDS]
    out: list[Event] = []
    if message_changes:
        out.append(
            MessagesChanged(
                conversation_ids=frozenset(c.conversation_id for c in message_changes if c.conversation_id is not None),
                message_ids=frozenset(c.message_id for c in message_changes if c.message_id is not None),
            )
        )
    if conversations:
        out.append(ConversationsChanged(ids=conversations))
    return out


class LiveFeed:
    """Owns a `FeedListener` on `db` and publishes what it reads on `bus` (from its thread).

    `since`: the newest change the views already show (`inbox.store.feed.latest_seq` read before
    they loaded), None to start from now. `on_state` hears the listener's state (connected,
    reconnecting, polling, polling-fallback, stopped), e.g. for a status bar.
    """

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        since: int | None = None,
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self._bus = bus
        self._listener = FeedListener(db, self._publish, on_state=on_state, since=since, name="inbox-live-feed")

    @property
    def state(self) -> str | None:
        return self._listener.state

    @property
    def last_seen(self) -> int:
        return self._listener.last_seen

    def start(self) -> LiveFeed:
        self._listener.start()
        return self

    def stop(self) -> None:
        self._listener.stop()

    def _publish(self, batch: list[Change]) -> None:
        for event in events_for(batch):
            self._bus.publish(event)
