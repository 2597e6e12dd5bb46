"""`inbox channel add --provider textlocal` against the simulator's Textlocal dialect: the inbox id
and the connection test with get_inboxes (which lists the inboxes when the id is wrong), Inbox
answering STOP by default, and a refused key adding nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import channels
from inbox.store.db import Database

from .conftest import env_with
from .test_cli import inbox

KEY = "tl-key-123"
OURS = "+919000000001"
OTHER = "+919000000002"


@pytest.fixture
def textlocal() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(account_sid="", auth_token=KEY, numbers=(OURS, OTHER), dialect="textlocal")
    with SimulatorServer(config) as server:
        yield server


def _add(sqlite_url: str, url: str, *extra: str, key: str = KEY, number: str = OURS):  # type: ignore[no-untyped-def]
    args = ("channel", "add", "--db", sqlite_url, "--name", "india", "--provider", "textlocal", "--number", number)
    return inbox(*args, "--base-url", url, "--api-key-env", "TL_KEY", *extra, env=env_with(TL_KEY=key), check=False)


def test_adding_a_textlocal_channel_checks_its_inbox_and_says_textlocal_checks_templates(textlocal, sqlite_url) -> None:
    done = _add(sqlite_url, textlocal.url, "--inbox-id", "100001", "--test-connection")
    assert done.returncode == 0, done.stderr
    assert "Textlocal inbox 100001 receives on +919000000001" in done.stderr
    assert "Textlocal checks each text against your DLT templates" in done.stderr
    listed = json.loads(inbox("channel", "list", "--db", sqlite_url, "--json", env=env_with()).stdout)
    assert [(c["provider"], c["provider_handles_opt_out"]) for c in listed] == [("textlocal", False)]
    db = Database(sqlite_url)
    try:
        with db.read() as s:
            (channel,) = channels.all_active(s)
    finally:
        db.dispose()
    assert channel.account_sid == "100001", "a Textlocal channel is keyed by its inbox id"


def test_a_wrong_inbox_id_lists_the_accounts_inboxes_and_adds_nothing(textlocal, sqlite_url) -> None:
    failed = _add(sqlite_url, textlocal.url, "--inbox-id", "42", "--test-connection")
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    assert "no inbox 42; its inboxes: 100001 (+919000000001), 100002 (+919000000002)" in failed.stderr
    mismatch = _add(sqlite_url, textlocal.url, "--inbox-id", "100002", "--test-connection")
    assert mismatch.returncode != 0 and "receives on +919000000002, not +919000000001" in mismatch.stderr
    missing = _add(sqlite_url, textlocal.url)
    assert missing.returncode != 0 and "--inbox-id" in missing.stderr
    assert json.loads(inbox("channel", "list", "--db", sqlite_url, "--json", env=env_with()).stdout) == []


def test_a_key_textlocal_refuses_adds_nothing_and_says_so_in_one_line(textlocal, sqlite_url) -> None:
    failed = _add(sqlite_url, textlocal.url, "--inbox-id", "100001", "--test-connection", key="wrong")
    assert failed.returncode != 0
    assert "connection test failed" in failed.stderr and "invalid login details" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
