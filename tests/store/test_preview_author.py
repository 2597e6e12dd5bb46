"""Who wrote a conversation's preview line: the agent of the latest reply, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.events import EventBus
from inbox.core.models import AuthorKind, Channel
from inbox.engine.replies import queue as queue_automatic_reply
from inbox.engine.service import InboxService
from inbox.store import contacts, conversations
from tests.conftest import add_channel

CUSTOMER = "+14155550101"


def _conversation(db) -> tuple[Channel, int, int]:
    with db.write() as s:
        channel = add_channel(s)
        contact = contacts.get_or_create(s, CUSTOMER)
        cid = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        conversations.touch_inbound(s, cid, datetime.now(UTC), "Where is my order?")
    return channel, contact, cid


def _summary(db, cid: int):
    with db.read() as s:
        return conversations.summary(s, cid)


def test_the_preview_names_the_agent_who_replied_last(db) -> None:
    _channel, _contact, cid = _conversation(db)
    alice = InboxService(db, EventBus(), agent="alice")
    bob = InboxService(db, EventBus(), agent="bob")
    assert _summary(db, cid).last_message_author is None  # the customer's text

    alice.send_reply(cid, "It left this morning.")
    assert _summary(db, cid).last_message_author == "alice"

    bob.add_note(cid, "checked the courier")  # a note is not the preview
    s = _summary(db, cid)
    assert s.last_message_author == "alice" and s.last_message_preview == "It left this morning."

    bob.send_reply(cid, "Tracking: 1Z999")
    assert _summary(db, cid).last_message_author == "bob"
    with db.read() as s:  # the list's pages carry it too
        assert [r.last_message_author for r in conversations.page(s, view="all")] == ["bob"]


def test_customer_and_automatic_previews_name_no_agent(db) -> None:
    channel, contact, cid = _conversation(db)
    InboxService(db, EventBus(), agent="alice").send_reply(cid, "Hello!")
    with db.write() as s:
        conversations.touch_inbound(s, cid, datetime.now(UTC), "thanks")
    assert _summary(db, cid).last_message_author is None
    with db.write() as s:
        queue_automatic_reply(
            s,
            channel,
            contact_id=contact,
            conversation_id=cid,
            to_number=CUSTOMER,
            text="We're closed.",
            author="hours",
            at=datetime.now(UTC),
        )
    s = _summary(db, cid)
    assert s.last_message_author_kind is AuthorKind.AUTOMATION and s.last_message_author is None
