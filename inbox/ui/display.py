"""Can this process open a window? Asked before Qt is started, because Qt cannot say it well.

Without a display, or with the X11 plugin missing a system library, Qt aborts the process with
"Could not load the Qt platform plugin "xcb"... xcb-cursor0 is needed" and a core dump: misleading
when the real problem is an SSH session without a display, and naming one library when several
are missing. This module looks first (the environment, then the dynamic linker's view of Qt's xcb
plugin) and gives one line: what is wrong and what to install or set. It imports no Qt.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

OFFSCREEN_HINT = "or run without a window with QT_QPA_PLATFORM=offscreen"
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that usually ships `soname`: libxcb-cursor.so.0 → libxcb-cursor0,
    libxkbcommon-x11.so.0 → libxkbcommon-x11-0 (Debian's naming policy for shared libraries)."""
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    if not version:
        return name
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries `ldd` could not find, in the order it listed them, each once."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def _xcb_plugin() -> Path | None:
    try:
        import PySide6  # the package only, not a Qt module: nothing is loaded that could abort
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def _ldd(path: Path) -> str:
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        return subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def problem(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """None when a window can be opened as far as we can tell, else one line for the person.

    Only Linux is checked: Windows and macOS always have their platform plugin. A person who set
    QT_QPA_PLATFORM chose a platform themselves (offscreen, wayland, vnc...); only its xcb is
    checked for libraries."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen and not chosen.startswith("xcb"):
        return None
    if not chosen and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in a desktop "
            f"session or with `ssh -X`, {OFFSCREEN_HINT}"
        )
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None  # Qt takes its Wayland plugin first, which needs none of the X libraries
    plugin = _xcb_plugin()
    missing = missing_libraries(_ldd(plugin)) if plugin else []
    if not missing:
        return None
    packages = " ".join(debian_package(lib) for lib in missing)
    return (
        f"Qt's X11 support needs system libraries that are not installed: {', '.join(missing)} "
        f"(Debian/Ubuntu: sudo apt install {packages}), {OFFSCREEN_HINT}"
    )


def refuse_without_display() -> int | None:
    """Say why no window can open and return the exit code 1, or None to go on."""
    reason = problem()
    if reason is None:
        return None
    print(f"inbox: {reason}", file=sys.stderr)
    return 1
