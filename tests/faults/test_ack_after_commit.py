"""The ACK_AFTER_COMMIT contract (ClickSend-style unread lists), with a fake provider: messages are
acknowledged only once committed, an ingest that fails acknowledges nothing, and an
acknowledgement that fails costs a re-read, never a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from inbox.core.models import InboundMessage, PollCursor
from inbox.engine import connections
from inbox.providers.base import InboundBatch, InboundSemantics, Retryable
from inbox.store import channels
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER


class AckProvider:
    name = "fake-ack"
    inbound_semantics = InboundSemantics.ACK_AFTER_COMMIT

    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.unread: dict[str, InboundMessage] = {}
        self.acked: list[list[str]] = []
        self.committed_when_acked: list[set[str]] = []
        self.fail_acks = 0

    def text(self, sid: str, body: str) -> None:
        self.unread[sid] = InboundMessage(sid, "+15557654321", OUR_NUMBER, body, datetime.now(UTC))

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        return InboundBatch(list(self.unread.values()), cursor)

    def acknowledge(self, provider_message_ids: Sequence[str]) -> None:
        with self.db.read() as s:
            stored = set(s.scalars(select(MessageRow.provider_message_id).where(MessageRow.direction == "inbound")))
        self.committed_when_acked.append(stored & set(provider_message_ids))
        if self.fail_acks:
            self.fail_acks -= 1
            raise Retryable("mark-read failed")
        self.acked.append(list(provider_message_ids))
        for sid in provider_message_ids:
            self.unread.pop(sid, None)

    def close(self) -> None:
        pass


@pytest.fixture
def fake(db, monkeypatch):
    provider = AckProvider(db)
    monkeypatch.setitem(connections.BUILTIN, "fake-ack", lambda channel, token: provider)
    with db.write() as s:
        channel = channels.add(
            s,
            name="ack",
            provider="fake-ack",
            number=OUR_NUMBER,
            account_sid="acct",
            base_url=None,
            auth_token_ref="env:X",
            provider_handles_opt_out=False,
            help_text="",
        )
    return provider, channel


@pytest.fixture
def pool_runner(db):
    from inbox.core.events import EventBus
    from inbox.engine.runner import Runner

    r = Runner(db, connections.ProviderPool(resolve_token=lambda ch: "t"), EventBus())
    yield r
    r.shutdown()


def _stored(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(MessageRow.body).where(MessageRow.direction == "inbound").order_by(MessageRow.id)))


def test_messages_are_acknowledged_only_once_committed(db, fake, pool_runner):
    provider, channel = fake
    provider.text("m1", "hello")
    provider.text("m2", "again")
    pool_runner.poll_channel(channel, force=True)
    assert provider.acked == [["m1", "m2"]]
    assert provider.committed_when_acked == [{"m1", "m2"}], "both were in the database when marked read"
    assert _stored(db) == ["hello", "again"]


def test_an_ingest_that_fails_acknowledges_nothing(db, fake, pool_runner, monkeypatch):
    from inbox.engine import runner as runner_module

    provider, channel = fake
    provider.text("m1", "hello")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(runner_module, "ingest", broken)
    with pytest.raises(runner_module.IngestFailed):
        pool_runner.poll_channel(channel, force=True)
    assert provider.acked == [] and "m1" in provider.unread, "still unread at the provider: it will be read again"


def test_a_failed_acknowledgement_costs_a_re_read_not_a_duplicate(db, fake, pool_runner):
    provider, channel = fake
    provider.text("m1", "hello")
    provider.fail_acks = 1
    pool_runner.poll_channel(channel, force=True)
    assert "m1" in provider.unread
    report = pool_runner.poll_channel(channel, force=True)
    assert report is not None and report.duplicates == 1 and report.stored == 0
    assert provider.acked == [["m1"]] and _stored(db) == ["hello"]
