"""The one door for automatic replies (`engine.replies.queue`), on each backend: who it refuses,
what it stores, that it answers a message once, and that the sender wakes only for a commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.core.models import AuthorKind, InboundMessage, MessageKind, OptOutSource
from inbox.engine import replies
from inbox.store import contacts, conversations, messages, optouts
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PHONE = "+15551230000"


@pytest.fixture
def thread(db):
    """(channel, contact id, conversation id, id of the customer's message)."""
    with db.write() as s:
        channel = add_channel(s)
        contact_id = contacts.get_or_create(s, PHONE)
        conv = conversations.get_or_create(s, contact_id, channel.id, T0)
        mo = messages.insert_inbound(
            s, channel.id, conv, InboundMessage("SM" + "1" * 32, PHONE, channel.number, "hi", T0), channel.number
        )
    return channel, contact_id, conv, mo


def _queue(s, thread, **kw):
    channel, contact_id, conv, mo = thread
    args = dict(
        contact_id=contact_id,
        conversation_id=conv,
        to_number=PHONE,
        text="Open 9–5",
        author="rule:hours",
        at=T0,
        reply_to_id=mo,
    )
    return replies.queue(s, channel, **{**args, **kw})


def _outbound(db, conv):
    with db.read() as s:
        return [m for m in messages.page(s, conv, None, 50) if m.direction.value == "outbound"]


def test_a_reply_says_which_automation_wrote_it_and_shows_in_the_list(db, thread) -> None:
    with db.write() as s:
        new_id = _queue(s, thread, masked=True, kind=MessageKind.CODE_SENT, author="verification", reply_to_id=None)
    assert new_id is not None
    (m,) = _outbound(db, thread[2])
    assert (m.author_kind, m.author, m.masked, m.kind) == (
        AuthorKind.AUTOMATION,
        "verification",
        True,
        MessageKind.CODE_SENT,
    )
    with db.read() as s:
        summary = conversations.summary(s, thread[2])
    assert summary is not None and summary.last_message_preview == "••••••"  # a code never in clear


def test_the_same_automation_answers_a_message_once(db, thread) -> None:
    with db.write() as s:
        first = _queue(s, thread)
    with db.write() as s:  # a replay of the same MO, or a crash and a second run
        again = _queue(s, thread, text="Open 9–5 (again)")
        other = _queue(s, thread, author="poll:3", text="Thanks for voting")
    assert first is not None and again is None and other is not None
    assert [m.body for m in _outbound(db, thread[2])] == ["Open 9–5", "Thanks for voting"]


def test_nobody_opted_out_gets_an_automatic_text_but_their_confirmation(db, thread) -> None:
    channel, contact_id, conv, _mo = thread
    with db.write() as s:
        optouts.record(s, contact_id, channel.id, opted_out=True, at=T0, source=OptOutSource.KEYWORD, keyword="STOP")
    with db.write() as s:
        assert _queue(s, thread) is None
        assert _queue(s, thread, author="csat", reply_to_id=None) is None
        confirmation = _queue(s, thread, author=replies.OPT_OUT_AUTHOR, text="You have been unsubscribed.")
    assert confirmation is not None
    assert [m.author for m in _outbound(db, conv)] == [replies.OPT_OUT_AUTHOR]


def test_the_sender_wakes_once_a_reply_is_committed_never_for_a_rollback(db, thread) -> None:
    woken: list[int] = []
    unsubscribe = replies.on_queued(lambda: woken.append(1))
    try:
        with pytest.raises(RuntimeError), db.write() as s:
            assert _queue(s, thread) is not None
            raise RuntimeError("the ingest transaction failed")
        assert woken == [] and _outbound(db, thread[2]) == []
        with db.write() as s:
            _queue(s, thread)
            _queue(s, thread, author="poll:3")
            assert woken == []  # not before the rows are visible to the sender
        assert woken == [1]  # one wake for the transaction, however many replies it queued
        with db.write() as s:
            assert _queue(s, thread) is None  # already answered: nothing new to send
        assert woken == [1]
    finally:
        unsubscribe()
    with db.write() as s:
        _queue(s, thread, author="contest:1")
    assert woken == [1]
