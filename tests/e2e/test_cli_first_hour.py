"""What a new user's first commands ran into: `inbox help`, `inbox … | head`, `inbox app` without
a display, a mistyped number, an export into a folder that does not exist. Real processes."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import env_with
from .test_cli import inbox


def test_inbox_help_works_like_dash_dash_help(sqlite_url) -> None:
    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    assert inbox("help", env=env).stdout == inbox("--help", env=env).stdout
    assert "help" in inbox("--help", env=env).stdout  # listed among the commands
    assert inbox("help", "channel", "edit", env=env).stdout == inbox("channel", "edit", "--help", env=env).stdout
    unknown = inbox("help", "nope", env=env, check=False)
    assert unknown.returncode == 2 and "invalid choice: 'nope'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(sqlite_url) -> None:
    """`inbox … | head`: the pipe closes while Inbox still writes; exit 0, nothing on stderr."""
    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    inbox("seed", "--conversations", "3", "--messages", "600", "--long-thread", "500", env=env)
    for args in (["show", "1", "--limit", "600"], ["--help"], ["help", "channel", "add"]):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first byte: every write meets a closed pipe
        proc = subprocess.run(
            [sys.executable, "-m", "inbox", *args], stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=60
        )
        os.close(write)
        assert (proc.returncode, proc.stderr) == (0, ""), args


def test_the_app_without_a_display_says_what_to_do_instead_of_aborting(sqlite_url) -> None:
    env = {k: v for k, v in env_with(INBOX_DATABASE_URL=sqlite_url).items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    for command in ("app", "demo"):
        proc = subprocess.run(
            [sys.executable, "-m", "inbox", command], capture_output=True, text=True, env=env, timeout=60
        )
        assert proc.returncode == 1, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert "no display" in line and "QT_QPA_PLATFORM=offscreen" in line and "xcb" not in line


def test_a_mistyped_number_is_repeated_as_typed(sqlite_url) -> None:
    env = env_with(INBOX_DATABASE_URL=sqlite_url)
    env.pop("INBOX_TEST_UNSET_TOKEN", None)
    unchecked = inbox(
        "channel", "add", "--name", "main", "--number", "+15550001111", "--account-sid", "AC" + "0" * 32,
        "--auth-token-env", "INBOX_TEST_UNSET_TOKEN", env=env,
    )  # fmt: skip
    assert "not set in this environment, so the account and number were not checked" in unchecked.stderr
    idle = inbox("channel", "edit", "main", env=env, check=False)
    assert idle.returncode == 2 and "nothing to change" in idle.stderr
    typo = inbox("send", "--channel", "main", "--to", "call me", "hi", env=env, check=False)
    assert typo.returncode == 2 and "'call me'" in typo.stderr and "•" not in typo.stderr


def test_the_first_export_creates_the_folder_it_goes_to(sqlite_url, tmp_path) -> None:
    env = env_with(INBOX_DATABASE_URL=sqlite_url, HOME=str(tmp_path))
    target = tmp_path / "Documents" / "exports" / "messages.csv"  # neither folder exists yet
    made = inbox("export", "--what", "messages", "--format", "csv", "--out", str(target), env=env)
    assert target.is_file() and "Wrote 0 row(s)" in made.stdout
    blocked = tmp_path / "file"
    blocked.write_text("")
    refused = inbox(
        "export", "--what", "messages", "--format", "csv", "--out", str(blocked / "x.csv"), env=env, check=False
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"Cannot create the folder {blocked}" in refused.stderr


def test_remove_on_a_terminal_asks_for_the_channels_name(sqlite_url) -> None:
    import pty

    env = env_with(INBOX_DATABASE_URL=sqlite_url, T="t")
    inbox(
        "channel", "add", "--name", "main", "--number", "+15550001111", "--account-sid", "AC" + "0" * 32,
        "--auth-token-env", "T", "--no-check", env=env,
    )  # fmt: skip

    def answer(typed: str) -> subprocess.CompletedProcess:
        controller, terminal = pty.openpty()  # stdin is a terminal, as when a person runs it
        try:
            os.write(controller, typed.encode() + b"\n")
            return subprocess.run(
                [sys.executable, "-m", "inbox", "channel", "remove", "main"],
                stdin=terminal, capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
        finally:
            os.close(terminal)
            os.close(controller)

    kept = answer("yes")
    assert kept.returncode == 1 and "Not removed." in kept.stdout and "stay readable" in kept.stdout
    assert "main" in inbox("channel", "list", env=env).stdout
    removed = answer("main")
    assert removed.returncode == 0 and "Removed channel main" in removed.stdout
    assert "No channels yet" in inbox("channel", "list", env=env).stdout
