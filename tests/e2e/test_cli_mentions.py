"""`inbox mentions [--json]`: the current agent's unseen mentions, from a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from inbox.engine.service import InboxService
from inbox.store import contacts, conversations
from inbox.store.db import Database
from tests.conftest import add_channel

from .conftest import env_with


def inbox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "inbox", *args], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc


def test_mentions_lists_mine_newest_first_until_i_open_the_conversation(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    db = Database(url)
    db.upgrade()
    with db.write() as s:
        ch = add_channel(s)
        ids = [
            conversations.get_or_create(s, contacts.get_or_create(s, f"+1415555010{i}"), ch.id, datetime.now(UTC))
            for i in range(2)
        ]
    carol = InboxService(db, agent="carol")
    older = carol.add_note(ids[0], "@dana please look")
    newer = carol.add_note(ids[1], "@Dana \x1b[31mred\x1b[0m too")
    carol.add_note(ids[1], "@lee not dana")
    env = env_with(INBOX_DATABASE_URL=url, INBOX_AGENT="dana")

    listed = json.loads(inbox("mentions", "--json", env=env).stdout)
    assert [(m["message_id"], m["conversation_id"], m["author"]) for m in listed] == [
        (newer.id, ids[1], "carol"),
        (older.id, ids[0], "carol"),
    ]
    human = inbox("mentions", env=env).stdout
    assert "carol: @dana please look" in human and "\x1b" not in human

    InboxService(db, agent="dana").mark_mentions_seen(ids[1])
    assert [m["conversation_id"] for m in json.loads(inbox("mentions", "--json", env=env).stdout)] == [ids[0]]
    InboxService(db, agent="dana").mark_mentions_seen(ids[0])
    assert inbox("mentions", env=env).stdout.strip() == "No unseen mentions."
    db.dispose()
