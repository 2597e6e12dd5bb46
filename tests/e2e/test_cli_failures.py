"""The command line when the database or the machine is in a bad way: one clear line, never a traceback.

Every test runs the real `inbox` process. Read-only folders and full disks need the kernel's help when
the suite runs as root (root writes through file modes): a read-only bind mount and a tiny tmpfs.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .conftest import env_with

OUR = "+15550001111"
CUSTOMER = "+15557654321"
SECRET = "my card ends 4242 and my pin hint is walrus"


def inbox(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "inbox", *args],
        capture_output=True,
        text=True,
        env=env or env_with(),
        timeout=timeout,
    )


def assert_one_clear_line(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit code != 0, no traceback, exactly one line on stderr starting `inbox:`, naming the problem."""
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr and "sqlalchemy" not in proc.stderr.lower(), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("inbox: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded(url: str, body: str = "Hello, is my order on its way?") -> None:
    """A channel and one customer text, written through the library as a poll would."""
    from inbox.core.models import InboundMessage, PollCursor
    from inbox.engine.ingest import ingest
    from inbox.providers.base import InboundBatch
    from inbox.store.db import Database
    from tests.conftest import add_channel

    db = Database(url)
    db.upgrade()
    with db.write() as s:
        channel = add_channel(s)
    at = datetime.now(UTC) - timedelta(minutes=1)
    batch = InboundBatch([InboundMessage("SM" + uuid.uuid4().hex, CUSTOMER, OUR, body, at)], PollCursor(at))
    ingest(db, channel, batch)
    db.dispose()


# -- 1. bad URLs, missing folders, a server that is not there ---------------------------------------
COMMANDS = [
    ["status"],
    ["conversations"],
    ["channel", "list"],
    ["show", CUSTOMER],
    ["send", "--channel", "main", "--to", CUSTOMER, "hi"],
    ["sync", "--once"],
    ["db", "upgrade"],
    ["keywords", "list"],
    ["polls", "list"],
    ["agents", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_every_command_names_a_missing_folder_in_one_line(tmp_path, command) -> None:
    url = f"sqlite:///{tmp_path / 'not-there' / 'inbox.sqlite3'}"
    line = assert_one_clear_line(inbox(*command, "--db", url), "does not exist", str(tmp_path / "not-there"))
    assert "--db" in line


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("nosuchdriver://localhost/x", ["URL is not valid", "sqlite:///"]),
        ("just some words", ["URL is not valid"]),
        (f"postgresql+psycopg://inbox:s3cret@127.0.0.1:{free_loopback_port()}/inbox", ["cannot connect", "127.0.0.1"]),
    ],
    ids=["unknown-driver", "not-a-url", "closed-postgres-port"],
)
def test_a_bad_database_url_gets_one_line_with_what_to_do(url, words) -> None:
    for command in (["status"], ["conversations", "--json"], ["db", "upgrade"]):
        proc = inbox(*command, "--db", url)
        line = assert_one_clear_line(proc, *words)
        assert "s3cret" not in line and "s3cret" not in proc.stdout
    as_json = inbox("status", "--json", "--db", url)
    assert json.loads(as_json.stdout)["ok"] is False


# -- read-only databases ---------------------------------------------------------------------------
@pytest.fixture
def read_only(tmp_path) -> Iterator[Path]:
    """A folder holding a database, then made read-only (a bind mount for root, modes otherwise)."""
    source = tmp_path / "data"
    source.mkdir()
    seeded(f"sqlite:///{source / 'inbox.sqlite3'}")
    if os.geteuid() != 0:
        (source / "inbox.sqlite3").chmod(0o444)
        source.chmod(0o555)
        try:
            yield source
        finally:
            source.chmod(0o755)  # so pytest can clean up
        return
    view = tmp_path / "read-only"
    view.mkdir()
    bound = subprocess.run(["mount", "--bind", str(source), str(view)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("cannot bind-mount here (root without CAP_SYS_ADMIN)")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True, capture_output=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_reading_commands_work_on_a_read_only_database_and_writes_say_why_not(read_only) -> None:
    url = f"sqlite:///{read_only / 'inbox.sqlite3'}"
    convs = inbox("conversations", "--db", url)
    assert convs.returncode == 0, convs.stderr
    assert "Hello, is my order" in convs.stdout
    assert "main" in inbox("channel", "list", "--db", url).stdout
    status = inbox("status", "--db", url)
    assert status.returncode == 0 and "main:" in status.stdout, status.stderr
    show = inbox("show", CUSTOMER, "--db", url)
    assert show.returncode == 0 and "Hello, is my order" in show.stdout, show.stderr

    refused = inbox("send", "--channel", "main", "--to", CUSTOMER, "parcel left today", "--db", url)
    assert_one_clear_line(refused, "read-only")
    assert "parcel left today" not in inbox("show", CUSTOMER, "--db", url).stdout


def test_sync_on_a_read_only_database_says_so_not_that_another_process_leads(read_only) -> None:
    url = f"sqlite:///{read_only / 'inbox.sqlite3'}"
    proc = inbox("sync", "--once", "--db", url)
    line = assert_one_clear_line(proc, "read-only")
    assert "another Inbox process" not in line
    answer = json.loads(inbox("sync", "--once", "--json", "--db", url).stdout)
    assert answer["ok"] is False and "read-only" in answer["error"]


def test_a_daemon_on_a_read_only_database_says_so_and_exits(read_only) -> None:
    url = f"sqlite:///{read_only / 'inbox.sqlite3'}"
    proc = inbox("daemon", "--db", url, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("inbox: ") and "read-only" in last, proc.stderr


def test_a_daemon_whose_lease_cannot_be_written_logs_one_line_not_a_traceback(read_only) -> None:
    url = f"sqlite:///{read_only / 'inbox.sqlite3'}"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "inbox", "daemon", "--db", url], stderr=subprocess.PIPE, text=True, env=env_with()
    )
    try:
        for line in daemon.stderr:
            if "lease renewal failed" in line:
                break
    finally:
        daemon.terminate()
        rest = daemon.stderr.read()  # through the same file: what it read ahead counts too
        daemon.wait(30)
    assert "lease renewal failed" in line and "read" in line.lower(), line
    assert "Traceback" not in line + rest and "[database details hidden]" not in rest, rest


def test_a_daemon_whose_jobs_hit_database_errors_logs_one_line_each_not_a_traceback(tmp_path) -> None:
    path = tmp_path / "inbox.sqlite3"
    url = f"sqlite:///{path}"
    seeded(url)
    env = env_with(X="token")
    queued = inbox("send", "--channel", "main", "--to", CUSTOMER, SECRET, "--db", url, env=env)
    assert queued.returncode == 0, queued.stderr
    with sqlite3.connect(path) as conn:  # the database refuses every change to a message from now on
        conn.execute("UPDATE channels SET base_url = ?", (f"http://127.0.0.1:{free_loopback_port()}",))
        conn.execute("CREATE TRIGGER frozen BEFORE UPDATE ON messages BEGIN SELECT RAISE(ABORT, 'refused'); END")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "inbox", "daemon", "--db", url], stderr=subprocess.PIPE, text=True, env=env
    )
    seen = []
    try:
        for line in daemon.stderr:
            seen.append(line)
            if "send job failed" in line:
                break
    finally:
        daemon.terminate()
        seen.append(daemon.stderr.read())  # through the same file: what it read ahead counts too
        daemon.wait(30)
    shown = "".join(seen)
    assert "send job failed" in shown and "refused" in shown, shown
    assert "Traceback" not in shown and "[database details hidden]" not in shown, shown
    assert SECRET not in shown and CUSTOMER not in shown


