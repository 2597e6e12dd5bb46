"""Never two answers by accident: a reply written against a thread that moved on is held, not queued."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from inbox.core.models import AuthorKind, Channel, InboundMessage
from inbox.engine import replies
from inbox.engine.service import InboxService, SendRefused, StaleReply, UnknownAfter
from inbox.store import contacts, conversations, messages
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER, add_channel

CUSTOMER = "+15557654321"
T0 = datetime.now(UTC) - timedelta(minutes=5)


class Thread:
    """One conversation with a customer's question in it."""

    def __init__(self, db) -> None:
        self.db = db
        with db.write() as s:
            self.channel: Channel = add_channel(s)
            self.contact = contacts.get_or_create(s, CUSTOMER)
            self.id = conversations.get_or_create(s, self.contact, self.channel.id, T0)
        self._n = 0
        self.question = self.customer("Where is my parcel?")

    def customer(self, body: str) -> int:
        self._n += 1
        mo = InboundMessage(f"SM{self._n:032x}", CUSTOMER, OUR_NUMBER, body, datetime.now(UTC))
        with self.db.write() as s:
            new_id = messages.insert_inbound(s, self.channel.id, self.id, mo, OUR_NUMBER)
        assert new_id is not None
        return new_id

    def automatic(self, body: str, author: str = "rule:hours") -> int:
        with self.db.write() as s:
            new_id = replies.queue(
                s,
                self.channel,
                contact_id=self.contact,
                conversation_id=self.id,
                to_number=CUSTOMER,
                text=body,
                author=author,
                at=datetime.now(UTC),
            )
        assert new_id is not None
        return new_id

    def outbound(self) -> list[tuple[str | None, str]]:
        with self.db.read() as s:
            rows = s.execute(
                select(MessageRow.author, MessageRow.body)
                .where(MessageRow.conversation_id == self.id, MessageRow.direction == "outbound")
                .order_by(MessageRow.id)
            )
            return [tuple(r) for r in rows]


@pytest.fixture
def thread(db) -> Thread:
    return Thread(db)


def test_a_colleagues_reply_since_the_message_seen_holds_mine(db, thread) -> None:
    alice, bob = InboxService(db, agent="Alice"), InboxService(db, agent="Bob")
    alice.send_reply(thread.id, "It left the depot this morning", after=thread.question)
    with pytest.raises(StaleReply) as held:
        bob.send_reply(thread.id, "Let me check for you", after=thread.question)
    assert [(m.author_kind, m.author, m.body) for m in held.value.newer] == [
        (AuthorKind.AGENT, "Alice", "It left the depot this morning")
    ]
    assert "Alice replied" in held.value.reason and "It left the depot" in held.value.reason
    assert thread.outbound() == [("Alice", "It left the depot this morning")]


def test_a_new_customer_text_holds_the_reply(db, thread) -> None:
    later = thread.customer("Actually never mind, it just arrived")
    with pytest.raises(StaleReply) as held:
        InboxService(db, agent="Bob").send_reply(thread.id, "Let me check", after=thread.question)
    assert [m.id for m in held.value.newer] == [later]
    assert held.value.reason.startswith("Not sent: The customer wrote")
    assert thread.outbound() == []


def test_an_automatic_reply_counts_as_news(db, thread) -> None:
    """The customer was already answered by a rule: the agent should read what it said first."""
    thread.automatic("We open at 9")
    with pytest.raises(StaleReply) as held:
        InboxService(db, agent="Bob").send_reply(thread.id, "Hello!", after=thread.question)
    assert "An automatic reply (rule:hours) went out" in held.value.reason
    assert "We open" not in str(held.value)  # what a log would record quotes no customer-facing text
    assert thread.outbound() == [("rule:hours", "We open at 9")]


def test_my_own_replies_and_notes_do_not_hold_me(db, thread) -> None:
    bob = InboxService(db, agent="Bob")
    bob.send_reply(thread.id, "First part", after=thread.question)
    InboxService(db, agent="Alice").add_note(thread.id, "I'll leave this one to Bob")
    bob.send_reply(thread.id, "Second part", after=thread.question)
    assert thread.outbound() == [("Bob", "First part"), ("Bob", "Second part")]


