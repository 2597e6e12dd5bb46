"""`inbox channel set NAME --auto-assign … --capacity … --when-offline …`, as a person types it:
a good value is saved and said back; a bad one gets one line, a non-zero exit, and changes nothing."""

from __future__ import annotations

import json

import pytest

from .conftest import env_with
from .test_cli import inbox
from .test_cli_validation import add, assert_refused


@pytest.fixture
def env(sqlite_url) -> dict[str, str]:
    return env_with(INBOX_DATABASE_URL=sqlite_url, SIM_TOKEN="t", INBOX_AGENT="sam")


def channel_set(env, *args: str):
    return inbox("channel", "set", *args, env=env, check=False)


def test_set_saves_and_says_the_setting(env) -> None:
    add(env, check=True)
    proc = inbox(
        "channel", "set", "main", "--auto-assign", "on", "--capacity", "3", "--when-offline", "unassign", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "auto-assign on, capacity 3 open per agent, when an agent goes offline: unassign" in proc.stdout
    saved = json.loads(inbox("channel", "set", "main", "--auto-assign", "off", "--json", env=env).stdout)
    assert (saved["auto_assign"], saved["capacity"], saved["when_offline"]) == (False, 3, "unassign")
    assert saved["assign_on_reply"] is False


def test_assign_on_reply_is_set_and_a_reply_then_assigns_the_replier(env) -> None:
    add(env, check=True)
    proc = inbox("channel", "set", "main", "--assign-on-reply", env=env)
    assert "replying to an unassigned conversation assigns it: yes" in proc.stdout
    inbox("send", "--channel", "main", "--to", "+15557654321", "hello", env=env)
    (conv,) = json.loads(inbox("conversations", "--status", "all", "--json", env=env).stdout)
    assert conv["assignee"] == "sam"
    off = json.loads(inbox("channel", "set", "main", "--no-assign-on-reply", "--json", env=env).stdout)
    assert off["assign_on_reply"] is False
    inbox("send", "--channel", "main", "--to", "+15557654322", "hello", env=env)
    shown = json.loads(inbox("conversations", "--status", "all", "--json", env=env).stdout)
    assert {c["contact_phone"]: c["assignee"] for c in shown} == {"+15557654321": "sam", "+15557654322": None}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--capacity", "0"), ("capacity", "1 to 1,000")),
        (("--capacity", "lots"), ("capacity", "whole number")),
        (("--when-offline", "vanish"), ("keep or unassign",)),
        (("--auto-assign", "maybe"), ("--auto-assign", "invalid choice")),
        ((), ("Nothing to change",)),
    ],
)
def test_bad_values_are_refused_in_one_line_and_change_nothing(env, args, words) -> None:
    add(env, check=True)
    inbox("channel", "set", "main", "--capacity", "3", "--when-offline", "unassign", env=env)
    assert_refused(channel_set(env, "main", *args), *words)
    saved = json.loads(inbox("channel", "set", "main", "--auto-assign", "off", "--json", env=env).stdout)
    assert (saved["capacity"], saved["when_offline"]) == (3, "unassign"), "the refused value changed nothing"


def test_an_unknown_channel_is_refused(env) -> None:
    assert_refused(channel_set(env, "nope", "--auto-assign", "on"), "no channel named 'nope'")
