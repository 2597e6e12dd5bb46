"""What the provider told the customer is in the thread (issue 15, item 2): with Twilio answering
STOP / START / HELP itself, over real loopback HTTP against the simulator, which lists its
auto-replies among the messages from our number (direction "outbound-reply") as Twilio does."""

from __future__ import annotations

import time

from inbox.core.models import AuthorKind, ConversationStatus, Direction
from inbox.engine.service import InboxService
from inbox.store import contacts, conversations, messages
from tests.conftest import OUR_NUMBER

CUSTOMER = "+15551234567"


def _thread(db):
    with db.read() as s:
        contact = contacts.by_phone(s, CUSTOMER)
        conv_id = conversations.find(s, contact.id, 1)
        return conv_id, messages.page(s, conv_id, None, 100)


def _auto_replies(sim) -> list[dict]:
    return [m for m in sim.messages() if m["direction"] == "outbound-reply" and m["to"] == CUSTOMER]


def test_the_providers_confirmations_are_in_the_thread_once_and_never_sent_by_us(db, sim, channel_factory, runner):
    channel_factory(provider_handles_opt_out=True)
    for word in ("STOP", "START", "HELP"):
        sim.text(CUSTOMER, OUR_NUMBER, word)
        time.sleep(0.01)
    runner.sync_once()
    runner.sync_once()  # a replayed poll and a second lookup record nothing more
    conv_id, thread = _thread(db)
    provider = [m for m in thread if m.author_kind is AuthorKind.PROVIDER]
    assert [m.author for m in provider] == ["Twilio"] * 3
    by_sid = {m["sid"]: m["body"] for m in _auto_replies(sim)}
    assert len(by_sid) == 3
    # Matched to the provider's own records: its ids and its texts, each once.
    assert {m.provider_message_id: m.body for m in provider} == by_sid
    assert [m.body.split(".")[0] for m in provider] == [
        "You have successfully been unsubscribed",
        "You have successfully been re-subscribed to messages from this number",
        "Reply STOP to unsubscribe",
    ]
    assert all(m.direction is Direction.OUTBOUND for m in provider)
    stats = sim.stats()
    assert stats["sends_accepted"] == 0 and stats["sends_rejected"] == 0  # nothing resent by Inbox
    # The answered HELP is not left for an agent.
    with db.read() as s:
        row = conversations.summary(s, conv_id)
    assert row.last_message_preview.startswith("Reply STOP to unsubscribe")
    assert row.unread_count == 2  # STOP and START; HELP was answered


def test_an_answered_help_leaves_a_resolved_conversation_resolved_and_read(db, sim, channel_factory, runner):
    channel_factory(provider_handles_opt_out=True)
    sim.text(CUSTOMER, OUR_NUMBER, "Thanks, all sorted")
    runner.sync_once()
    conv_id, _ = _thread(db)
    service = InboxService(db)
    service.mark_read(conv_id)
    service.set_status(conv_id, ConversationStatus.RESOLVED)
    with db.read() as s:
        waiting = conversations.summary(s, conv_id).waiting_since
    sim.text(CUSTOMER, OUR_NUMBER, "HELP")
    runner.sync_once()
    with db.read() as s:
        row = conversations.summary(s, conv_id)
    assert (row.status, row.unread_count, row.waiting_since) == (ConversationStatus.RESOLVED, 0, waiting)
    _, thread = _thread(db)
    assert thread[-1].author_kind is AuthorKind.PROVIDER and thread[-1].provider_message_id
