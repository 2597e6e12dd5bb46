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
from tests.conftest import OUR_NUMBER, _postgres_schema_url, add_channel

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


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated database per backend for the whole module (migrating is most of a test's
    cost); each test works from the log's newest number or on a customer of its own."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('feed') / 'inbox.sqlite3'}"
    else:
        schema = _postgres_schema_url()
        url = next(schema)
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()
    if schema is not None:
        schema.close()  # drops the schema


@pytest.fixture(scope="module")
def channel(db):
    with db.write() as s:
        return add_channel(s)


def _unique_phone() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


@pytest.fixture
def phone() -> str:
    return _unique_phone()


@pytest.fixture
def conv(db, channel, phone) -> int:
    with db.write() as s:
        contact_id = contacts.get_or_create(s, phone)
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


def test_a_many_row_insert_of_messages_logs_each_in_id_order_and_wakes_a_listener(db, channel, conv, listen) -> None:
    """One INSERT of several messages (ingest's bulk path; on PostgreSQL a statement-level trigger
    since 0021) logs one `message.new` per message, in id order, and notifies once."""
    _, got = listen()
    eventually(lambda: got.states[-1:] in (["connected"], ["polling"]), "the listener following")
    before = feed.latest_seq(db)
    other = _other_process_db(db)
    try:
        with other.engine.begin() as c:
            ids = c.scalars(
                sa.text(
                    "INSERT INTO messages (channel_id, conversation_id, direction, body, status, encoding, "
                    "num_segments, author_kind, from_number, to_number, masked, attempts, created_at, updated_at) "
                    "SELECT :ch, :conv, 'inbound', 'bulk ' || g, 'received', 'GSM-7', 1, 'customer', '+1', '+2', "
                    "false, 0, :at, :at FROM (SELECT 1 AS g UNION ALL SELECT 2 UNION ALL SELECT 3) AS three "
                    "RETURNING id"
                ),
                {"ch": channel.id, "conv": conv, "at": T0},
            ).all()
    finally:
        other.dispose()
    logged = feed.changes_since(db, before)
    assert [(c.kind, c.conversation_id, c.message_id) for c in logged] == [
        (kinds.MESSAGE_NEW, conv, i) for i in sorted(ids)
    ]
    assert [c.seq for c in logged] == sorted(c.seq for c in logged)
    eventually(lambda: {c.message_id for c in got.changes} >= set(ids), "the listener heard of all three")


def test_a_rolled_back_change_is_not_in_the_log(db, conv) -> None:
    before = feed.latest_seq(db)
    with pytest.raises(RuntimeError), db.write() as s:
        conversations.set_fields(s, conv, assignee="zoe")
        raise RuntimeError("changed my mind")
    assert feed.changes_since(db, before) == []


def test_bookkeeping_alone_records_nothing_but_a_delivery_state_does(db, channel, conv, phone) -> None:
    with db.write() as s:
        s.execute(
            sa.text(
                "INSERT INTO messages (conversation_id, channel_id, direction, body, status, encoding, num_segments,"
                " author_kind, from_number, to_number, masked, attempts, created_at, updated_at)"
                " VALUES (:c, :ch, 'outbound', 'hi', 'queued', 'GSM-7', 1, 'agent', :f, :t, false, 0, :now, :now)"
            ),
            {"c": conv, "ch": channel.id, "f": OUR_NUMBER, "t": phone, "now": T0},
        )
    start = feed.latest_seq(db)
    mine = {"c": conv, "now": T0}
    with db.write() as s:
        s.execute(
            sa.text("UPDATE messages SET attempts = attempts + 1, updated_at = :now WHERE conversation_id = :c"), mine
        )
    assert feed.changes_since(db, start) == []
    with db.write() as s:
        s.execute(sa.text("UPDATE messages SET status = 'delivered' WHERE conversation_id = :c"), mine)
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
    assert feed.prune(db) == 0 or feed.pruned_through(db) < newest - 3  # the young ones stay
    assert [c.seq for c in feed.changes_since(db, newest - 3)] == [newest - 2, newest - 1, newest]
    _age_log(db, 8)
    assert feed.prune(db) > 0
    log = feed.changes_since(db, 0)
    assert [(c.seq, c.kind) for c in log] == [(newest - 1, kinds.RESET), (newest, kinds.CONVERSATION_UPDATED)]
    assert feed.pruned_through(db) == newest - 1 and feed.latest_seq(db) == newest
    assert feed.prune(db) == 0  # nothing more to drop: the marker and the newest stay
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="d")
    assert feed.latest_seq(db) == newest + 1  # numbers keep growing after a prune


