"""A real inbox in a temporary folder — a migrated SQLite database, a channel, sample history —
for previews, screenshots and the desktop's widget tests.

Why a real database rather than a stand-in service: the windows then run the very queries, events
and refusals the product runs, the GUI-thread guard sees every statement, and a stand-in cannot
drift from the engine it imitates. (Anki's tests open a real temporary collection the same way.)
Every call blocks on the database: run it before Qt starts, or off the GUI thread.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from inbox.core.events import EventBus
from inbox.core.models import Channel
from inbox.engine import setup
from inbox.engine.sample import conversations, history
from inbox.engine.service import InboxService
from inbox.store import channels, health
from inbox.store.db import Database

MAIN_NUMBER = "+15550001111"


class TemporaryInbox:
    """One database, one event bus, and the service an agent's windows use; `close` deletes what it made."""

    def __init__(self, folder: Path | None = None, *, agent: str = "Dana") -> None:
        self._owned = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="inbox-sample-")) if folder is None else folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = Database(f"sqlite:///{self.folder / 'inbox.sqlite3'}")
        self.db.upgrade()
        self.events = EventBus()
        self.agent = agent
        self.channels: list[Channel] = []

    def add_channel(self, name: str = "main", number: str = MAIN_NUMBER, **fields: object) -> Channel:
        """A Twilio channel whose token would come from an environment variable (never read here)."""
        options: dict = {"provider_handles_opt_out": False, "help_text": "Reply STOP to opt out."} | fields
        channel = setup.add_channel(
            self.db,
            name=name,
            account_sid="AC" + "0" * 32,
            number=number,
            auth_token_ref="env:INBOX_SAMPLE_TOKEN",
            **options,
        )
        self.channels.append(channel)
        return channel

    def write(self, scripts: Iterable[history.Script], *, now: datetime | None = None) -> int:
        """The scripts as history on the first channel."""
        return history.write(self.db, self.channels[0], scripts, now=now, agent=self.agent)

    def service(self, agent: str | None = None) -> InboxService:
        return InboxService(self.db, self.events, agent=agent or self.agent)

    def close(self) -> None:
        self.db.dispose()
        if self._owned:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> TemporaryInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def preview_inbox(folder: Path | None = None, *, now: datetime | None = None) -> TemporaryInbox:
    """The PREVIEW conversations on a channel that polled a few seconds ago."""
    now = now or datetime.now(UTC)
    inbox = empty_inbox(folder)
    inbox.write(conversations.PREVIEW, now=now)
    with inbox.db.write() as s:
        health.poll_ok(s, inbox.channels[0].id, now - timedelta(seconds=4))
    return inbox


def empty_inbox(folder: Path | None = None) -> TemporaryInbox:
    """A channel and no conversation yet: the window must teach what to do."""
    inbox = TemporaryInbox(folder)
    inbox.add_channel()
    return inbox


def crowded_inbox(conversations_count: int = 1000, folder: Path | None = None) -> TemporaryInbox:
    """The list at scale (UX.md "Check it": 1,000 conversations): generated threads on their own
    channel, written in a few big transactions by the load-test generator."""
    from inbox.engine.sample import bulk

    inbox = TemporaryInbox(folder)
    plan = bulk.SeedPlan(conversations=conversations_count, messages=conversations_count * 4, long_thread=200)
    bulk.seed(inbox.db, plan)
    with inbox.db.write() as s:
        inbox.channels.extend(channels.all_active(s))
        health.poll_ok(s, inbox.channels[0].id, datetime.now(UTC) - timedelta(seconds=4))
    return inbox
