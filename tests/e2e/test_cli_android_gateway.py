"""`inbox channel add --provider android-gateway` against the simulator's android-gateway dialect:
the phone's local address (plain http allowed on a private network only), the app's user and
password, the connection test, Inbox answering STOP by default, and refusals adding nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import channels
from inbox.store.db import Database

from .conftest import env_with
from .test_cli import inbox

USER, PASSWORD = "sms", "Xk3pQ9aZ"
OURS = "+919000000001"


@pytest.fixture
def phone() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(account_sid=USER, auth_token=PASSWORD, numbers=(OURS,), dialect="android-gateway")
    with SimulatorServer(config) as server:
        yield server


def _add(sqlite_url: str, url: str, *extra: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    args = ("channel", "add", "--db", sqlite_url, "--name", "shop phone", "--provider", "android-gateway")
    more = ("--number", OURS, "--base-url", url, "--auth-token-env", "PHONE_PW", *extra)
    return inbox(*args, *more, env=env_with(PHONE_PW=password), check=False)


def _listed(sqlite_url: str) -> list[dict[str, object]]:
    done = inbox("channel", "list", "--db", sqlite_url, "--json", env=env_with(), check=False)
    return json.loads(done.stdout) if done.returncode == 0 else []


def test_adding_the_phone_tests_its_local_server_and_inbox_answers_stop(phone, sqlite_url) -> None:
    done = _add(sqlite_url, phone.url, "--account-sid", USER, "--test-connection")
    assert done.returncode == 0, done.stderr
    assert "SMS Gateway for Android answered" in done.stderr
    assert [(c["provider"], c["provider_handles_opt_out"]) for c in _listed(sqlite_url)] == [("android-gateway", False)]
    db = Database(sqlite_url)
    try:
        with db.read() as s:
            (channel,) = channels.all_active(s)
    finally:
        db.dispose()
    assert (channel.account_sid, channel.base_url) == (USER, phone.url)


def test_a_wrong_password_or_a_phone_that_is_off_adds_nothing(phone, sqlite_url) -> None:
    wrong = _add(sqlite_url, phone.url, "--account-sid", USER, "--test-connection", password="nope")
    assert wrong.returncode != 0 and "Local Server settings" in wrong.stderr and "Traceback" not in wrong.stderr
    off = _add(sqlite_url, "http://127.0.0.1:9", "--account-sid", USER, "--test-connection")
    assert off.returncode != 0 and "is it on this network" in off.stderr
    assert len(off.stderr.strip().splitlines()) == 1
    assert _listed(sqlite_url) == []


def test_plain_http_is_for_the_office_network_only_and_the_user_is_asked_for(sqlite_url) -> None:
    lan = _add(sqlite_url, "http://192.168.1.5:8080", "--account-sid", USER)
    assert lan.returncode == 0, lan.stderr
    public = _add(sqlite_url, "http://8.8.8.8:8080", "--account-sid", USER)
    assert public.returncode != 0 and "private network" in public.stderr
    nouser = _add(sqlite_url, "http://192.168.1.6:8080")
    assert nouser.returncode != 0 and "the app's default is sms" in nouser.stderr
    assert [c["base_url"] for c in _listed(sqlite_url)] == ["http://192.168.1.5:8080"]
