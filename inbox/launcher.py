"""The `inbox` executable: the command line, with the desktop commands mounted when Qt is available.

It sits above both `inbox.cli` and `inbox.ui`, which must not know each other.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _gui_commands() -> dict:
    try:
        from inbox.ui import commands
    except ImportError:  # the desktop is not installed or not built yet: the CLI still works
        return {}
    return commands.COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    from inbox.cli.main import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    return cli_main(args, {} if "--headless" in args else _gui_commands())


if __name__ == "__main__":
    sys.exit(main())
