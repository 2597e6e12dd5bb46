"""Inbox: a desktop two-way SMS support inbox."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("inbox")
except PackageNotFoundError:  # a source tree without installation, or a bundle without the dist-info
    __version__ = "0.0.0+unknown"
    try:  # pyproject.toml stays the one place the version is written
        import tomllib
        from pathlib import Path

        with open(Path(__file__).resolve().parents[1] / "pyproject.toml", "rb") as _f:
            __version__ = tomllib.load(_f)["project"]["version"]
    except (OSError, KeyError, ValueError):
        pass