def test_send_anyway_queues_exactly_one(db, thread) -> None:
    InboxService(db, agent="Alice").send_reply(thread.id, "On its way", after=thread.question)
    bob = InboxService(db, agent="Bob")
    with pytest.raises(StaleReply):
        bob.send_reply(thread.id, "Checking now", after=thread.question)
    bob.send_reply(thread.id, "Checking now", after=thread.question, force=True)
    assert thread.outbound() == [("Alice", "On its way"), ("Bob", "Checking now")]


def test_seeing_the_newest_message_lets_the_reply_through(db, thread) -> None:
    alices = InboxService(db, agent="Alice").send_reply(thread.id, "On its way", after=thread.question)
    InboxService(db, agent="Bob").send_reply(thread.id, "And here is the tracking link", after=alices.id)
    assert len(thread.outbound()) == 2


def test_without_after_nothing_is_checked(db, thread) -> None:
    thread.customer("hello?")
    InboxService(db, agent="Bob").send_reply(thread.id, "Hi!")
    assert thread.outbound() == [("Bob", "Hi!")]


def test_after_must_be_a_message_of_this_conversation(db, thread) -> None:
    with db.write() as s:
        other = conversations.get_or_create(s, contacts.get_or_create(s, "+15550009999"), thread.channel.id, T0)
        foreign = messages.add_note(s, channel_id=thread.channel.id, conversation_id=other, body="x", author="x")
    bob = InboxService(db, agent="Bob")
    for after in (foreign, 10_000_000):
        with pytest.raises(UnknownAfter, match="not in this conversation"):
            bob.send_reply(thread.id, "Hi", after=after)
    assert thread.outbound() == []


def test_send_to_checks_after_in_the_contacts_conversation(db, thread) -> None:
    later = thread.customer("are you there?")
    bob = InboxService(db, agent="Bob")
    with pytest.raises(StaleReply):
        bob.send_to("main", CUSTOMER, "Yes", after=thread.question)
    bob.send_to("main", CUSTOMER, "Yes", after=later)
    with pytest.raises(UnknownAfter):  # a first text to a new number has no message to have seen
        bob.send_to("main", "+15550008888", "Hello", after=later)
    assert thread.outbound() == [("Bob", "Yes")]
    with db.read() as s:
        assert contacts.by_phone(s, "+15550008888") is None  # refused: nothing was created


def test_a_held_reply_still_refuses_an_opted_out_customer_when_forced(db, thread) -> None:
    """Send anyway skips only the check for news, never the opt-out."""
    from inbox.core.models import OptOutSource
    from inbox.store import optouts

    with db.write() as s:
        optouts.record(
            s, thread.contact, thread.channel.id, opted_out=True, at=T0, source=OptOutSource.KEYWORD, keyword="STOP"
        )
    with pytest.raises(SendRefused, match="opted out"):
        InboxService(db, agent="Bob").send_reply(thread.id, "Hi", after=thread.question, force=True)
    assert thread.outbound() == []


@pytest.mark.postgres
def test_two_agents_answering_at_once_on_postgres_queue_exactly_one(db, thread) -> None:
    """Both saw the same question and press Send in the same instant: one reply goes, one is held.

    Each side's transaction is open and paused (a barrier) just before the conversation lock, so
    without the lock both would check for news before either reply is written, and both would pass."""
    if db.is_sqlite:
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE)")
    barrier = threading.Barrier(2, timeout=10)
    real_lock = conversations.lock
    results: dict[str, object] = {}

    def lock_then_wait(session, conversation_id):  # type: ignore[no-untyped-def]
        # Both transactions are open before either takes the lock: they truly overlap.
        session.execute(select(func.count()).select_from(MessageRow))
        barrier.wait()
        return real_lock(session, conversation_id)

    def reply(agent: str) -> None:
        try:
            results[agent] = InboxService(db, agent=agent).send_reply(thread.id, f"{agent} here", after=thread.question)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[agent] = exc

    conversations_lock = "inbox.engine.service.conversations.lock"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conversations_lock, lock_then_wait)
        workers = [threading.Thread(target=reply, args=(name,)) for name in ("Alice", "Bob")]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Message", "StaleReply"], results
    assert len(thread.outbound()) == 1
    held = next(r for r in results.values() if isinstance(r, StaleReply))
    assert [m.author for m in held.newer] == [thread.outbound()[0][0]]
