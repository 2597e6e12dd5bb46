"""`inbox watch` as a real process: it prints what another process commits, as it commits, and
ends cleanly on SIGTERM or Ctrl-C; bad input is one line and changes nothing."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest

from inbox.store import contacts, conversations, feed
from inbox.store.db import Database
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WAIT = 60.0  # seconds: a Python process starting on a busy machine


def _conversation(db: Database) -> int:
    with db.write() as s:
        channel = add_channel(s)
        contact_id = contacts.get_or_create(s, "+15551230000")
        return conversations.get_or_create(s, contact_id, channel.id, T0)


def _lines(stream) -> queue.Queue[str]:
    out: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            out.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _watch(db: Database, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "inbox", "--db", db.url, "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_watch_json_prints_a_change_another_process_commits_then_ends_cleanly(db, stop_with) -> None:
    if stop_with == signal.SIGINT and not db.is_sqlite:
        pytest.skip("Ctrl-C once is enough; SIGTERM runs on both backends")
    conv = _conversation(db)
    since = feed.latest_seq(db)
    proc = _watch(db, "--json", "--since", str(since))
    try:
        lines = _lines(proc.stdout)
        with db.write() as s:
            conversations.set_fields(s, conv, assignee="zoe")
        first = json.loads(lines.get(timeout=WAIT))
        proc.send_signal(stop_with)
        code = proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert first["seq"] == since + 1 and first["kind"] == "conversation.updated"
    assert first["conversation_id"] == conv and first["message_id"] is None
    assert datetime.fromisoformat(first["at"]).tzinfo is not None
    stderr = proc.stderr.read()
    assert code == 0 and "Traceback" not in stderr, stderr


def test_watch_once_prints_what_is_there_and_refuses_a_bad_since(db, capsys) -> None:
    from inbox.cli.main import main

    conv = _conversation(db)
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="zoe")
    latest = feed.latest_seq(db)
    assert main(["--db", db.url, "watch", "--once", "--since", str(latest - 1)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["SEQ", "AT", "KIND", "CONVERSATION", "MESSAGE"]
    assert [line.split()[0::2] for line in out[1:]] == [[str(latest), "conversation.updated", "-"]]
    assert out[1].split()[3] == str(conv)

    assert main(["--db", db.url, "watch", "--since", str(latest + 5)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"after the newest change ({latest})" in err and "\n" not in err
    for not_a_number in ("yesterday", "-5", "٣", "99999999999999999999"):
        with pytest.raises(SystemExit) as exited:
            main(["--db", db.url, "watch", "--since", not_a_number])
        assert exited.value.code == 2
        err = capsys.readouterr().err.strip()
        assert "a change number is needed" in err and "\n" not in err
    assert feed.latest_seq(db) == latest  # refusing changed nothing