# -- a database locked by another process ----------------------------------------------------------
def test_send_waits_for_a_locked_database_says_so_then_fails_cleanly(tmp_path) -> None:
    path = tmp_path / "inbox.sqlite3"
    url = f"sqlite:///{path}"
    seeded(url)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = inbox("send", "--channel", "main", "--to", CUSTOMER, "parcel left today", "--db", url)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode != 0
    waiting, failed = proc.stderr.strip().splitlines()
    assert "waiting" in waiting and "another process" in waiting
    assert failed.startswith("inbox: ") and "locked by another process" in failed
    assert "Traceback" not in proc.stderr
    # Nothing was queued; once the lock is gone the same command works.
    assert "parcel left today" not in inbox("show", CUSTOMER, "--db", url).stdout
    assert inbox("send", "--channel", "main", "--to", CUSTOMER, "parcel left today", "--db", url).returncode == 0


# -- a full disk -----------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the error mapping is tested in tests/store)")
    where = tmp_path / "small"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_is_one_line_and_nothing_half_written(small_disk) -> None:
    url = f"sqlite:///{small_disk / 'inbox.sqlite3'}"
    seeded(url)
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # take every free byte
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    long_text = "x" * 1500  # more than the last page or two the file system may still have
    proc = inbox("send", "--channel", "main", "--to", CUSTOMER, long_text, "--db", url)
    assert_one_clear_line(proc, "full", "free some space")
    filler.unlink()
    assert long_text not in inbox("show", CUSTOMER, "--db", url).stdout


