"""`inbox channel add --provider clicksend` against the simulator's ClickSend dialect: the username
as the account, the API key as the secret, the connection test on the account endpoint (never the
unread list, which must stay unread for the poller), and a refused key adding nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer

from .conftest import env_with
from .test_cli import inbox

USERNAME = "acme-support"
KEY = "cs-key-123"
OURS = "+61411111111"
ADD = ("channel", "add", "--name", "au-support", "--provider", "clicksend", "--number", OURS)


@pytest.fixture
def clicksend() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(account_sid=USERNAME, auth_token=KEY, numbers=(OURS,), dialect="clicksend")
    with SimulatorServer(config) as server:
        yield server


def test_adding_a_clicksend_channel_tests_the_key_and_leaves_the_unread_list_alone(clicksend, sqlite_url) -> None:
    sim = SimulatorClient(clicksend.url)
    sim.text("+61422222222", OURS, "a text waiting, unread")
    env = env_with(CS_KEY=KEY)
    more = ("--account-sid", USERNAME, "--base-url", clicksend.url, "--api-key-env", "CS_KEY", "--test-connection")
    done = inbox(*ADD, "--db", sqlite_url, *more, env=env)
    assert "ClickSend account answered" in done.stdout and "Added channel au-support" in done.stdout
    assert clicksend.dialect._read == set() and "list" not in sim.stats()["api_requests_by_kind"]
    listed = json.loads(inbox("channel", "list", "--db", sqlite_url, "--json", env=env).stdout)
    assert [(c["provider"], c["account_sid"], c["provider_handles_opt_out"]) for c in listed] == [
        ("clicksend", USERNAME, False)
    ]


def test_a_clicksend_channel_without_a_base_url_is_listed_at_clicksends_host(sqlite_url) -> None:
    env = env_with(CS_KEY=KEY)
    inbox(*ADD, "--db", sqlite_url, "--account-sid", USERNAME, "--api-key-env", "CS_KEY", "--no-check", env=env)
    listed = inbox("channel", "list", "--db", sqlite_url, env=env).stdout
    assert "rest.clicksend.com" in listed and "twilio" not in listed


def test_a_missing_username_or_a_refused_key_adds_nothing_and_says_so_in_one_line(clicksend, sqlite_url) -> None:
    no_user = inbox(*ADD, "--db", sqlite_url, "--api-key-env", "CS_KEY", env=env_with(CS_KEY=KEY), check=False)
    assert no_user.returncode != 0 and "ClickSend username" in no_user.stderr
    env = env_with(CS_KEY="wrong")
    more = ("--account-sid", USERNAME, "--base-url", clicksend.url, "--api-key-env", "CS_KEY", "--test-connection")
    failed = inbox(*ADD, "--db", sqlite_url, *more, env=env, check=False)
    assert (
        failed.returncode != 0 and "connection test failed" in failed.stderr and "username or API key" in failed.stderr
    )
    for out in (no_user, failed):
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    listed = inbox("channel", "list", "--db", sqlite_url, "--json", env=env, check=False)
    assert listed.returncode != 0 or json.loads(listed.stdout) == []


def test_no_api_key_on_stdin_is_refused_in_clicksends_words(sqlite_url) -> None:
    """The CLI names the secret as the desktop's set-up form does (core/provider_forms)."""
    refused = inbox(*ADD, "--db", sqlite_url, "--account-sid", USERNAME, env=env_with(), stdin="", check=False)
    assert refused.returncode != 0 and "no API key given" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
