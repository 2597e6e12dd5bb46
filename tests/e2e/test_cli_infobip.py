"""`inbox channel add --provider infobip` against the simulator's Infobip dialect: the connection test
(which must not consume the inbox), the DLT identity stored, a refused key adding nothing; and the same
connection test for a Twilio channel."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import broadcasts, channels
from inbox.store.db import Database

from .conftest import env_with
from .test_cli import inbox

KEY = "ib-key-123"
OURS = "+919000000001"


@pytest.fixture
def infobip() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(account_sid="", auth_token=KEY, numbers=(OURS,), dialect="infobip")
    with SimulatorServer(config) as server:
        yield server


def test_adding_an_infobip_channel_tests_the_key_without_taking_a_text_and_keeps_its_dlt_identity(
    infobip, sqlite_url
) -> None:
    sim = SimulatorClient(infobip.url)
    sim.text("+919876543210", OURS, "a text waiting in the inbox")
    env = env_with(IB_KEY=KEY)
    args = ("channel", "add", "--db", sqlite_url, "--name", "india", "--provider", "infobip", "--number", OURS)
    more = ("--base-url", infobip.url, "--api-key-env", "IB_KEY", "--dlt-entity-id", "1101000000000001")
    done = inbox(*args, *more, "--sender", "ACMEIN", "--dlt-telemarketer-id", "1702000000000003", env=env)
    assert "Connected to" in done.stdout and "Added channel india" in done.stdout
    assert sim.stats()["inbound_waiting"] == 1, "the connection test read the logs, not the inbox"
    listed = json.loads(inbox("channel", "list", "--db", sqlite_url, "--json", env=env).stdout)
    assert [(c["provider"], c["provider_handles_opt_out"]) for c in listed] == [("infobip", False)]
    db = Database(sqlite_url)
    try:
        with db.read() as s:
            (channel,) = channels.all_active(s)
            settings = broadcasts.send_settings(s, channel.id)
    finally:
        db.dispose()
    assert (settings.dlt_entity_id, settings.dlt_sender_id, settings.dlt_telemarketer_id) == (
        "1101000000000001",
        "ACMEIN",
        "1702000000000003",
    )
    assert channel.account_sid == "127.0.0.1", "an Infobip account is named by its base URL's host"


def test_a_key_infobip_refuses_adds_nothing_and_says_so_in_one_line(infobip, sqlite_url) -> None:
    env = env_with(IB_KEY="wrong")
    args = ("channel", "add", "--db", sqlite_url, "--name", "india", "--provider", "infobip", "--number", OURS)
    failed = inbox(
        *args, "--base-url", infobip.url, "--api-key-env", "IB_KEY", "--test-connection", env=env, check=False
    )
    assert failed.returncode != 0
    assert "connection test failed" in failed.stderr and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    listed = inbox("channel", "list", "--db", sqlite_url, "--json", env=env, check=False)
    assert listed.returncode != 0 or json.loads(listed.stdout) == []


def test_the_connection_test_works_for_twilio_too(simulator, sim_config, sqlite_url) -> None:
    args = ("channel", "add", "--db", sqlite_url, "--name", "us", "--number", "+15550001111")
    more = ("--account-sid", sim_config.account_sid, "--base-url", simulator.url, "--auth-token-env", "TW")
    refused = inbox(*args, *more, "--test-connection", env=env_with(TW="wrong"), check=False)
    assert refused.returncode != 0 and "connection test failed" in refused.stderr
    added = inbox(*args, *more, "--test-connection", env=env_with(TW=sim_config.auth_token))
    assert "Connected to" in added.stdout and "Added channel us" in added.stdout
