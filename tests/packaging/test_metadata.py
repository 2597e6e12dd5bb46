"""The desktop integration files and the single-instance handshake (fast; the default run).

The bundle itself is built and run by test_bundle.py, outside the default run.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import inbox
from inbox.ui import single_instance

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"
APP_ID = "io.github.inbox.Inbox"


def _load(name: str):
    """The packaging scripts are not a package: load them from their files."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", REPO / "packaging" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive in both formats
    parser.read(path, encoding="utf-8")
    return parser


# -- the version, from one place ---------------------------------------------------------------------
def test_metainfo_release_is_the_package_version():
    metainfo = _load("metainfo")
    assert metainfo.project_version() == inbox.__version__
    assert metainfo.release_version() == inbox.__version__


def test_metainfo_generator_puts_a_new_version_first(tmp_path):
    metainfo = _load("metainfo")
    copy = tmp_path / "m.xml"
    shutil.copyfile(metainfo.METAINFO, copy)
    from datetime import date

    assert metainfo.add_release("9.9.9", copy, today=date(2030, 1, 2))
    assert metainfo.release_version(copy) == "9.9.9"
    assert '<release version="9.9.9" date="2030-01-02"/>' in copy.read_text()
    assert not metainfo.add_release("9.9.9", copy)  # idempotent


def test_about_dialog_shows_the_version_and_never_a_database_password(monkeypatch, qapp):
    from inbox.ui import about

    monkeypatch.setenv("INBOX_DATABASE_URL", "postgresql+psycopg://inbox:s3cret@db.example/inbox")
    html = about.about_html()
    assert f"Inbox {inbox.__version__}" in html
    assert "s3cret" not in html and "db.example/inbox" in html


# -- Linux desktop files ----------------------------------------------------------------------------
def test_desktop_file_launches_the_app_with_our_icon():
    path = LINUX / f"{APP_ID}.desktop"
    entry = _ini(path)["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "inbox app"
    assert entry["Icon"] == APP_ID
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_is_valid_appstream():
    path = LINUX / f"{APP_ID}.metainfo.xml"
    text = path.read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in text and f'<launchable type="desktop-id">{APP_ID}.desktop<' in text
    if not shutil.which("appstreamcli"):
        pytest.skip("appstreamcli is not installed (apt-get install appstream)")
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_unit_runs_the_daemon_and_restarts_it_on_failure():
    unit = _ini(LINUX / "inbox-daemon.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("inbox daemon")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].lstrip("-").endswith("daemon.env")  # INBOX_DATABASE_URL goes there
    assert unit["Install"]["WantedBy"] == "default.target"


# -- icons --------------------------------------------------------------------------------------------
def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_icons_are_rendered_for_every_platform(tmp_path):
    icons = _load("icons")
    paths = icons.build(tmp_path)
    for size in icons.HICOLOR_SIZES:
        png = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert _png_size(png.read_bytes()) == (size, size)
    assert (tmp_path / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").read_text().startswith("<svg")

    ico = paths["ico"].read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    for i, size in enumerate(icons.ICO_SIZES):
        width, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i])
        assert (width or 256) == size
        assert _png_size(ico[offset : offset + length]) == (size, size)

    icns = paths["icns"].read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    pos, seen = 8, {}
    while pos < len(icns):
        kind, length = icns[pos : pos + 4], struct.unpack(">I", icns[pos + 4 : pos + 8])[0]
        seen[kind] = _png_size(icns[pos + 8 : pos + length])[0]
        pos += length
    assert seen == {k: s for k, s in icons.ICNS_TYPES}


def test_ui_icons_are_found_inside_a_pyinstaller_bundle(tmp_path, monkeypatch):
    from inbox.ui import icons

    assert (icons.ICON_DIR / "app.svg").is_file()  # the source tree
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert icons._icon_dir() == tmp_path / "resources" / "icons"


# -- single instance ----------------------------------------------------------------------------------
def test_server_name_is_per_user_and_database_and_hides_the_url():
    a = single_instance.server_name("postgresql+psycopg://u:secret@h/db", user="ann")
    assert a == single_instance.server_name("postgresql+psycopg://u:secret@h/db", user="ann")
    assert a != single_instance.server_name("postgresql+psycopg://u:secret@h/db", user="bob")
    assert a != single_instance.server_name("sqlite:///other.sqlite3", user="ann")
    assert "secret" not in a and len(a) < 40  # short enough for a Unix socket path


SECOND_START = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication
    from inbox.ui.single_instance import SingleInstance
    app = QCoreApplication([])
    print("first" if SingleInstance(sys.argv[1]).claim() else "second")
    """
)


def _second_start(name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-c", SECOND_START, name], stdout=subprocess.PIPE, text=True, env=env)


def test_a_second_start_activates_the_first_and_stands_down(qtbot):
    name = f"inbox-test-{uuid.uuid4().hex[:12]}"
    first = single_instance.SingleInstance(name)
    assert first.claim()
    try:
        with qtbot.waitSignal(first.activated, timeout=15000):
            second = _second_start(name)
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=15000)
        assert second.stdout is not None and second.stdout.read().strip() == "second"
        assert second.returncode == 0
    finally:
        first.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no stale file")
def test_a_socket_left_by_a_crash_does_not_block_the_next_start(qtbot):
    from PySide6.QtCore import QDir

    name = f"inbox-test-{uuid.uuid4().hex[:12]}"
    path = Path(QDir.tempPath()) / name
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound, never listening: what a killed process leaves behind
    stale.close()
    try:
        instance = single_instance.SingleInstance(name)
        assert instance.claim()
        instance.close()
    finally:
        path.unlink(missing_ok=True)


def test_two_demos_run_side_by_side(tmp_path):
    """Each demo has its own temporary database and simulator port: no single-instance lock, no clash."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INBOX_SMOKE_TEST": "45", "XDG_CONFIG_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "inbox.launcher", "demo"]
    demos = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    for demo in demos:
        _out, err = demo.communicate(timeout=90)
        assert demo.returncode == 0, err
        assert "smoke test: first paint" in err
