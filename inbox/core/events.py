"""Change events the engine publishes after a commit; views decide what to reload, by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock


@dataclass(frozen=True, slots=True)
class ConversationsChanged:
    ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class MessagesChanged:
    conversation_ids: frozenset[int]
    message_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class ChannelHealthChanged:
    channel_id: int
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class ChannelCredentialsChanged:
    """A token was supplied or replaced: the runner retries that channel now instead of after backoff."""

    channel_id: int


@dataclass(frozen=True, slots=True)
class EverythingChanged:
    """The change feed fell behind what the database keeps (or the database was replaced): views
    reload everything they show, as at start."""


Event = ConversationsChanged | MessagesChanged | ChannelHealthChanged | ChannelCredentialsChanged | EverythingChanged
Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out. Subscribers must be quick and thread-safe (the UI bridge just emits a
    queued Qt signal); one failing subscriber never stops the others."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:
                import logging

                logging.getLogger(__name__).exception("event subscriber failed")
