"""On SQLite (one machine) the team is names in the agents table, as before team databases."""

from __future__ import annotations

import json

from .conftest import env_with
from .test_cli import inbox
from .test_cli_validation import assert_refused


def test_agents_on_sqlite_are_names_without_logins(sqlite_url) -> None:
    env = env_with(INBOX_DATABASE_URL=sqlite_url, INBOX_AGENT="sam")
    inbox("agents", "add", "Dana Smith", "--role", "agent", env=env)  # a name, not a login: spaces are fine
    assert_refused(
        inbox("agents", "add", "lee", "--password-stdin", env=env, stdin="pw\n", check=False),
        "no database login",
    )
    inbox("agents", "remove", "Dana Smith", env=env)
    listed = {
        a["name"]: (a["role"], a["active"]) for a in json.loads(inbox("agents", "list", "--json", env=env).stdout)
    }
    assert listed == {"sam": ("admin", True), "Dana Smith": ("agent", False)}
    # --agent still chooses who acts: Dana is inactive now, so acting as her is refused.
    assert_refused(inbox("agents", "list", "--agent", "Dana Smith", env=env, check=False), "not an active agent")