# -- 2. two upgrades at once -----------------------------------------------------------------------
def _upgrade_twice_at_once(url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "inbox", "db", "upgrade", "--db", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "revision" in out


def test_two_upgrades_of_a_new_sqlite_database_at_once_both_succeed(tmp_path) -> None:
    for round_ in range(3):
        _upgrade_twice_at_once(f"sqlite:///{tmp_path / f'inbox-{round_}.sqlite3'}")


@pytest.mark.postgres
def test_two_upgrades_of_a_new_postgres_schema_at_once_both_succeed() -> None:
    from tests.conftest import _postgres_schema_url

    for _ in range(3):
        schema = _postgres_schema_url()
        try:
            _upgrade_twice_at_once(next(schema))
        finally:
            schema.close()


# -- 4. no customer data in error output -----------------------------------------------------------
def test_a_database_error_mid_sync_shows_no_numbers_or_texts(tmp_path) -> None:
    from inbox.simulator.server import SimulatorConfig, SimulatorServer

    sid, token = "AC" + uuid.uuid4().hex, uuid.uuid4().hex
    path = tmp_path / "inbox.sqlite3"
    url = f"sqlite:///{path}"
    env = env_with(INBOX_DATABASE_URL=url, SIM_TOKEN=token)
    config = SimulatorConfig(account_sid=sid, auth_token=token, numbers=(OUR,), delivery_delay=0.05)
    with SimulatorServer(config, host="127.0.0.1", port=0) as server:
        added = inbox(
            "channel", "add", "--name", "main", "--number", OUR, "--account-sid", sid,
            "--base-url", server.url, "--auth-token-env", "SIM_TOKEN", env=env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        text = inbox("simulator", "text", "--url", server.url, "--from", CUSTOMER, "--to", OUR, SECRET, env=env)
        assert text.returncode == 0, text.stderr
        # The database fails mid-sync on every new contact (as a bad disk or a broken schema would):
        # an error of the database itself, not of one record, so the poll fails and nothing is set aside.
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TRIGGER no_contacts BEFORE INSERT ON contacts BEGIN INSERT INTO gone VALUES (1); END")
        for args in (["sync", "--once", "-vv"], ["sync", "--once", "--json"]):
            proc = inbox(*args, env=env)
            assert proc.returncode != 0
            shown = proc.stdout + proc.stderr
            assert "could not store inbound messages" in shown  # the failure is reported...
            for secret in (CUSTOMER, CUSTOMER[2:], SECRET, "walrus", "4242"):  # ...without the customer's data
                assert secret not in shown, (secret, shown)
            assert "[SQL:" not in shown and "[parameters:" not in shown  # (-vv: frames, never values)
        errors = json.loads(inbox("sync", "--once", "--json", env=env).stdout)["errors"]
        assert errors and all("could not store" in e and "walrus" not in e for e in errors)
        status = inbox("status", env=env)
        assert CUSTOMER not in status.stdout and "walrus" not in status.stdout


# -- 5. terminal escapes in customer text ----------------------------------------------------------
HOSTILE = "hi\x1b[2J\x1b]0;pwned\x07 bell\x07 nul\x00 csi\x9b1m \u202eevil\u202c 👩‍👩‍👧 नमस्ते مرحبا"


def test_customer_control_characters_are_shown_never_obeyed(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    seeded(url, HOSTILE + "\n  01 Dec 09:00  agent: fake line")
    for command in (["show", CUSTOMER], ["conversations"]):
        out = inbox(*command, "--db", url).stdout
        for raw in ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u202c"):
            assert raw not in out, (command, repr(raw))
        assert "\\x1b[2J" in out and "\\x07" in out and "\\x9b" in out and "\\u202e" in out
        assert "nul\ufffd" in out  # NUL is stored as U+FFFD (PostgreSQL cannot hold it)
        assert "👩‍👩‍👧 नमस्ते مرحبا" in out  # normal Unicode, with its zero-width joiners, stays
    shown = inbox("show", CUSTOMER, "--db", url).stdout
    assert "\\n  01 Dec 09:00  agent: fake line" in shown  # a newline cannot fake a line of the thread
    # --json: the same data, exactly, with every control as a JSON escape.
    raw = inbox("show", CUSTOMER, "--json", "--db", url).stdout
    for ch in ("\x1b", "\x07", "\x00", "\x9b", "\u202e"):
        assert ch not in raw
    bodies = [m["body"] for c in json.loads(raw)["conversations"] for m in c["messages"]]
    assert bodies == [HOSTILE.replace("\x00", "\ufffd") + "\n  01 Dec 09:00  agent: fake line"]


# -- 6. private files ------------------------------------------------------------------------------
def test_the_default_database_folder_and_files_are_private(tmp_path) -> None:
    home = tmp_path / "home"
    env = env_with(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    env.pop("INBOX_DATABASE_URL", None)
    old_umask = os.umask(0o022)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from inbox.launcher import main; sys.exit(main(['db', 'upgrade']))"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        folder = home / ".local" / "share" / "inbox"
        assert folder.stat().st_mode & 0o777 == 0o700
        # A process still holding it open: the -wal and -shm files exist and are private too.
        script = (
            "import sys, time\n"
            "from inbox.store.db import Database\n"
            "db = Database(); db.upgrade()\n"
            "conn = db.engine.connect(); conn.exec_driver_sql('CREATE TABLE t(a)'); conn.commit()\n"
            "print('ready', flush=True); sys.stdin.readline()\n"
        )
        holder = subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout.readline().strip() == "ready"
            for name in ("inbox.sqlite3", "inbox.sqlite3-wal", "inbox.sqlite3-shm"):
                assert (folder / name).stat().st_mode & 0o777 == 0o600, name
        finally:
            holder.communicate("\n", timeout=30)
    finally:
        os.umask(old_umask)


def test_exports_written_by_the_cli_are_private(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    seeded(url)
    out = tmp_path / "shared"
    out.mkdir(mode=0o755)
    old_umask = os.umask(0o022)
    try:
        poll = [
            "polls",
            "create",
            "--channel",
            "main",
            "--question",
            "Lunch?",
            "--option",
            "A=Pizza",
            "--option",
            "B=Soup",
        ]
        made = inbox(*poll, "--db", url)
        assert made.returncode == 0, made.stderr
        for args in (
            ["polls", "results", "1", "--csv", str(out / "poll.csv")],
            ["polls", "results", "1", "--xlsx", str(out / "poll.xlsx")],
            ["export", "--format", "csv", "--what", "messages", "--out", str(out / "messages.csv")],
            ["export", "--format", "xlsx", "--what", "conversations", "--out", str(out / "conversations.xlsx")],
        ):
            proc = inbox(*args, "--db", url)
            assert proc.returncode == 0, (args, proc.stderr)
    finally:
        os.umask(old_umask)
    written = sorted(p.name for p in out.iterdir())
    assert written == ["conversations.xlsx", "messages.csv", "poll.csv", "poll.xlsx"]
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name


def test_a_spreadsheet_export_of_hostile_text_is_written_with_controls_shown(tmp_path) -> None:
    """openpyxl refuses control characters: an export of a text carrying ESC/BEL/NUL must still work."""
    from openpyxl import load_workbook

    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    seeded(url, HOSTILE)
    for what in ("messages", "conversations"):
        target = tmp_path / f"{what}.xlsx"
        proc = inbox("export", "--format", "xlsx", "--what", what, "--out", str(target), "--db", url)
        assert proc.returncode == 0, proc.stderr
    cells = [c for row in load_workbook(tmp_path / "messages.xlsx").active.iter_rows(values_only=True) for c in row]
    text = next(c for c in cells if isinstance(c, str) and "pwned" in c)
    assert "\\x1b[2J" in text and "\\x07" in text and "नमस्ते" in text  # (NUL is stored as U+FFFD)


def test_status_names_a_storage_failure_without_blaming_the_provider(tmp_path) -> None:
    """A poll that read the provider fine but could not store what it read is not 'provider unreachable'."""
    from inbox.store import health
    from inbox.store.db import Database

    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    seeded(url)
    db = Database(url)
    now = datetime.now(UTC)
    with db.write() as s:
        health.failed(s, 1, now, "could not store inbound messages (OperationalError)", now + timedelta(seconds=30))
    db.dispose()
    proc = inbox("status", "--db", url)
    assert proc.returncode == 0, proc.stderr
    assert "unreachable" not in proc.stdout, proc.stdout
    assert "polling: could not store inbound messages (OperationalError)" in proc.stdout
    assert "retrying in" in proc.stdout
