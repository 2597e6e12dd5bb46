"""Before Qt starts: is there a display, and are Qt's X11 libraries installed? And where an
export goes when the documents folder does not exist."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from inbox.core import private_files
from inbox.ui import display

LDD = """\
\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /x/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_missing_libraries_are_named_with_the_package_to_install(monkeypatch) -> None:
    assert display.missing_libraries(LDD) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]
    assert [display.debian_package(n) for n in display.missing_libraries(LDD)] == [
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxkbcommon-x11-0",
    ]
    monkeypatch.setattr(display, "_xcb_plugin", lambda: Path("/x/libqxcb.so"))
    monkeypatch.setattr(display, "_ldd", lambda _p: LDD)
    line = display.problem({"DISPLAY": ":0"}, "linux")
    assert line is not None and "\n" not in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in line
    assert "QT_QPA_PLATFORM=offscreen" in line
    assert display.problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux") == line  # xcb chosen: same check


def test_no_display_and_the_cases_that_need_no_check(monkeypatch) -> None:
    monkeypatch.setattr(display, "_ldd", lambda _p: "")
    assert "no display" in (display.problem({}, "linux") or "")
    assert display.problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None  # chosen by the person
    assert display.problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None  # Qt takes Wayland first
    assert display.problem({"DISPLAY": ":0"}, "linux") is None  # every library found
    assert display.problem({}, "win32") is None and display.problem({}, "darwin") is None


def test_the_suggested_export_folder_exists(monkeypatch, tmp_path) -> None:
    from inbox.reports import exports

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))  # no user-dirs.dirs naming another folder
    assert exports.default_folder() == tmp_path  # a fresh account: no ~/Documents yet
    (tmp_path / "Documents").mkdir()
    assert exports.default_folder() == tmp_path / "Documents"


def test_a_file_goes_into_folders_made_for_it_and_refusals_are_plain(tmp_path) -> None:
    made = private_files.reserve(tmp_path / "a" / "b" / "export.csv.part")
    assert made.is_file() and oct(made.stat().st_mode & 0o777) == oct(0o600)
    (tmp_path / "plain").write_text("")
    with pytest.raises(
        private_files.CannotWrite, match=r"Cannot create the folder .*plain: part of that path is a file"
    ):
        private_files.reserve(tmp_path / "plain" / "x.csv.part")
    denied = private_files.plain_reason(PermissionError(errno.EACCES, "Permission denied"), Path("/root/x.csv"))
    assert denied == "Not allowed to write in /root: choose a folder of your own (your home or Documents folder)"


def test_a_typed_number_is_clear_on_screen_and_masked_in_the_log() -> None:
    import logging

    from inbox.cli.main import _RedactingFormatter
    from inbox.core import phone

    typed = "+1 555 867 53091234"
    try:
        try:
            phone.normalize(typed)
        except phone.InvalidPhoneNumber as exc:
            shown = f"Can't send to that number: {exc}"
            raise ValueError(shown) from None  # as SendRefused quotes it
    except ValueError:
        import sys

        record = logging.LogRecord("inbox", logging.ERROR, __file__, 1, "op failed: %s", ("Sending",), sys.exc_info())
    assert typed in shown  # the person sees what they typed
    logged = _RedactingFormatter("%(message)s").format(record)
    assert typed not in logged and "+1•" in logged and "op failed: Sending" in logged
