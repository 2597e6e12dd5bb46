"""The global options (`--db`, `--json`, `-v`, `--agent`) work before or after the subcommand."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import env_with

OUR = "+15550001111"


def inbox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "inbox", *args], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc


def test_global_options_before_or_after_the_subcommand(tmp_path) -> None:
    # The default database is one nobody names: a command that ignored --db would write there.
    env = env_with(INBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'default.db'}", T="token")
    before, after = f"sqlite:///{tmp_path / 'before.db'}", f"sqlite:///{tmp_path / 'after.db'}"
    add = ["channel", "add", "--name", "main", "--number", OUR, "--account-sid", "AC" + "0" * 32, "--no-check"]
    inbox("--db", before, *add, "--auth-token-env", "T", env=env)
    inbox(*add, "--auth-token-env", "T", "--db", after, env=env)

    for listed in (["--db", before, "--json", "channel", "list"], ["channel", "list", "--db", after, "--json"]):
        assert [c["name"] for c in json.loads(inbox(*listed, env=env).stdout)] == ["main"]
    assert "No channels yet" in inbox("status", env=env).stdout  # the default database stayed empty
    assert "main:" in inbox("--db", before, "status", env=env).stdout
    assert "main:" in inbox("status", "--db", after, env=env).stdout

    # --agent before the subcommand is the author of the rule's version, as after it.
    inbox("--agent", "ada", "--db", before, "keywords", "add", "hours", "-k", "HOURS", "--reply", "9-5", env=env)
    inbox("keywords", "add", "hours", "-k", "HOURS", "--reply", "9-5", "--db", after, "--agent", "bob", env=env)
    assert "by ada" in inbox("--db", before, "keywords", "history", "hours", env=env).stdout
    assert "by bob" in inbox("keywords", "history", "hours", "--db", after, env=env).stdout

    # -v before the subcommand turns logging on like after it (INFO lines on stderr).
    assert "INFO" in inbox("-v", "--db", before, "status", env=env).stderr
    assert "INFO" in inbox("status", "-v", "--db", before, env=env).stderr
    assert "INFO" not in inbox("status", "--db", before, env=env).stderr