def test_the_leading_process_prunes_the_log_in_its_housekeeping(db, conv) -> None:
    from inbox.engine.runner import Runner

    with db.write() as s:
        conversations.set_fields(s, conv, assignee="old")
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="older")
    _age_log(db, 30)
    newest = feed.latest_seq(db)
    runner = Runner(db)
    try:
        runner._housekeeping_job()  # what its scheduler runs hourly
    finally:
        runner.shutdown()
    assert [c.seq for c in feed.changes_since(db, 0)] == [newest - 1, newest]
    assert feed.pruned_through(db) == newest - 1


def test_a_listener_behind_the_pruned_log_is_told_to_reload_everything(db, conv, listen) -> None:
    for who in ("a", "b", "c"):
        with db.write() as s:
            conversations.set_fields(s, conv, assignee=who)
    _age_log(db, 8)
    feed.prune(db)
    latest = feed.latest_seq(db)
    listener, got = listen(since=feed.pruned_through(db) - 1)
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


def test_ingest_and_opt_out_land_in_the_feed(db, channel) -> None:
    from inbox.engine.ingest import ingest
    from inbox.providers.base import InboundBatch

    start = feed.latest_seq(db)
    phone = _unique_phone()
    batch = InboundBatch(
        [InboundMessage("SM" + secrets.token_hex(16), phone, channel.number, "STOP", T0)], PollCursor(T0)
    )
    ingest(db, channel, batch)
    log = feed.changes_since(db, start)
    with db.read() as s:
        contact_id = contacts.get_or_create(s, phone)
        conv = conversations.get_or_create(s, contact_id, channel.id, T0)
        mo = [m.id for m in messages.page(s, conv, None, 10) if m.direction.value == "inbound"]
        assert optouts.is_opted_out(s, contact_id, channel.id)
    assert (kinds.MESSAGE_NEW, conv, mo[0]) in {(c.kind, c.conversation_id, c.message_id) for c in log}
    assert (kinds.OPT_OUT, conv) in {(c.kind, c.conversation_id) for c in log}
    assert all(c.conversation_id == conv for c in log)


