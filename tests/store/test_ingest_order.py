"""Texts dated within the same second keep the order the provider listed them in.

Twilio dates have one-second resolution and its SIDs are random: a customer who sends "STOP" and
then "START" a moment later must end up opted in, whichever SID sorts first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.events import EventBus
from inbox.core.models import InboundMessage, PollCursor
from inbox.engine.ingest import ingest
from inbox.providers.base import InboundBatch
from inbox.store import contacts, optouts
from tests.conftest import OUR_NUMBER, add_channel

CUSTOMER = "+15553004444"


def test_stop_then_start_in_the_same_second_ends_opted_in_whatever_the_sids(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
    now = datetime.now(UTC).replace(microsecond=0)
    # Listed oldest first by the adapter; the later text has the smaller SID.
    batch = InboundBatch(
        messages=[
            InboundMessage("SM" + "f" * 32, CUSTOMER, OUR_NUMBER, "STOP", now),
            InboundMessage("SM" + "0" * 32, CUSTOMER, OUR_NUMBER, "START", now),
        ],
        cursor=PollCursor(now),
    )
    ingest(db, channel, batch, EventBus())
    with db.read() as s:
        contact = contacts.by_phone(s, CUSTOMER)
        assert contact is not None
        assert not optouts.is_opted_out(s, contact.id, channel.id), "START came after STOP"
