"""The command line as a person or a script uses it: real processes, real loopback HTTP."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

OUR = "+15550001111"
CUSTOMER = "+15557654321"
SECRET_BODY = "my account password hint is pineapple42"


def inbox(*args: str, env: dict[str, str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "inbox", *args], capture_output=True, text=True, env=env, input=stdin, timeout=60
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"inbox {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, str, str]]:
    sid, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inbox",
            "simulator",
            "--port",
            "0",
            "--account-sid",
            sid,
            "--auth-token",
            token,
            "--number",
            OUR,
            "--delivery-delay",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url, sid, token
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_round_trip(served, sqlite_url, tmp_path) -> None:
    from .conftest import env_with

    url, sid, token = served
    env = env_with(INBOX_DATABASE_URL=sqlite_url, SIM_TOKEN=token, INBOX_AGENT="sam")
    added = inbox(
        "channel",
        "add",
        "--name",
        "main",
        "--number",
        OUR,
        "--account-sid",
        sid,
        "--base-url",
        url,
        "--auth-token-env",
        "SIM_TOKEN",
        env=env,
    )
    assert "Added channel main" in added.stdout
    listed = json.loads(inbox("channel", "list", "--json", env=env).stdout)
    assert listed[0]["number"] == OUR and token not in json.dumps(listed)
    assert token not in inbox("channel", "list", env=env).stdout

    inbox("simulator", "text", "--url", url, "--from", CUSTOMER, "--to", OUR, SECRET_BODY, env=env)
    synced = inbox("sync", "--once", "-v", env=env)
    assert "Fetched 1 new message" in synced.stdout
    convs = json.loads(inbox("conversations", "--json", env=env).stdout)
    assert [c["contact_phone"] for c in convs] == [CUSTOMER]
    assert SECRET_BODY in inbox("show", CUSTOMER, env=env).stdout

    queued = inbox("send", "--channel", "main", "--to", CUSTOMER, "Thanks, we are on it", env=env)
    assert "Queued" in queued.stdout
    inbox("sync", "--once", env=env)
    time.sleep(0.2)
    phone = inbox("simulator", "phone", "--url", url, CUSTOMER, "--json", env=env)
    assert [m["body"] for m in json.loads(phone.stdout)["received"]] == ["Thanks, we are on it"]

    # STOP, then a refused send: non-zero exit, the reason, and nothing reaches the phone.
    inbox("simulator", "text", "--url", url, "--from", CUSTOMER, "--to", OUR, "STOP", env=env)
    inbox("sync", "--once", env=env)
    refused = inbox("send", "--channel", "main", "--to", CUSTOMER, "one more?", env=env, check=False)
    assert refused.returncode != 0 and "opted out" in refused.stderr
    status = inbox("status", env=env)
    assert "main: synced" in status.stdout

    # Logs at INFO never carry a full phone number or a message body.
    for text in (synced.stderr,):
        assert CUSTOMER not in text and SECRET_BODY not in text and "pineapple" not in text
        assert re.search(r"\+1•+\d\d", text) or "stored" in text


def test_bad_credentials_exit_non_zero_with_advice(served, sqlite_url) -> None:
    from .conftest import env_with

    url, sid, _ = served
    env = env_with(INBOX_DATABASE_URL=sqlite_url, SIM_TOKEN="wrong")
    add = ("channel", "add", "--name", "main", "--number", OUR, "--account-sid", sid, "--base-url", url)
    refused = inbox(*add, "--auth-token-env", "SIM_TOKEN", env=env, check=False)
    assert (
        refused.returncode == 2
        and "rejected the credentials" in refused.stderr
        and "Nothing was saved" in (refused.stderr)
    )
    assert "No channels yet" in inbox("channel", "list", env=env).stdout
    inbox(*add, "--auth-token-env", "SIM_TOKEN", "--no-check", env=env)  # saved on purpose, untested
    result = inbox("sync", "--once", env=env, check=False)
    assert result.returncode == 1
    assert "credentials" in result.stderr.lower()


def test_bad_input_gets_a_clear_error_and_changes_nothing(sqlite_url) -> None:
    from .conftest import env_with

    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    bad = inbox(
        "channel",
        "add",
        "--name",
        "x",
        "--number",
        "not-a-number",
        "--account-sid",
        "AC" + "0" * 32,
        "--auth-token-env",
        "T",
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "not a phone number" in bad.stderr
    bad_sid = inbox(
        "channel",
        "add",
        "--name",
        "x",
        "--number",
        OUR,
        "--account-sid",
        "ACnope",
        "--auth-token-env",
        "T",
        env=env,
        check=False,
    )
    assert bad_sid.returncode == 2 and "account SID" in bad_sid.stderr
    assert "No channels yet" in inbox("channel", "list", env=env).stdout
    unknown = inbox("send", "--channel", "nope", "--to", CUSTOMER, "hi", env=env, check=False)
    assert unknown.returncode == 2 and "no channel named" in unknown.stderr


def test_version_and_db_upgrade(sqlite_url) -> None:
    from .conftest import env_with

    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    assert re.match(r"inbox \d+\.\d+", inbox("--version", env=env).stdout)
    assert "revision" in inbox("db", "upgrade", env=env).stdout


def test_daemon_stops_cleanly_on_sigterm(served, sqlite_url) -> None:
    import signal

    from .conftest import env_with

    url, sid, token = served
    env = env_with(INBOX_DATABASE_URL=sqlite_url, SIM_TOKEN=token)
    inbox(
        "channel",
        "add",
        "--name",
        "main",
        "--number",
        OUR,
        "--account-sid",
        sid,
        "--base-url",
        url,
        "--auth-token-env",
        "SIM_TOKEN",
        "--poll-interval",
        "0.2",
        env=env,
    )
    inbox("simulator", "text", "--url", url, "--from", CUSTOMER, "--to", OUR, "HELP", env=env)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "inbox", "daemon"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            convs = json.loads(inbox("conversations", "--json", env=env).stdout)
            if convs:
                break
            time.sleep(0.2)
        assert convs, "the daemon never ingested the message"
        # The daemon holds the lease: a one-off sync must not race it.
        raced = inbox("sync", "--once", env=env, check=False)
        assert raced.returncode == 1 and "another Inbox process" in raced.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, err
    assert "stopped cleanly" in err
    assert CUSTOMER not in err


def test_keywords_order_prints_the_installed_chain_with_descriptions(sqlite_url) -> None:
    """What an admin reads is the chain a message walks: every step installed, none announced twice."""
    from .conftest import env_with

    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    expected = ["compliance", "verification", "engagement", "rules", "fallback"]

    listed = json.loads(inbox("keywords", "order", "--json", env=env).stdout)
    assert listed["order"] == expected
    assert listed["installed"] == expected[:-1]
    assert [s["name"] for s in listed["steps"]] == expected
    assert all(s["description"] for s in listed["steps"])
    engagement = listed["steps"][2]["description"]
    assert all(word in engagement for word in ("surveys", "polls", "contests"))

    text = inbox("keywords", "order", env=env).stdout
    numbered = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    assert numbered == [f"{i}. {s['name']}: {s['description']}" for i, s in enumerate(listed["steps"], 1)]
    assert "not installed" not in text