# -- every writing use case lands in the feed ---------------------------------------------------------
def _reply(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    InboxService(db, agent="dana").send_reply(conv, "We are on it")


def _note(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    InboxService(db, agent="dana").add_note(conv, "called them back")


def _assign(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    InboxService(db, agent="dana").assign(conv, "dana")


def _resolve(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    InboxService(db, agent="dana").set_status(conv, ConversationStatus.RESOLVED)


def _label(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    InboxService(db, agent="dana").set_labels(conv, ["vip", "refund"])


def _rename(db, channel, conv, phone) -> None:
    from inbox.engine.service import InboxService

    with db.read() as s:
        contact_id = contacts.get_or_create(s, phone)
    InboxService(db, agent="dana").rename_contact(contact_id, "Maria")


def _opt_out(db, channel, conv, phone) -> None:
    from inbox.core.models import OptOutSource

    with db.write() as s:
        contact_id = contacts.get_or_create(s, phone)
        optouts.record(s, contact_id, channel.id, opted_out=True, at=T0, source=OptOutSource.AGENT)


def _verify(db, channel, conv, phone) -> None:
    from inbox.engine.verification import Verifier

    Verifier(db).start(channel.id, phone, purpose="refund", conversation_id=conv)


def _mo(db, channel, conv, phone) -> None:
    from inbox.engine.ingest import ingest
    from inbox.providers.base import InboundBatch

    message = InboundMessage("SM" + secrets.token_hex(16), phone, channel.number, "where is my parcel?", T0)
    ingest(db, channel, InboundBatch([message], PollCursor(T0)))


def _cli_send(db, channel, conv, phone) -> None:
    from inbox.cli.main import main

    assert main(["--db", db.url, "send", "--channel", channel.name, "--to", phone, "on our way"]) == 0


def _delivered(db, channel, conv, phone) -> None:
    _reply(db, channel, conv, phone)
    with db.write() as s:
        (m,) = [m for m in messages.page(s, conv, None, 10) if m.direction.value == "outbound"]
        messages.set_fields(s, m.id, status="delivered", delivered_at=T0)


USE_CASES = [
    (_mo, kinds.MESSAGE_NEW),
    (_reply, kinds.MESSAGE_NEW),
    (_note, kinds.MESSAGE_NEW),
    (_delivered, kinds.MESSAGE_UPDATED),
    (_assign, kinds.CONVERSATION_UPDATED),
    (_resolve, kinds.CONVERSATION_UPDATED),
    (_label, kinds.CONVERSATION_UPDATED),
    (_rename, kinds.CONTACT_UPDATED),
    (_opt_out, kinds.OPT_OUT),
    (_verify, kinds.VERIFICATION),
    (_cli_send, kinds.MESSAGE_NEW),
]


@pytest.mark.parametrize(("use_case", "kind"), USE_CASES, ids=[f.__name__.strip("_") for f, _ in USE_CASES])
def test_every_writing_use_case_lands_in_the_feed(db, channel, conv, phone, use_case, kind, monkeypatch) -> None:
    monkeypatch.setenv("INBOX_VERIFICATION_KEY", "0" * 64)
    start = feed.latest_seq(db)
    use_case(db, channel, conv, phone)
    log = feed.changes_since(db, start)
    assert (kind, conv) in {(c.kind, c.conversation_id) for c in log}, log
    assert {c.conversation_id for c in log} <= {conv, None}  # nobody else's conversation
    if kind in kinds.MESSAGE_KINDS:
        with db.read() as s:
            ids = {m.id for m in messages.page(s, conv, None, 50)}
        assert {c.message_id for c in log if c.kind == kind} <= ids and any(c.message_id for c in log)


# -- PostgreSQL: dropped connections and out-of-order commits --------------------------------------------
def _pg_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite has one writer and no server to lose")


def test_a_killed_listener_connection_reconnects_and_misses_nothing(db, conv, listen) -> None:
    _pg_only(db)
    name = f"feedtest-{secrets.token_hex(4)}"
    url = db.engine.url.update_query_dict({"application_name": name}).render_as_string(hide_password=False)
    named = Database(url)
    other = _other_process_db(db)
    during: list[int] = []

    def while_down(state: str) -> None:
        if state == kinds.RECONNECTING and not during:  # the listener is disconnected right now
            for who in ("x", "y", "z"):
                with other.write() as s:
                    conversations.set_fields(s, conv, assignee=who)
            during.append(feed.latest_seq(other))

    try:
        start = feed.latest_seq(db)
        got = Collector()

        def on_state(state: str) -> None:
            got.states.append(state)
            while_down(state)

        listener = feed.FeedListener(named, got, on_state=on_state, since=start).start()
        try:
            eventually(lambda: kinds.CONNECTED in got.states, "connected")
            with db.write() as s:
                conversations.set_fields(s, conv, assignee="before")
            eventually(lambda: len(got.changes) == 1, "the change before the kill")
            with db.engine.begin() as c:
                killed = c.scalar(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"
                    ),
                    {"n": name},
                )
            assert killed == 1
            eventually(lambda: got.states.count(kinds.CONNECTED) == 2, "connected again")
            eventually(lambda: len(got.changes) == 4, "the changes committed while it was down")
            with db.write() as s:
                conversations.set_fields(s, conv, assignee="after")
            eventually(lambda: len(got.changes) == 5, "the change after the reconnect")
        finally:
            listener.stop()
    finally:
        named.dispose()
        other.dispose()
    assert got.states[:3] == [kinds.CONNECTED, kinds.RECONNECTING, kinds.CONNECTED]
    assert got.seqs() == list(range(start + 1, start + 6))  # each once, in order, none missing
    assert during == [start + 4]


def test_a_lower_number_committed_after_a_higher_one_is_not_lost(db, conv, listen) -> None:
    _pg_only(db)
    start = feed.latest_seq(db)
    with db.read() as s:
        contact_id = s.scalar(sa.text("SELECT contact_id FROM conversations WHERE id = :id"), {"id": conv})
    _, got = listen(since=start)
    eventually(lambda: kinds.CONNECTED in got.states, "connected")
    slow, fast = db.engine.connect(), db.engine.connect()
    try:
        slow.begin()
        slow.execute(sa.text("UPDATE conversations SET assignee = 'slow' WHERE id = :id"), {"id": conv})
        with fast.begin():
            fast.execute(
                sa.text("UPDATE contacts SET notes = 'fast' WHERE id = :contact"),
                {"contact": contact_id},
            )
        eventually(lambda: got.changes, "the faster transaction")
        assert min(got.seqs()) > start + 1  # the slow transaction's number is below: a gap
        slow.commit()
        eventually(lambda: start + 1 in got.seqs(), "the slower transaction, committed later")
    finally:
        slow.close()
        fast.close()
    assert sorted(got.seqs()) == [c.seq for c in feed.changes_since(db, start)]
    assert len(set(got.seqs())) == len(got.seqs())


def test_a_rolled_back_transaction_leaves_a_gap_that_holds_nothing_up(db, conv, listen) -> None:
    _pg_only(db)
    start = feed.latest_seq(db)
    _, got = listen(since=start, gap_grace=0.5)
    eventually(lambda: kinds.CONNECTED in got.states, "connected")
    with db.engine.connect() as c:
        c.begin()
        c.execute(sa.text("UPDATE conversations SET assignee = 'never' WHERE id = :id"), {"id": conv})
        c.rollback()
    for who in ("a", "b"):
        with db.write() as s:
            conversations.set_fields(s, conv, assignee=who)
    eventually(lambda: len(got.changes) == 2, "the changes after the gap")
    assert got.seqs() == [start + 2, start + 3]


def test_without_notifications_the_listener_says_so_and_polls(db, conv, monkeypatch) -> None:
    """What a transaction pooler (pgbouncer, pool_mode=transaction) does to LISTEN: changes
    commit, no NOTIFY ever arrives. The listener warns, falls back to polling, misses nothing."""
    _pg_only(db)
    monkeypatch.setattr(feed, "CHANNEL", "inbox_changes_nobody_sends")  # LISTEN hears nothing
    monkeypatch.setattr(feed, "PG_WAIT", 0.2)
    monkeypatch.setattr(feed, "PG_GAP_WAIT", 0.2)
    start = feed.latest_seq(db)
    got = Collector()
    listener = feed.FeedListener(db, got, on_state=got.states.append, since=start).start()
    try:
        for n in range(1, feed.SILENT_READS + 3):
            with db.write() as s:
                conversations.set_fields(s, conv, assignee=f"agent{n}")
            eventually(lambda n=n: len(got.changes) >= n, "the change, without a NOTIFY")
        eventually(lambda: kinds.POLLING_FALLBACK in got.states, "the fallback")
        with db.write() as s:
            conversations.set_fields(s, conv, assignee="after the fallback")
        eventually(lambda: len(got.changes) == feed.SILENT_READS + 3, "a change while polling")
    finally:
        listener.stop()
    assert got.seqs() == list(range(start + 1, start + feed.SILENT_READS + 4))


# -- republished into the process's event bus -----------------------------------------------------------
def test_live_feed_republishes_a_burst_as_one_event_of_each_kind(db, channel, conv, phone) -> None:
    from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
    from inbox.engine.live import LiveFeed
    from inbox.engine.service import InboxService

    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    other = _other_process_db(db)
    live = LiveFeed(db, bus, since=feed.latest_seq(db)).start()
    try:
        with other.write() as s:  # one transaction: one batch
            conversations.set_fields(s, conv, assignee="zoe")
            conversations.set_labels(s, conv, ["vip"])
            messages.add_note(s, channel_id=channel.id, conversation_id=conv, body="called back", author="dana", at=T0)
        eventually(lambda: len(seen) >= 2, "the events")
        time.sleep(0.3)  # a second batch would be here by now
        events = list(seen)
        InboxService(other, agent="dana").send_reply(conv, "done")
        eventually(lambda: len(seen) >= 4, "the reply's events")
    finally:
        live.stop()
        other.dispose()
    (msgs,) = [e for e in events if isinstance(e, MessagesChanged)]
    (convs,) = [e for e in events if isinstance(e, ConversationsChanged)]
    assert len(events) == 2 and msgs.conversation_ids == {conv} and len(msgs.message_ids) == 1
    assert convs.ids == {conv} and live.state == kinds.STOPPED


def test_a_reset_becomes_everything_changed() -> None:
    from inbox.core.events import EverythingChanged
    from inbox.engine.live import events_for

    now = datetime.now(UTC)
    batch = [Change(1, kinds.MESSAGE_NEW, 3, 9, now), Change(2, kinds.RESET, None, None, now)]
    assert events_for(batch) == [EverythingChanged()]
    assert events_for([Change(3, kinds.OPT_OUT, None, None, now)]) == []  # nothing a view could reload by id


def test_a_gap_is_asked_for_until_it_appears_once_or_its_grace_ends() -> None:
    gaps = feed._Gaps()
    gaps.open(3, 7, since=0.0)
    gaps.open(9, 8, since=0.0)  # an empty run is no gap
    assert gaps.take(5) and not gaps.take(5) and not gaps.take(8)  # delivered once, never twice
    assert gaps.asked() == [(3, 4), (6, 7)]
    gaps.open(20, 20, since=9.0)
    gaps.expire(now=10.0, grace=5.0)  # the old runs: rolled back for good
    assert gaps.asked() == [(20, 20)]


def test_live_feed_skips_the_echo_of_its_own_change_and_nothing_else(db, channel, conv) -> None:
    """A desktop reloads its own change from the engine's event after the commit; the same change
    coming back through the feed is skipped. What it did not publish itself, and another
    process's change to the same conversation, still come through."""
    from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
    from inbox.engine import live as live_module
    from inbox.engine.live import LiveFeed
    from inbox.engine.service import InboxService

    bus = EventBus()
    from_feed: list[object] = []

    def heard(event: object) -> None:
        if threading.current_thread().name.startswith("inbox-live-feed"):  # the listener, or its hold timer
            from_feed.append(event)

    bus.subscribe(heard)
    other = _other_process_db(db)
    live = LiveFeed(db, bus, since=feed.latest_seq(db)).start()

    def read_through() -> None:
        newest = feed.latest_seq(db)
        eventually(lambda: live.last_seen >= newest, "the feed read the newest change")
        time.sleep(live_module.HOLD + 0.5)  # what it publishes for it is out by now (an own change waits HOLD)

    try:
        InboxService(db, bus, agent="dana").send_reply(conv, "On its way")  # published here after the commit
        read_through()
        assert from_feed == [] and live.echoes >= 2, "the reply and its conversation: not reloaded again"

        with db.write() as s:  # this process, but no event said so: the feed must
            conversations.set_fields(s, conv, assignee="zoe")
        read_through()
        assert from_feed == [ConversationsChanged(ids=frozenset({conv}))]

        from_feed.clear()
        InboxService(db, bus, agent="dana").add_note(conv, "Called back")
        with other.write() as s:  # another process, same conversation, just after
            messages.add_note(s, channel_id=channel.id, conversation_id=conv, body="me too", author="zoe", at=T0)
        read_through()
        notes = [e for e in from_feed if isinstance(e, MessagesChanged)]
        assert len(notes) == 1 and len(notes[0].message_ids) == 1, "only the other process's note"
    finally:
        live.stop()
        other.dispose()
        db.own_changes = None  # the module's other tests write without it


def test_an_outage_is_logged_once_and_its_end_once(db, conv, monkeypatch, caplog) -> None:
    """A database down for a while fails every reconnect attempt: one warning for the outage (the
    rest at debug level), one line when the listener follows the database again."""
    monkeypatch.setattr(feed.backoff, "delay", lambda *_a, **_k: 0.01)
    real = feed.FeedListener._connect
    failures = [5]

    def flaky(self):  # type: ignore[no-untyped-def]
        if failures[0]:
            failures[0] -= 1
            raise OSError("connection refused")
        return real(self)

    monkeypatch.setattr(feed.FeedListener, "_connect", flaky)
    caplog.set_level("DEBUG", logger="inbox.store.feed")
    got = Collector()
    listener = feed.FeedListener(db, got, on_state=got.states.append, since=feed.latest_seq(db)).start()
    try:
        eventually(lambda: got.states[-1:] in (["connected"], ["polling"]), "following after the outage")
        with db.write() as s:
            conversations.set_fields(s, conv, assignee="after-outage")
        eventually(lambda: bool(got.changes), "the change after the outage")
    finally:
        listener.stop()
    lost = [r for r in caplog.records if "lost the database" in r.getMessage()]
    assert len(lost) == 5 and [r.levelname for r in lost].count("WARNING") == 1
    assert sum("following the database again after 5" in r.getMessage() for r in caplog.records) == 1
