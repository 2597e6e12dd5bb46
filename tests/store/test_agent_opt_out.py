"""An agent opts out a customer whose free text read as a possible opt-out (issue 15, item 3): the
same effect as a STOP, recorded with the agent as source and by name, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.core.models import InboundMessage, OptOutSource, PollCursor
from inbox.engine.ingest import ingest
from inbox.engine.service import InboxService, SendRefused
from inbox.providers.base import InboundBatch
from inbox.store import audit, contacts, conversations, optouts
from tests.conftest import OUR_NUMBER, add_channel

CUSTOMER = "+15557654321"


def test_the_agent_opts_out_a_flagged_customer(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
    at = datetime.now(UTC)
    mo = InboundMessage("SMflag1", CUSTOMER, OUR_NUMBER, "please stop texting me about the sale", at)
    ingest(db, channel, InboundBatch([mo], PollCursor(at)))
    with db.read() as s:
        contact = contacts.by_phone(s, CUSTOMER)
        conv_id = conversations.find(s, contact.id, channel.id)
        assert conversations.summary(s, conv_id).flagged
        assert not optouts.is_opted_out(s, contact.id, channel.id)
    service = InboxService(db, agent="dana")
    assert service.opt_out(conv_id) is True
    with db.read() as s:
        state = optouts.state(s, contact.id, channel.id)
        summary = conversations.summary(s, conv_id)
        events = [e for e in audit.recent(s, 10) if e.action == "opt_out"]
    assert state.opted_out and state.source is OptOutSource.AGENT and state.source_message_id is not None
    assert summary.opted_out and not summary.flagged
    assert [(e.actor, e.subject) for e in events] == [("dana", f"contact:{contact.id}")]
    with pytest.raises(SendRefused, match=r"opted out on .* \(by an agent\)"):
        service.send_reply(conv_id, "One last offer!")
    assert service.opt_out(conv_id) is False  # already out: nothing changes
