"""Build the PyInstaller bundle and run it: the slow packaging check, outside the default run.

    INBOX_BUILD_BUNDLE=1 uv run pytest -m packaging tests/packaging/test_bundle.py

Set INBOX_BUNDLE_REUSE=1 to test an existing dist/inbox/ without rebuilding it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import inbox

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "dist" / "inbox"
EXE = BUNDLE / ("inbox.exe" if sys.platform == "win32" else "inbox")

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(os.environ.get("INBOX_BUILD_BUNDLE") != "1", reason="set INBOX_BUILD_BUNDLE=1 to build"),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    if not (os.environ.get("INBOX_BUNDLE_REUSE") == "1" and EXE.exists()):
        started = time.monotonic()
        subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], cwd=REPO, check=True, timeout=1800)
        print(f"bundle built in {time.monotonic() - started:.0f} s")
    assert EXE.exists()
    return EXE


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"), **extra)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def test_bundle_reports_the_package_version(bundle, tmp_path):
    result = subprocess.run(
        [str(bundle), "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"inbox {inbox.__version__}"


def test_bundle_opens_the_demo_window(bundle, tmp_path):
    """Migrations, SQLite, the simulator, httpx, APScheduler, Qt's offscreen platform and the icons:
    all from the bundle, with no source tree on the path."""
    result = subprocess.run(
        [str(bundle), "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=_env(tmp_path, INBOX_SMOKE_TEST="120"),
    )
    assert result.returncode == 0, result.stderr
    assert "smoke test: first paint" in result.stderr


def test_bundle_app_is_single_instance(bundle, tmp_path):
    env = _env(tmp_path, INBOX_TEST_TOKEN="x")
    db = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    add = [
        str(bundle),
        "channel",
        "add",
        "--db",
        db,
        "--name",
        "t",
        "--number",
        "+15550001111",
        "--account-sid",
        "AC" + "0" * 32,
        "--auth-token-env",
        "INBOX_TEST_TOKEN",
        "--base-url",
        "http://127.0.0.1:9",
        "--no-check",
    ]
    subprocess.run(add, check=True, capture_output=True, timeout=60, cwd=tmp_path, env=env)
    first = subprocess.Popen(
        [str(bundle), "app", "--db", db], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # Wait until the first one listens (its socket appears), then start a second one.
        from PySide6.QtCore import QDir

        from inbox.ui.single_instance import server_name

        socket_path = Path(QDir.tempPath()) / server_name(db)
        deadline = time.monotonic() + 90
        while not socket_path.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert socket_path.exists(), "the first app never started listening"
        second = subprocess.run(
            [str(bundle), "app", "--db", db],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=_env(tmp_path, INBOX_TEST_TOKEN="x", INBOX_SMOKE_TEST="5"),  # if it wrongly opened, it closes
        )
        assert second.returncode == 0
        assert "already open" in second.stdout
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(timeout=30)
