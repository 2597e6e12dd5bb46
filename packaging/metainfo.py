"""Keep the AppStream metainfo's newest ``<release>`` equal to the version in pyproject.toml.

Why: the version is written in one place (pyproject.toml); ``--version`` and the About dialog read it
from the package metadata, and this script copies it into the metainfo at build time.

Usage: ``uv run python packaging/metainfo.py`` (update) or ``... --check`` (exit 1 when they differ).
"""

from __future__ import annotations

import re
import sys
import tomllib
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
METAINFO = REPO / "packaging" / "linux" / "io.github.inbox.Inbox.metainfo.xml"
_RELEASE = re.compile(r'<release version="([^"]+)"')


def project_version(pyproject: Path = REPO / "pyproject.toml") -> str:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def release_version(metainfo: Path = METAINFO) -> str | None:
    """The newest release in the file (AppStream lists them newest first)."""
    found = _RELEASE.search(metainfo.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def add_release(version: str, metainfo: Path = METAINFO, today: date | None = None) -> bool:
    """Insert ``<release version=… date=…/>`` first in ``<releases>``; False if it is already newest."""
    if release_version(metainfo) == version:
        return False
    text = metainfo.read_text(encoding="utf-8")
    entry = f'<release version="{version}" date="{(today or date.today()).isoformat()}"/>'
    text = re.sub(r"(<releases>\n)(\s*)", lambda m: f"{m.group(1)}{m.group(2)}{entry}\n{m.group(2)}", text, count=1)
    metainfo.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    version = project_version()
    if "--check" in argv:
        found = release_version()
        if found != version:
            print(f"metainfo release {found} != pyproject version {version}", file=sys.stderr)
            return 1
        return 0
    changed = add_release(version)
    print(f"metainfo release {version}" + (" added" if changed else " already present"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
