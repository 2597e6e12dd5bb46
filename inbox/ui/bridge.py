"""The one place where engine change events cross into the GUI thread.

Why: the engine publishes on whatever thread committed (a scheduler job, or the op worker). Widgets
may only be touched on the GUI thread, so this QObject re-emits each event as a Qt signal; receivers
connect with ``Qt.QueuedConnection`` and decide, by id, what to reload. Each change signal also
carries the initiator of the op that published it (``ops.run_op(initiator=…)``; None for the
scheduler, another process's change or a script), so that view can skip what it already shows.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from inbox.core.events import (
    ChannelHealthChanged,
    ConversationsChanged,
    Event,
    EventBus,
    EverythingChanged,
    MessagesChanged,
)
from inbox.ui import ops
from inbox.ui.qt_compat import emit


class EventBridge(QObject):
    """Subscribes to an ``EventBus`` and re-emits its events as Qt signals.

    Signals:
        conversations_changed(object, object): frozenset of conversation ids; initiator or None.
        messages_changed(object, object, object): frozensets of conversation ids and message ids;
            initiator or None.
        channel_health_changed(int, bool, str): channel id, ok, detail.
        everything_changed(): the change feed lost track (reload all that is shown).
    """

    conversations_changed = Signal(object, object)
    messages_changed = Signal(object, object, object)
    channel_health_changed = Signal(int, bool, str)
    everything_changed = Signal()

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        """Runs on the publisher's thread: only emits (Qt queues it to the receivers)."""
        if not shiboken6.isValid(self):
            return
        if isinstance(event, ConversationsChanged):
            emit(self.conversations_changed, frozenset(event.ids), ops.initiator())
        elif isinstance(event, MessagesChanged):
            emit(
                self.messages_changed,
                frozenset(event.conversation_ids),
                frozenset(event.message_ids),
                ops.initiator(),
            )
        elif isinstance(event, ChannelHealthChanged):
            emit(self.channel_health_changed, event.channel_id, event.ok, event.detail)
        elif isinstance(event, EverythingChanged):
            emit(self.everything_changed)

    def close(self) -> None:
        """Stop listening (called when the window closes, before Qt deletes this object)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
