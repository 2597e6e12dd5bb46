"""`inbox channel add|test|edit|remove` as a person runs them: real processes, a real simulator.

A channel is checked with the provider before it is saved (the token works, the account owns the
number); it can be fixed afterwards; removing it keeps its history and sends nothing queued.
"""

from __future__ import annotations

import json

from .conftest import env_with
from .test_cli import CUSTOMER, OUR, inbox, served  # noqa: F401 - served is a fixture

NOT_OURS = "+15550009999"


def test_a_channel_is_checked_fixed_and_removed_keeping_its_history(served, sqlite_url, tmp_path) -> None:  # noqa: F811
    url, sid, token = served
    keyring = tmp_path / "keyring.json"
    env = env_with(
        INBOX_DATABASE_URL=sqlite_url,
        SIM_TOKEN=token,
        INBOX_AGENT="sam",
        PYTHON_KEYRING_BACKEND="tests.e2e.file_keyring.FileKeyring",
        INBOX_TEST_KEYRING_FILE=str(keyring),
    )
    add = ("channel", "add", "--account-sid", sid, "--base-url", url, "--auth-token-env", "SIM_TOKEN")

    unowned = inbox(*add, "--name", "typo", "--number", NOT_OURS, env=env, check=False)
    assert unowned.returncode == 2 and "does not own the number +1 555-000-9999" in unowned.stderr
    assert "Traceback" not in unowned.stderr and len(unowned.stderr.strip().splitlines()) == 1
    added = inbox(*add, "--name", "main", "--number", OUR, env=env)
    assert "owns +1 555-000-1111" in added.stdout
    assert [c["name"] for c in json.loads(inbox("channel", "list", "--json", env=env).stdout)] == ["main"]

    assert "owns +1 555-000-1111" in inbox("channel", "test", "main", env=env).stdout
    wrong = inbox("channel", "test", "main", env={**env, "SIM_TOKEN": "wrong"}, check=False)
    assert wrong.returncode == 1 and "rejected the credentials" in wrong.stderr

    # A new token is checked before it replaces anything, then kept in the keyring (not the variable).
    typo = inbox("channel", "edit", "main", "--new-token", env=env, stdin="wrong\n", check=False)
    assert typo.returncode == 2 and "rejected the credentials" in typo.stderr and not keyring.exists()
    inbox("channel", "edit", "main", "--new-token", env=env, stdin=token + "\n")
    assert token in keyring.read_text()
    env.pop("SIM_TOKEN")
    assert "owns" in inbox("channel", "test", "main", env=env).stdout

    moved = inbox("channel", "edit", "main", "--number", NOT_OURS, env=env, check=False)
    assert moved.returncode == 2 and "does not own" in moved.stderr and "Nothing was saved" in moved.stderr
    inbox(
        "channel", "edit", "main", "--name", "support", "--poll-interval", "2", "--help-text", "Acme. STOP to end.",
        "--provider-handles-opt-out", "no", env=env,
    )  # fmt: skip
    (edited,) = json.loads(inbox("channel", "list", "--json", env=env).stdout)
    assert (edited["name"], edited["number"], edited["poll_interval_seconds"]) == ("support", OUR, 2.0)
    assert edited["help_text"] == "Acme. STOP to end." and edited["provider_handles_opt_out"] is False

    inbox("simulator", "text", "--url", url, "--from", CUSTOMER, "--to", OUR, "Where is my order?", env=env)
    inbox("sync", "--once", env=env)
    inbox("send", "--channel", "support", "--to", CUSTOMER, "Queued, never sent", env=env)  # no sync after it

    unconfirmed = inbox("channel", "remove", "support", env=env, stdin="", check=False)  # stdin is not a terminal
    assert unconfirmed.returncode == 2 and "add --yes" in unconfirmed.stderr
    removed = inbox("channel", "remove", "support", "--yes", env=env)
    assert "1 conversation(s) stay readable" in removed.stdout and "1 queued message(s) will not be sent" in (
        removed.stdout
    )

    assert "No channels yet" in inbox("channel", "list", env=env).stdout
    assert "REMOVED (history kept)" in inbox("channel", "list", "--all", env=env).stdout
    assert [c["contact_phone"] for c in json.loads(inbox("conversations", "--json", env=env).stdout)] == [CUSTOMER]
    thread = inbox("show", CUSTOMER, "--json", env=env).stdout
    assert "Where is my order?" in thread and "was removed before this was sent" in thread
    refused = inbox("send", "--channel", "support", "--to", CUSTOMER, "one more", env=env, check=False)
    assert refused.returncode != 0 and "was removed" in refused.stderr
    inbox("sync", "--once", env=env)
    phone = json.loads(inbox("simulator", "phone", "--url", url, CUSTOMER, "--json", env=env).stdout)
    assert phone["received"] == []  # nothing queued went out after the removal
