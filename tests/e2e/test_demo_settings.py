"""`inbox demo` keeps its window layout and preferences in its temporary folder: trying the demo
never rewrites the real app's settings file."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_demo_leaves_the_real_settings_file_alone(tmp_path) -> None:
    home, config = tmp_path / "home", tmp_path / "config"
    real = config / "Inbox" / "inbox.ini"
    real.parent.mkdir(parents=True)
    home.mkdir()
    before = "[appearance]\ntheme=dark\n\n[window]\nsizes=300, 700, 280\n"
    real.write_text(before, encoding="utf-8")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config),
        "QT_QPA_PLATFORM": "offscreen",
        "INBOX_SMOKE_TEST": "45",  # opens the window, waits for the first paint and loads, closes it
    }
    done = subprocess.run(
        [sys.executable, "-m", "inbox", "demo"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "smoke test: first paint" in done.stderr
    assert real.read_text(encoding="utf-8") == before  # the closing window saved its layout elsewhere
    assert sorted(p.name for p in config.rglob("*") if p.is_file()) == ["inbox.ini"]


def test_the_settings_file_is_where_the_readme_says(tmp_path) -> None:
    """README: `~/.config/Inbox/inbox.ini` on Linux, under $XDG_CONFIG_HOME when set."""
    code = "from inbox.ui import settings; print(settings.app_settings().fileName())"
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == str(tmp_path / "Inbox" / "inbox.ini")
