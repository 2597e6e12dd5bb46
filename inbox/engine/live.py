"""Live updates across processes: the database's change feed republished into this process's bus.

The engine publishes its own changes on the `EventBus` after each commit; changes committed by
other processes (another desktop, the daemon, the CLI, a script) reach this process only through
the change log (`inbox.store.feed`). `LiveFeed` follows the log and publishes each batch as the
same events, so a view reloads by id whichever process made the change. One batch becomes at most
one `ConversationsChanged` and one `MessagesChanged` (coalesced: a burst costs one reload per
view); a RESET becomes `EverythingChanged`.

Changes this process made itself come back through the feed too. The engine already published
them after the commit, so the views reloaded them then: `LiveFeed` skips such an echo (one burst
costs one reload per view, not two). A change is skipped only if this process's own transaction
wrote it (`inbox.store.own_changes`, which it turns on for its database) and an event published
on the bus after that commit named its conversation (and, for a message, the message): that
event's reload read the database after the commit. Anything else — another process's change,
an own change no local event named — is published as before. The feed may read an own change
before the writing thread has returned from its commit and published (PostgreSQL's NOTIFY is that
quick): such a change is held for up to HOLD seconds for the local event, then published anyway.
Headless use (a script, a benchmark): `LiveFeed(db, bus).start()` ... `.stop()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from inbox.core import changes as kinds
from inbox.core.changes import Change
from inbox.core.events import ConversationsChanged, Event, EventBus, EverythingChanged, MessagesChanged
from inbox.store import feed
from inbox.store.db import Database
from inbox.store.feed import FeedListener
from inbox.store.own_changes import OwnChanges

log = logging.getLogger(__name__)

HOLD = 0.25  # seconds an own change waits for the local event that makes its echo redundant
_RECHECK = 0.02  # seconds between two looks at what is held


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


class Published:
    """When this process's bus last named each conversation and message (monotonic ns): an
    event's reload reads the database after that moment."""

    LIMIT = 20_000  # ids remembered; an older one just reloads once more

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conversations: OrderedDict[int, int] = OrderedDict()
        self._messages: OrderedDict[int, int] = OrderedDict()
        self._everything = 0

    def heard(self, event: Event) -> None:
        now = time.monotonic_ns()
        with self._lock:
            if isinstance(event, EverythingChanged):
                self._everything = now
            elif isinstance(event, ConversationsChanged):
                self._note(self._conversations, event.ids, now)
            elif isinstance(event, MessagesChanged):
                self._note(self._conversations, event.conversation_ids, now)
                self._note(self._messages, event.message_ids, now)

    def _note(self, seen: OrderedDict[int, int], ids: frozenset[int], now: int) -> None:
        for i in ids:
            seen[i] = now
            seen.move_to_end(i)
        while len(seen) > self.LIMIT:
            seen.popitem(last=False)

    def covers(self, change: Change, committed: int) -> bool:
        """Whether an event after `committed` named everything `change` makes a view reload."""
        with self._lock:
            if self._everything > committed:
                return True
            if change.conversation_id is not None and self._conversations.get(change.conversation_id, 0) <= committed:
                return False
            if change.kind in kinds.MESSAGE_KINDS:
                return change.message_id is not None and self._messages.get(change.message_id, 0) > committed
            return True


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
        if db.own_changes is None:
            db.own_changes = OwnChanges()
        self._own = db.own_changes
        self._published = Published()
        self._unsubscribe: Callable[[], None] | None = None
        self._held: list[tuple[float, Change]] = []  # own changes waiting for their local event
        self._held_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._stopped = False
        self.echoes = 0  # own changes skipped (tests and diagnostics read it)

    @property
    def state(self) -> str | None:
        return self._listener.state

    @property
    def last_seen(self) -> int:
        return self._listener.last_seen

    def start(self) -> LiveFeed:
        if self._unsubscribe is None:
            self._unsubscribe = self._bus.subscribe(self._published.heard)
        self._listener.start()
        return self

    def stop(self) -> None:
        self._listener.stop()
        with self._held_lock:
            self._stopped = True
            timer, self._timer = self._timer, None
            self._held.clear()
        if timer is not None:
            timer.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _publish(self, batch: list[Change]) -> None:
        fresh, wait = [], []
        for change in batch:
            verdict = self._verdict(change)
            if verdict == "publish":
                fresh.append(change)
            elif verdict == "wait":
                wait.append((time.monotonic() + HOLD, change))
        for event in events_for(fresh):
            self._bus.publish(event)
        if wait:
            with self._held_lock:
                self._held.extend(wait)
            self._arm()

    def _verdict(self, change: Change) -> str:
        """publish (not ours, or a reset), skip (an echo a local event covered) or wait (ours, its
        local event may not be out yet)."""
        if change.is_reset:
            return "publish"
        mine, committed = self._own.lookup(change.seq)
        if not mine:
            return "publish"
        if committed is not None and self._published.covers(change, committed):
            self._own.forget(change.seq)
            self.echoes += 1
            return "skip"
        return "wait"

    def _arm(self) -> None:
        with self._held_lock:
            if self._timer is None and self._held and not self._stopped:
                self._timer = threading.Timer(_RECHECK, self._release)
                self._timer.daemon = True
                self._timer.name = "inbox-live-feed-hold"
                self._timer.start()

    def _release(self) -> None:
        """Drop the held changes a local event covered by now; publish those whose time is up."""
        with self._held_lock:
            self._timer = None
            held, self._held = self._held, []
        now, due, keep = time.monotonic(), [], []
        for deadline, change in held:
            verdict = self._verdict(change)
            if verdict == "wait" and now < deadline:
                keep.append((deadline, change))
            elif verdict != "skip":
                self._own.forget(change.seq)
                due.append(change)
        for event in events_for(due):
            self._bus.publish(event)
        if keep:
            with self._held_lock:
                self._held = keep + self._held
            self._arm()
