"""PyInstaller entry point: the `inbox` command, as the console script runs it.

A bundle started with no arguments from a place with no terminal (the macOS .app, the Windows
windowed `inboxw.exe`) opens the desktop app instead of printing the command-line help.
"""

import sys

from inbox.launcher import main


def _argv() -> list[str]:
    args = sys.argv[1:]
    launched_as_app = ".app/Contents/MacOS/" in sys.executable or sys.stdout is None
    if not args and launched_as_app:
        return ["app"]
    return args


if __name__ == "__main__":
    sys.exit(main(_argv()))
