"""The provider's own replies in the thread (issue 15, item 2), engine level on both backends: one
row per keyword whatever is replayed, never in the outbox, matched to the provider's record once,
and a lookup that fails changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.models import AuthorKind, InboundMessage, MessageStatus, PollCursor, ProviderMessage
from inbox.engine import provider_replies
from inbox.engine.ingest import ingest
from inbox.providers.base import InboundBatch, Retryable
from inbox.store import contacts, conversations, messages
from tests.conftest import OUR_NUMBER, add_channel

PHONE = "+15557654321"


class Listing:
    """A provider whose list of messages from our number holds `records`; `fail` makes it refuse."""

    def __init__(self, records: list[ProviderMessage]) -> None:
        self.records = records
        self.fail = False
        self.asked = 0

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        self.asked += 1
        if self.fail:
            raise Retryable("provider unavailable")
        return [r for r in self.records if r.to_number == to_number]


def _record(sid: str, body: str, at: datetime, direction: str = "outbound-reply") -> ProviderMessage:
    return ProviderMessage(sid, PHONE, OUR_NUMBER, body, MessageStatus.DELIVERED, at, at, direction=direction)


def _thread(db) -> list:
    with db.read() as s:
        conv_id = conversations.find(s, contacts.by_phone(s, PHONE).id, 1)
        return messages.page(s, conv_id, None, 50)


def test_a_keyword_the_provider_answers_is_recorded_once_and_matched_once(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
    at = datetime.now(UTC).replace(microsecond=0)
    batch = InboundBatch([InboundMessage("SMmo1", PHONE, OUR_NUMBER, "HELP", at)], PollCursor(at))
    assert ingest(db, channel, batch).provider_replies == 1
    assert ingest(db, channel, batch).provider_replies == 0  # a replay records nothing more
    (_mo, reply) = _thread(db)
    assert (reply.author_kind, reply.author, reply.provider_message_id) == (AuthorKind.PROVIDER, "Twilio", None)
    assert reply.body == "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
    with db.write() as s:
        assert messages.claim_due(s, at + timedelta(hours=1), 10) == []  # never ours to send

    ours = _record("SMours", "We are on it", at, direction="outbound-api")
    theirs = _record("SMauto", "Acme: reply STOP to opt out.", at - timedelta(seconds=1))
    listing = Listing([ours, theirs])
    listing.fail = True
    assert provider_replies.link(db, channel, listing) == 0  # a failed lookup changes nothing
    assert _thread(db)[1].provider_message_id is None
    listing.fail = False
    assert provider_replies.link(db, channel, listing) == 1
    assert provider_replies.link(db, channel, listing) == 0  # nothing left: not matched twice
    reply = _thread(db)[1]
    assert (reply.provider_message_id, reply.body, reply.status) == (
        "SMauto",
        "Acme: reply STOP to opt out.",
        MessageStatus.DELIVERED,
    )
    with db.read() as s:
        assert not provider_replies.pending(s, channel.id)


def test_two_helps_take_two_records_and_an_agent_send_is_never_one(db) -> None:
    with db.write() as s:
        channel = add_channel(s)
    at = datetime.now(UTC).replace(microsecond=0)
    mos = [InboundMessage(f"SMmo{i}", PHONE, OUR_NUMBER, "HELP", at + timedelta(seconds=i)) for i in range(2)]
    ingest(db, channel, InboundBatch(mos, PollCursor(mos[-1].date_sent)))
    listing = Listing([_record("SMb", "help 2", at + timedelta(seconds=1)), _record("SMa", "help 1", at)])
    listing.records.append(_record("SMagent", "help 3", at, direction="outbound-api"))
    assert provider_replies.link(db, channel, listing) == 2
    assert [(m.provider_message_id, m.body) for m in _thread(db) if m.author_kind is AuthorKind.PROVIDER] == [
        ("SMa", "help 1"),
        ("SMb", "help 2"),
    ]


def test_a_bare_yes_shows_twilios_answer_and_still_reaches_the_chain(db) -> None:
    """Twilio answers YES as an opt-in keyword even from a subscribed customer; for us it is an
    ordinary yes (a poll vote, an agent's question): both happen."""
    with db.write() as s:
        channel = add_channel(s)
    at = datetime.now(UTC).replace(microsecond=0)
    report = ingest(db, channel, InboundBatch([InboundMessage("SMyes", PHONE, OUR_NUMBER, "yes", at)], PollCursor(at)))
    assert report.provider_replies == 1
    (mo, reply) = _thread(db)
    assert reply.author_kind is AuthorKind.PROVIDER and reply.body.startswith(
        "You have successfully been re-subscribed"
    )
    with db.read() as s:
        summary = conversations.summary(s, mo.conversation_id)
    assert summary.unread_count == 1  # still the customer's message for an agent
