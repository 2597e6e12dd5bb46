"""What people type at `inbox`: a bad value gets one clear line, a non-zero exit, and changes nothing.

Real `inbox` processes on a temporary SQLite database, as a person or a script runs them.
"""

from __future__ import annotations

import json

import pytest

from .conftest import env_with
from .test_cli import CUSTOMER, OUR, inbox

SID = "AC" + "0" * 32


@pytest.fixture
def env(sqlite_url) -> dict[str, str]:
    return env_with(INBOX_DATABASE_URL=sqlite_url, SIM_TOKEN="t", INBOX_AGENT="sam")


def add(env, *extra: str | bytes, name: str | bytes = "main", number: str = OUR, check: bool = False):
    args = ["channel", "add", "--name", name, "--number", number, "--account-sid", SID, "--auth-token-env", "SIM_TOKEN"]
    args.append("--no-check")  # no provider behind SID: these tests are about what is typed
    return inbox(*args, *extra, env=env, check=check)


def assert_refused(proc, *says: str) -> None:
    """Non-zero, one line on stderr naming the problem, no traceback."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, proc.stderr
    for word in says:
        assert word in lines[0], lines[0]


def channels(env) -> list[dict]:
    return json.loads(inbox("channel", "list", "--json", env=env).stdout)


def conversations(env) -> list[dict]:
    return json.loads(inbox("conversations", "--status", "all", "--json", env=env).stdout)


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "86400", "soon"])
def test_channel_add_refuses_a_poll_interval_out_of_bounds(env, value: str) -> None:
    assert_refused(add(env, "--poll-interval", value), "--poll-interval", "from 0.1 to 3600 seconds")
    assert channels(env) == []


@pytest.mark.parametrize(
    "args",
    [
        ("--poll-interval", "-1"),
        ("--poll-interval", "0"),
        ("--lease-seconds", "0"),
        ("--lease-seconds", "-5"),
        ("--lease-seconds", "nan"),
    ],
)
def test_the_daemon_refuses_durations_that_would_spin_it(env, args: tuple[str, str]) -> None:
    """A zero, negative or nan interval is refused: it would spin the daemon, deaf to SIGTERM."""
    assert_refused(inbox("daemon", *args, env=env, check=False), args[0], "seconds")


def test_one_number_written_two_ways_is_one_channel(env) -> None:
    add(env, check=True)
    again = add(env, name="main-again", number="+1 555 000 1111")
    assert_refused(again, "'main' already uses this number")
    assert [c["name"] for c in channels(env)] == ["main"]


def test_help_text_longer_than_one_provider_message_is_refused_with_its_segments(env) -> None:
    refused = add(env, "--help-text", "Acme support, reply STOP to stop. " * 50)
    assert_refused(refused, "help text is 1,699 characters (12 GSM-7 segments)", "1,600")
    assert channels(env) == []


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 10_000, "x" * 81, "\x1b[2J\x1b[31mmain", "main\u202egnp.exe", "tab\there", b"caf\xff"],
)
def test_channel_names_must_be_printable_and_at_most_80_characters(env, name: str | bytes) -> None:
    refused = add(env, name=name)
    assert_refused(refused, "channel name")
    assert "\x1b" not in refused.stderr and "\u202e" not in refused.stderr
    assert channels(env) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "not a url", "http://example.com", "https://"])
def test_base_urls_must_be_http_s_with_a_host(env, url: str) -> None:
    assert_refused(add(env, "--base-url", url), "base URL", "https://")
    assert channels(env) == []


@pytest.mark.parametrize("number", ["²³⁴⁵⁶", "١٢٣٤٥", "123"])
def test_unicode_digits_and_three_digit_numbers_are_not_short_codes(env, number: str) -> None:
    assert_refused(add(env, number=number), "short code")
    add(env, check=True)
    assert_refused(inbox("send", "--channel", "main", "--to", number, "hi", env=env, check=False), "short code")
    assert conversations(env) == []


def test_sending_to_our_own_number_is_refused(env) -> None:
    add(env, check=True)
    refused = inbox("send", "--channel", "main", "--to", "+1 555 000 1111", "hello me", env=env, check=False)
    assert_refused(refused, "own number")
    assert conversations(env) == []


def test_undecodable_bytes_and_overlong_agent_names_leave_no_orphan_conversation(env) -> None:
    """`inbox send ... $'\\xff'` and a 200-character --agent are refused in one line before anything
    is written: no contact, no conversation, no traceback."""
    add(env, check=True)
    body = inbox("send", "--channel", "main", "--to", CUSTOMER, b"caf\xff", env=env, check=False)
    assert_refused(body, "not UTF-8")
    agent = inbox("send", "--agent", "a" * 200, "--channel", "main", "--to", CUSTOMER, "hi", env=env, check=False)
    assert_refused(agent, "--agent", "the limit is 120")
    assert conversations(env) == []
    assert "Queued" in inbox("send", "--channel", "main", "--to", CUSTOMER, "hi", env=env).stdout
    assert [c["contact_phone"] for c in conversations(env)] == [CUSTOMER]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("verify", "start", "--channel", "main", "--to", CUSTOMER, "--lifetime", "-1"), "from 1 to 1440 minutes"),
        (
            (
                "surveys",
                "create",
                "--channel",
                "main",
                "--name",
                "s",
                "--question",
                "text:How?",
                "--timeout-minutes",
                "-1",
            ),
            "from 1 to 43200 minutes",
        ),
        (
            ("contests", "create", "--channel", "main", "--name", "c", "--keyword", "WIN", "--period-hours", "-1"),
            "from 1 to 8760 hours",
        ),
        (("review", "--waiting-min", "-1"), "from 0 to 525600 minutes"),
        (("send-settings", "--channel", "main", "--rate", "0"), "from 0.01 to 1000 messages per second"),
        (
            (
                "keywords",
                "add",
                "bal",
                "--keyword",
                "BALANCE",
                "--action",
                "lookup",
                "--url",
                "https://example.com/b",
                "--reply",
                "{balance}",
                "--fallback",
                "later",
                "--timeout",
                "nan",
            ),
            "from 0.1 to 30 seconds",
        ),
    ],
)
def test_every_other_duration_option_is_bounded(env, args: tuple[str, ...], says: str) -> None:
    add(env, check=True)
    assert_refused(inbox(*args, env=env, check=False), says)
    assert conversations(env) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("channel", "add", "--name", "n" * 81), "the limit is 80"),
        (("surveys", "create", "--channel", "main", "--name", "n" * 81, "--question", "text:How?"), "the limit is 80"),
        (("contests", "create", "--channel", "main", "--name", "n" * 81, "--keyword", "WIN"), "the limit is 80"),
        (("agents", "add", "n" * 121), "the limit is 120"),
    ],
)
def test_names_longer_than_their_column_are_refused_before_the_database_sees_them(env, args, says: str) -> None:
    """PostgreSQL refused these with a traceback; SQLite silently stored them."""
    add(env, check=True)
    if args[0] == "channel":
        args = (*args, "--number", "+15550002222", "--account-sid", SID, "--auth-token-env", "SIM_TOKEN")
    assert_refused(inbox(*args, env=env, check=False), says)
    assert [c["name"] for c in channels(env)] == ["main"]


def test_codes_and_survey_invitations_are_never_sent_to_our_own_number(env) -> None:
    add(env, check=True)
    code = inbox("verify", "start", "--channel", "main", "--to", "+1 555 000 1111", env=env, check=False)
    assert_refused(code, "own number")
    inbox("surveys", "create", "--channel", "main", "--name", "s", "--question", "text:How?", env=env)
    invite = inbox("surveys", "invite", "1", "--to", CUSTOMER, "--to", "+1 555 000 1111", env=env, check=False)
    assert_refused(invite, "own number")
    assert conversations(env) == []
