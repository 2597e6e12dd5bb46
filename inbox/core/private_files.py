"""Files that hold customer data are created readable by their owner only (0600).

The usual umask (022) makes new files 0644: on a shared machine any local user could read every
customer's messages from an export. Writers that open a file by name themselves (openpyxl, Qt's
PDF writer, the csv module) get it created here first, empty and private; they then truncate it,
which keeps its mode. An export always starts private, whatever folder it goes to: to share one,
change its mode or copy it on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600


def reserve(path: str | os.PathLike[str]) -> Path:
    """Create `path` (or empty an existing file) with mode 0600 and return it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its old mode through O_CREAT
    finally:
        os.close(fd)
    return Path(path)
