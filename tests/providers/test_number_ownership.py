"""The connection test proves the account owns the number, not only that the token works: a
channel on a number the account does not have polls "fine" and never receives a text."""

from __future__ import annotations

import httpx
import pytest

from inbox.engine import setup
from inbox.providers.twilio import TwilioProvider
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, OURS, TOKEN, config


def test_owned_and_not_owned_numbers(simulator: SimulatorServer) -> None:
    mine = TwilioProvider(ACCOUNT, TOKEN, OURS, base_url=simulator.url)
    other = TwilioProvider(ACCOUNT, TOKEN, "+15550009999", base_url=simulator.url)
    partial = TwilioProvider(ACCOUNT, TOKEN, "+1555000111", base_url=simulator.url)  # a prefix of ours
    try:
        assert mine.owns_number() is True
        assert other.owns_number() is False
        assert partial.owns_number() is False  # the filter matches parts: only an exact record counts
    finally:
        for p in (mine, other, partial):
            p.close()


def test_the_connection_test_says_which_number_the_account_does_not_own(simulator: SimulatorServer) -> None:
    assert "owns +1 555-000-1111" in setup.check_connection(ACCOUNT, TOKEN, OURS, simulator.url)
    with pytest.raises(setup.ConnectionFailed, match=r"does not own the number \+1 555-000-9999"):
        setup.check_connection(ACCOUNT, TOKEN, "+15550009999", simulator.url)
    with pytest.raises(setup.ConnectionFailed, match="does not own the short code 12345"):
        setup.check_connection(ACCOUNT, TOKEN, "12345", simulator.url)  # the wizard's "12345"
    with pytest.raises(setup.ConnectionFailed, match="rejected the credentials"):
        setup.check_connection(ACCOUNT, "wrong", OURS, simulator.url)


def test_an_owned_short_code_passes() -> None:
    with SimulatorServer(config(numbers=(OURS, "56789"))) as server:
        assert "owns 56789" in setup.check_connection(ACCOUNT, TOKEN, "56789", server.url)


def test_on_twilio_itself_a_number_no_country_assigns_is_refused_before_any_call() -> None:
    with pytest.raises(setup.ConnectionFailed, match="not an assigned phone number: '\\+15550001111'"):
        setup.check_connection(ACCOUNT, TOKEN, "+15550001111", None)


def test_a_compatible_provider_without_the_resource_is_not_a_refusal() -> None:
    """A Twilio-compatible provider that answers 404 for IncomingPhoneNumbers cannot tell: the
    test passes and says the number was not checked."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Messages.json"):
            return httpx.Response(200, json={"messages": [], "next_page_uri": None})
        return httpx.Response(404, json={"code": 20404, "message": "not found", "status": 404})

    provider = TwilioProvider(
        ACCOUNT, TOKEN, OURS, base_url="https://compat.example", transport=httpx.MockTransport(answer)
    )
    assert provider.owns_number() is None
    provider.close()


def test_polling_a_number_the_account_does_not_own_turns_the_channel_red(db, simulator, monkeypatch) -> None:
    """The status bar stayed green while texts to the real number never arrived: a poll of
    someone else's number succeeds, empty. The runner asks once and says so in the health."""
    from inbox.core.events import EventBus
    from inbox.engine.runner import Runner
    from inbox.engine.service import InboxService

    monkeypatch.setenv("INBOX_TEST_OWNED_TOKEN", TOKEN)
    common = dict(account_sid=ACCOUNT, base_url=simulator.url, auth_token_ref="env:INBOX_TEST_OWNED_TOKEN")
    setup.add_channel(db, name="ours", number=OURS, **common)
    setup.add_channel(db, name="typo", number="+15550009999", **common)
    runner = Runner(db, events=EventBus())
    try:
        runner.sync_once()
        runner.sync_once()  # asked once: the answer holds for the process
    finally:
        runner.shutdown()
    health = {h.channel_name: h for h in InboxService(db).channel_health()}
    assert health["ours"].last_error is None
    assert "does not own +1 555-000-9999" in (health["typo"].last_error or "")
    assert simulator.carrier.stats()["api_requests_by_kind"]["numbers"] == 2  # once per channel
