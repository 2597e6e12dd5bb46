"""Change events become one reload per burst, read once and shared by every view of the main window.

Why: one customer text names its conversation and its message in two events, and the list row, the
thread header, the thread, the unread count (with the window title and the tray), the identity chip
and the notifier all want fresh data. Each fetching its own queued six jobs on the one worker, three
of them the same summary. The refresher collects the ids of a burst for a moment (``DELAY_MS``),
then one job reads each thing once and every view applies its part. A change made by an op that
shows its own result (the composer applying the reply it sent) carries that op's initiator and is
not fetched again — the ``operation_did_execute(changes, handler)`` pattern of Anki's main window.
A change feed's "everything changed" (a desktop that fell too far behind) reloads what is visible.

One reload at a time: while one is on the worker, what changes collects in the next burst, which
goes when the first has applied. A desktop that reads slower than changes arrive (a busy database,
a daemon ingesting a hundred texts a second) then reloads less often with more ids each time,
instead of queueing reloads faster than the worker runs them and falling ever further behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QSettings

from inbox.core.models import ConversationSummary, Message
from inbox.core.verification import VerificationStatus
from inbox.ui import ops, settings

if TYPE_CHECKING:
    from inbox.engine.service import ChannelHealth, InboxService
    from inbox.engine.verification import Verifier
    from inbox.ui.conversations.pane import ConversationListPane
    from inbox.ui.notifications import Notifier
    from inbox.ui.status import StatusBarController
    from inbox.ui.thread.pane import ThreadPane


class RefreshedWindow(Protocol):
    """What the refresher reads and updates of the main window (which creates it: naming the window
    class here would make the two modules import each other)."""

    service: InboxService
    verifier: Verifier | None
    settings: QSettings
    list_pane: ConversationListPane
    thread_pane: ThreadPane
    notifier: Notifier
    status: StatusBarController

    def show_verification(self, cid: int, st: VerificationStatus | None) -> None: ...


# Long enough to catch the events one commit publishes back to back (messages, then conversations),
# short enough to be invisible next to the change feed's own delay.
DELAY_MS = 30


@dataclass
class _Burst:
    """What changed since the last reload."""

    conversations: set[int] = field(default_factory=set)
    messages: set[int] = field(default_factory=set)
    message_conversations: set[int] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.conversations or self.messages or self.message_conversations or self.everything)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one reload read: the summaries of the changed conversations (fetched once for the list,
    the header and the notifier), the messages the thread or a notification needs, the unread total
    and, when the open conversation changed, its identity state."""

    summaries: list[ConversationSummary]
    messages: list[Message]
    unread: int | None
    verification: VerificationStatus | None
    mentions_me: set[int] = field(default_factory=set)  # of the notes to notify, those mentioning me
    health: list[ChannelHealth] | None = None  # read when messages changed: the outbox may have drained


class Refresher(QObject):
    """Coalesces the main window's change events into one job per burst."""

    def __init__(self, window: RefreshedWindow, parent: QObject) -> None:
        super().__init__(parent)
        self._window = window
        self._burst = _Burst()
        self._scheduled = False
        self._loading = False  # a reload is on the worker: the next burst waits for it
        self.reloads = 0  # jobs queued for bursts (the status bar's diagnostics and tests read it)

    # -- collecting ----------------------------------------------------------------------------
    def conversations_changed(self, ids: frozenset[int], _initiator: object = None) -> None:
        self._burst.conversations.update(ids)
        self._schedule()

    def messages_changed(
        self, conversation_ids: frozenset[int], message_ids: frozenset[int], initiator: object = None
    ) -> None:
        """A change whose initiator is set was made by a view that shows its result itself: its
        conversations are reloaded (the preview moved), its messages are not fetched again."""
        self._burst.message_conversations.update(conversation_ids)
        if initiator is None:
            self._burst.messages.update(message_ids)
        self._schedule()

    def everything_changed(self) -> None:
        self._burst.everything = True
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled and not self._loading:
            self._scheduled = True
            ops.later(self, DELAY_MS, self.flush)

    def _loaded(self, *_result: object) -> None:
        """The reload on the worker applied (or failed): send what collected meanwhile."""
        self._loading = False
        if self._burst:
            self._schedule()

    # -- reloading -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Reload what the burst named, in one job on the worker."""
        self._scheduled = False
        burst, self._burst = self._burst, _Burst()
        if not burst:
            return
        if burst.everything:
            self._reload_all()
            return
        w = self._window
        service, verifier = w.service, w.verifier
        cids = sorted(burst.conversations | burst.message_conversations)
        open_id = w.thread_pane.conversation_id
        thread_mids = set(burst.messages) if open_id in burst.message_conversations else set()
        notify_mids = w.notifier.wanted(burst.messages) if settings.desktop_notifications(w.settings) else set()
        mids = sorted(thread_mids | notify_mids)
        identity = (
            (lambda cid=open_id: verifier.conversation_status(cid))
            if verifier is not None and open_id is not None and open_id in cids
            else None
        )
        list_gen, thread_gen = w.list_pane.model.generation, w.thread_pane.model.generation
        # A message changed (queued, sent, delivered): "1 waiting to send" must go with the ✓✓.
        outbox_moved = bool(burst.message_conversations)
        # A text landing in the conversation the agent is looking at (active window) is read: marked
        # so before anything is shown, so neither its row nor the title ever counts it.
        seen = open_id if open_id in burst.message_conversations and w.thread_pane.on_screen() else None

        def load() -> Snapshot:
            summaries = service.conversation_summaries(cids) if cids else []
            if seen is not None and any(s.id == seen and s.unread_count for s in summaries):
                service.mark_read(seen)
                summaries = service.conversation_summaries(cids)
            return Snapshot(
                summaries=summaries,
                messages=service.messages(mids) if mids else [],
                unread=service.unread_total() if cids else None,
                verification=identity() if identity is not None else None,
                mentions_me=service.mentions_of_me(sorted(notify_mids)) if notify_mids else set(),
                health=service.channel_health() if outbox_moved else None,
            )

        def apply(snap: Snapshot) -> None:
            try:
                show(snap)
            finally:
                self._loaded()

        def show(snap: Snapshot) -> None:
            if cids:
                w.list_pane.model.apply_summaries(cids, snap.summaries, list_gen)
            if open_id is not None and open_id in cids:
                w.thread_pane.apply_summary(open_id, [s for s in snap.summaries if s.id == open_id])
            if thread_mids:
                w.thread_pane.model.apply_messages([m for m in snap.messages if m.id in thread_mids], thread_gen)
            if notify_mids:
                w.notifier.notify_loaded(
                    [m for m in snap.messages if m.id in notify_mids], snap.summaries, snap.mentions_me
                )
            if snap.unread is not None:
                w.status.set_unread(snap.unread)
            if identity is not None and open_id is not None:
                w.show_verification(open_id, snap.verification)
            if snap.health is not None:
                w.status.show_health(snap.health)

        self.reloads += 1
        self._loading = True
        ops.run_op(w, load, apply, self._loaded, label="Refreshing")

    def _reload_all(self) -> None:
        """Everything may have changed: the list from its first page, the open thread, the counts."""
        w = self._window
        self.reloads += 1
        w.list_pane.model.reload()
        w.thread_pane.reload()
        w.status.refresh_unread()
