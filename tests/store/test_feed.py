"""The change feed on each backend: every write a desktop shows lands in the log, whoever made it,
and a listener in another process sees it — after a restart, a dropped connection, a transaction
that commits out of order, and past pruning (it is told to reload everything)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from inbox.core import changes as kinds
from inbox.core.changes import Change
from inbox.core.models import ConversationStatus, InboundMessage, PollCursor
from inbox.store import contacts, conversations, feed, messages, optouts
from inbox.store.db import Database
from tests.conftest import OUR_NUMBER, add_channel

PHONE = "+15551230000"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WAIT = 15.0  # seconds a test waits for something that should take well under one


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.02)


class Collector:
    """What a listener delivered, one list per on_changes call, and the states it went through."""

    def __init__(self) -> None:
        self.batches: list[list[Change]] = []
        self.states: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, batch: list[Change]) -> None:
        with self._lock:
            self.batches.append(list(batch))

    @property
    def changes(self) -> list[Change]:
        with self._lock:
            return [c for b in self.batches for c in b]

    def seqs(self) -> list[int]:
        return [c.seq for c in self.changes]


@pytest.fixture
def channel(db):
    with db.write() as s:
        return add_channel(s)


@pytest.fixture
def conv(db, channel) -> int:
    with db.write() as s:
        contact_id = contacts.get_or_create(s, PHONE)
        return conversations.get_or_create(s, contact_id, channel.id, T0)


@pytest.fixture
def listen(db) -> Iterator[Callable[..., tuple[feed.FeedListener, Collector]]]:
    started: list[feed.FeedListener] = []

    def start(since: int | None = None, database: Database | None = None, **kw) -> tuple[feed.FeedListener, Collector]:
        got = Collector()
        listener = feed.FeedListener(database or db, got, on_state=got.states.append, since=since, **kw).start()
        started.append(listener)
        return listener, got

    yield start
    for listener in started:
        listener.stop()


def _other_process_db(db: Database) -> Database:
    """A second engine on the same database: what another process would use."""
    return Database(db.url)


# -- the log itself ---------------------------------------------------------------------------------
def test_every_trigger_is_installed_at_heads(db) -> None:
    """On SQLite a migration that rebuilds a table drops its triggers: this notices."""

    names = {f"change_log_{t}_{op}" for t, ops in _WATCHED.items() for op in ops}
    with db.engine.connect() as c:
        if db.is_sqlite:
            found = set(c.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        else:
            found = set(
                c.scalars(
                    sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'change_log_%'")
                )
            )
    assert names <= found, names - found


_WATCHED = {
    "messages": ("insert", "update", "delete"),
    "conversations": ("insert", "update", "delete"),
    "conversation_labels": ("insert", "update", "delete"),
    "contacts": ("update",),
    "opt_outs": ("insert", "update", "delete"),
    "opt_out_events": ("insert",),
    "verification_challenges": ("insert", "update"),
}


def test_a_direct_sql_change_from_another_connection_is_in_the_log(db, conv) -> None:
    before = feed.latest_seq(db)
    other = _other_process_db(db)
    try:
        with other.engine.begin() as c:
            c.execute(sa.text("UPDATE conversations SET assignee = 'zoe' WHERE id = :id"), {"id": conv})
    finally:
        other.dispose()
    (change,) = feed.changes_since(db, before)
    assert (change.kind, change.conversation_id, change.message_id) == (kinds.CONVERSATION_UPDATED, conv, None)
    assert change.seq == feed.latest_seq(db) and abs(change.at - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_rolled_back_change_is_not_in_the_log(db, conv) -> None:
    before = feed.latest_seq(db)
    with pytest.raises(RuntimeError), db.write() as s:
        conversations.set_fields(s, conv, assignee="zoe")
        raise RuntimeError("changed my mind")
    assert feed.changes_since(db, before) == []


def test_bookkeeping_alone_records_nothing_but_a_delivery_state_does(db, channel, conv) -> None:
    with db.write() as s:
        s.execute(
            sa.text(
                "INSERT INTO messages (conversation_id, channel_id, direction, body, status, encoding, num_segments,"
                " author_kind, from_number, to_number, masked, attempts, created_at, updated_at)"
                " VALUES (:c, :ch, 'outbound', 'hi', 'queued', 'GSM-7', 1, 'agent', :f, :t, false, 0, :now, :now)"
            ),
            {"c": conv, "ch": channel.id, "f": OUR_NUMBER, "t": PHONE, "now": T0},
        )
    start = feed.latest_seq(db)
    with db.write() as s:
        s.execute(sa.text("UPDATE messages SET attempts = attempts + 1, updated_at = :now"), {"now": T0})
    assert feed.changes_since(db, start) == []
    with db.write() as s:
        s.execute(sa.text("UPDATE messages SET status = 'delivered'"))
    assert [c.kind for c in feed.changes_since(db, start)] == [kinds.MESSAGE_UPDATED]


# -- pruning ----------------------------------------------------------------------------------------
def _age_log(db: Database, days: float) -> None:
    with db.engine.begin() as c:
        c.execute(sa.text("UPDATE change_log SET at = :at"), {"at": datetime.now(UTC) - timedelta(days=days)})


def test_prune_keeps_the_newest_and_marks_what_it_dropped(db, conv) -> None:
    for who in ("a", "b", "c"):
        with db.write() as s:
            conversations.set_fields(s, conv, assignee=who)
    newest = feed.latest_seq(db)
    assert feed.prune(db) == 0  # all young
    _age_log(db, 8)
    assert feed.prune(db) == newest - 1
    log = feed.changes_since(db, 0)
    assert [(c.seq, c.kind) for c in log] == [(newest - 1, kinds.RESET), (newest, kinds.CONVERSATION_UPDATED)]
    assert feed.pruned_through(db) == newest - 1 and feed.latest_seq(db) == newest
    assert feed.prune(db) == 0  # nothing more to drop: the marker and the newest stay
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="d")
    assert feed.latest_seq(db) == newest + 1  # numbers keep growing after a prune


def test_a_listener_behind_the_pruned_log_is_told_to_reload_everything(db, conv, listen) -> None:
    for who in ("a", "b", "c"):
        with db.write() as s:
            conversations.set_fields(s, conv, assignee=who)
    _age_log(db, 8)
    feed.prune(db)
    latest = feed.latest_seq(db)
    listener, got = listen(since=1)
    eventually(lambda: got.changes, "the reset")
    assert [(c.kind, c.seq) for c in got.changes] == [(kinds.RESET, latest)]
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="e")
    eventually(lambda: len(got.changes) == 2, "the change after the reset")
    assert got.changes[1].kind == kinds.CONVERSATION_UPDATED and listener.last_seen == latest + 1


def test_a_listener_up_to_date_is_not_reset_by_a_prune(db, conv, listen) -> None:
    for who in ("a", "b"):
        with db.write() as s:
            conversations.set_fields(s, conv, assignee=who)
    _, got = listen(since=feed.latest_seq(db))
    eventually(lambda: got.states, "the listener running")
    _age_log(db, 8)
    feed.prune(db)
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="c")
    eventually(lambda: got.changes, "the change")
    assert [c.kind for c in got.changes] == [kinds.CONVERSATION_UPDATED]


# -- the listener -----------------------------------------------------------------------------------
def test_a_listener_sees_another_process_commit_and_catches_up_after_a_restart(db, conv, listen) -> None:
    listener, got = listen()
    eventually(lambda: got.states, "the listener running")
    assert got.states[0] == (kinds.POLLING if db.is_sqlite else kinds.CONNECTED)
    other = _other_process_db(db)
    try:
        with other.write() as s:
            conversations.set_fields(s, conv, assignee="zoe")
        eventually(lambda: got.changes, "the other process's change")
        assert [(c.kind, c.conversation_id) for c in got.changes] == [(kinds.CONVERSATION_UPDATED, conv)]
        seen = listener.last_seen
        listener.stop()
        assert listener.state == kinds.STOPPED
        # While no one listens: a label and a status.
        with other.write() as s:
            conversations.set_labels(s, conv, ["vip"])
            conversations.set_fields(s, conv, status=ConversationStatus.RESOLVED.value)
    finally:
        other.dispose()
    _, again = listen(since=seen)
    eventually(lambda: len(again.changes) >= 2, "the changes made while stopped")
    assert [c.kind for c in again.changes] == [kinds.CONVERSATION_UPDATED] * len(again.changes)
    assert again.seqs() == list(range(seen + 1, feed.latest_seq(db) + 1))
    assert len(again.batches) == 1  # one catch-up, one call


def test_stop_returns_promptly_and_calls_nothing_after(db, conv, listen) -> None:
    listener, got = listen()
    eventually(lambda: got.states, "the listener running")
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < WAIT  # not a timing claim: it returns at all
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="zoe")
    time.sleep(0.5)
    assert got.changes == [] and got.states[-1] == kinds.STOPPED


def test_a_failing_consumer_does_not_stop_the_listener(db, conv) -> None:
    calls: list[list[Change]] = []

    def flaky(batch: list[Change]) -> None:
        calls.append(batch)
        if len(calls) == 1:
            raise ValueError("a bug in a view")

    listener = feed.FeedListener(db, flaky, since=feed.latest_seq(db)).start()
    try:
        for n, who in enumerate(("a", "b"), start=1):
            with db.write() as s:
                conversations.set_fields(s, conv, assignee=who)
            eventually(lambda n=n: len(calls) >= n, "a delivery")
    finally:
        listener.stop()
    assert len(calls) == 2


def _unique_phone() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def test_ingest_and_opt_out_land_in_the_feed(db, channel) -> None:
    from inbox.engine.ingest import ingest
    from inbox.providers.base import InboundBatch

    start = feed.latest_seq(db)
    batch = InboundBatch(
        [InboundMessage("SM" + secrets.token_hex(16), PHONE, channel.number, "STOP", T0)], PollCursor(T0)
    )
    ingest(db, channel, batch)
    log = feed.changes_since(db, start)
    with db.read() as s:
        contact_id = contacts.get_or_create(s, PHONE)
        conv = conversations.get_or_create(s, contact_id, channel.id, T0)
        mo = [m.id for m in messages.page(s, conv, None, 10) if m.direction.value == "inbound"]
        assert optouts.is_opted_out(s, contact_id, channel.id)
    assert (kinds.MESSAGE_NEW, conv, mo[0]) in {(c.kind, c.conversation_id, c.message_id) for c in log}
    assert (kinds.OPT_OUT, conv) in {(c.kind, c.conversation_id) for c in log}
    assert all(c.conversation_id == conv for c in log)
