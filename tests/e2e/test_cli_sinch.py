"""`inbox channel add --provider sinch` against the simulator's Sinch dialect: the service plan id
as the account, the API token as the secret, the region as the address, the connection test on
Sinch's own inbounds list (re-readable: nothing is taken), and refusals in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import channels
from inbox.store.db import Database

from .conftest import env_with
from .test_cli import inbox

PLAN = "5f4e3d2c1b0a99887766554433221100"
TOKEN = "sinch-token-123"
OURS = "+15550001111"
ADD = ("channel", "add", "--name", "us-support", "--provider", "sinch", "--number", OURS)


@pytest.fixture
def sinch() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(account_sid=PLAN, auth_token=TOKEN, numbers=(OURS,), dialect="sinch")
    with SimulatorServer(config) as server:
        yield server


def _channels(url: str) -> list:
    db = Database(url)
    try:
        with db.read() as s:
            return channels.all_active(s)
    finally:
        db.dispose()


def test_adding_a_sinch_channel_tests_the_plan_and_token_and_inbox_answers_stop(sinch, sqlite_url) -> None:
    env = env_with(SINCH_TOKEN=TOKEN)
    more = ("--account-sid", PLAN, "--base-url", sinch.url, "--api-key-env", "SINCH_TOKEN", "--test-connection")
    done = inbox(*ADD, "--db", sqlite_url, *more, env=env)
    assert "Connected to" in done.stdout and "Sinch account answered" in done.stdout
    assert "Added channel us-support" in done.stdout
    listed = json.loads(inbox("channel", "list", "--db", sqlite_url, "--json", env=env).stdout)
    assert [(c["provider"], c["provider_handles_opt_out"]) for c in listed] == [("sinch", False)]
    (channel,) = _channels(sqlite_url)
    assert (channel.account_sid, channel.base_url) == (PLAN, sinch.url)


def test_the_region_names_sinchs_address(sqlite_url) -> None:
    env = env_with(SINCH_TOKEN=TOKEN)
    inbox(
        *ADD,
        "--db",
        sqlite_url,
        "--account-sid",
        PLAN,
        "--region",
        "eu",
        "--api-key-env",
        "SINCH_TOKEN",
        "--no-check",
        env=env,
    )
    (channel,) = _channels(sqlite_url)
    assert channel.base_url == "https://eu.sms.api.sinch.com"


@pytest.mark.parametrize(
    ("more", "said"),
    [
        (("--api-key-env", "SINCH_TOKEN"), "service plan id"),
        (("--account-sid", PLAN, "--region", "mars", "--api-key-env", "SINCH_TOKEN"), "unknown Sinch region"),
        (("--account-sid", PLAN, "--region", "eu", "--base-url", "https://x.example", "--api-key-env", "S"), "either"),
    ],
)
def test_what_sinch_needs_is_asked_for_in_one_line_and_nothing_is_added(sqlite_url, more, said) -> None:
    failed = inbox(*ADD, "--db", sqlite_url, *more, env=env_with(SINCH_TOKEN=TOKEN), check=False)
    assert failed.returncode != 0 and said in failed.stderr and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


def test_a_token_sinch_refuses_adds_nothing_and_says_so_in_one_line(sinch, sqlite_url) -> None:
    env = env_with(SINCH_TOKEN="wrong")
    more = ("--account-sid", PLAN, "--base-url", sinch.url, "--api-key-env", "SINCH_TOKEN", "--test-connection")
    failed = inbox(*ADD, "--db", sqlite_url, *more, env=env, check=False)
    assert failed.returncode != 0
    assert "connection test failed" in failed.stderr and "service plan id or API token" in failed.stderr
    assert "Traceback" not in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    listed = inbox("channel", "list", "--db", sqlite_url, "--json", env=env, check=False)
    assert listed.returncode != 0 or json.loads(listed.stdout) == []
