"""A third party's adapter, found through the `inbox.providers` entry point group: a channel can be
added for it and the engine polls it (as a list with a cursor, since it declares no semantics)."""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime

import pytest

from inbox.core.models import InboundMessage, PollCursor
from inbox.engine import connections, setup
from inbox.engine.runner import Runner
from inbox.providers.base import InboundBatch
from inbox.store import messages
from tests.conftest import OUR_NUMBER


class AcmeProvider:
    """Written before inbound semantics existed: no `inbound_semantics` attribute."""

    name = "acme"

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        text = InboundMessage("acme-1", "+15557654321", OUR_NUMBER, "hello from acme", datetime.now(UTC))
        return InboundBatch([text], PollCursor(text.date_sent))

    def close(self) -> None:
        pass


def make(channel, secret):  # type: ignore[no-untyped-def]
    return AcmeProvider()


@pytest.fixture
def acme_installed(monkeypatch):
    point = importlib.metadata.EntryPoint(name="acme", value=f"{__name__}:make", group="inbox.providers")
    monkeypatch.setattr(
        importlib.metadata, "entry_points", lambda group=None: [point] if group == "inbox.providers" else []
    )
    monkeypatch.setattr(connections, "entry_points", importlib.metadata.entry_points)


def test_an_adapter_installed_through_the_entry_point_gets_a_channel_and_is_polled(sqlite_db, acme_installed):
    channel = setup.add_channel(
        sqlite_db, name="acme", provider="acme", account_sid="acme-account", number=OUR_NUMBER,
        auth_token_ref="env:ACME", base_url="https://api.acme.example",
    )  # fmt: skip
    runner = Runner(sqlite_db, connections.ProviderPool(resolve_token=lambda ch: "secret"))
    try:
        report = runner.poll_channel(channel, force=True)
    finally:
        runner.shutdown()
    assert report is not None and report.stored == 1
    with sqlite_db.read() as s:
        assert messages.exists(s, channel.id, "acme-1")
    assert setup.provider_answers_stop("acme") is False, "unknown provider: Inbox answers STOP"


def test_a_provider_neither_built_in_nor_installed_is_refused_in_one_sentence(sqlite_db):
    with pytest.raises(setup.SetupRefused, match="Unknown provider 'nope'"):
        setup.check_provider("nope")
