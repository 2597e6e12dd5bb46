"""One door per use case: a channel or a keyword rule made with `inbox ...` leaves the same audit
entries as one made the desktop's way (its set-up creator, its rules editor's engine calls)."""

from __future__ import annotations

import subprocess
import sys

from inbox.core.events import ChannelHealthChanged, EventBus
from inbox.core.rules import Action, RuleSpec
from inbox.engine import rulebook
from inbox.store import audit
from inbox.store.db import Database

from .conftest import env_with

OUR = "+15550001111"
SID = "AC" + "0" * 32


def inbox(*args: str, env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "inbox", *args], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, (args, proc.stderr)


def trail(db: Database) -> list[tuple]:
    with db.read() as s:
        return [(e.actor, e.action, e.subject, e.detail) for e in reversed(audit.recent(s))]


def test_cli_and_desktop_leave_the_same_audit_trail(tmp_path) -> None:
    from inbox.engine.service import InboxService
    from inbox.ui.setup.connect_form import ConnectDraft, engine_creator

    cli_url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = env_with(INBOX_DATABASE_URL=cli_url, T="token", INBOX_AGENT="dana")
    add = ("channel", "add", "--name", "main", "--number", OUR, "--account-sid", SID, "--auth-token-env", "T")
    inbox(*add, "--no-check", env=env)
    inbox("keywords", "add", "hours", "-k", "HOURS", "--reply", "We open at 9.", env=env)
    inbox("keywords", "edit", "hours", "--reply", "We open at 8.", env=env)
    inbox("keywords", "disable", "hours", env=env)

    desk = Database(f"sqlite:///{tmp_path / 'desk.db'}")
    desk.upgrade()
    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    engine_creator(InboxService(desk, bus), check=False)(
        ConnectDraft("main", SID, number=OUR, store="env", env_var="T")
    )
    spec = RuleSpec("hours", ("HOURS",), action=Action(reply="We open at 9."))
    rulebook.add_rule(desk, spec, "dana")  # what the rules editor's dialog and page call
    rulebook.save_rule(desk, RuleSpec("hours", ("HOURS",), action=Action(reply="We open at 8.")), "dana")
    rulebook.set_rule_enabled(desk, "hours", False, "dana")

    expected = [
        ("admin", "channel_add", "channel:1", {"name": "main"}),
        ("dana", "rule_add", "rule:hours", {"version": 1}),
        ("dana", "rule_save", "rule:hours", {"version": 2}),
        ("dana", "rule_disable", "rule:hours", {"version": 3}),
    ]
    cli_db = Database(cli_url)
    assert trail(cli_db) == expected
    assert trail(desk) == expected
    assert [type(e) for e in seen if isinstance(e, ChannelHealthChanged)] == [ChannelHealthChanged]
    cli_db.engine.dispose()
    desk.engine.dispose()


def test_channel_add_accepts_what_the_engine_accepts(tmp_path) -> None:
    # A Twilio-compatible provider (base URL set) may use another SID form: setup accepts it, so must the CLI.
    env = env_with(INBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", T="token")
    inbox(
        "channel", "add", "--name", "compat", "--number", OUR, "--account-sid", "tenant-42",
        "--base-url", "http://127.0.0.1:9", "--auth-token-env", "T", "--no-check", env=env,
    )  # fmt: skip
