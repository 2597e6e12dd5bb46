"""Files that hold customer data are created readable by their owner only (0600).

The usual umask (022) makes new files 0644: on a shared machine any local user could read every
customer's messages from an export. Writers that open a file by name themselves (openpyxl, Qt's
PDF writer, the csv module) get it created here first, empty and private; they then truncate it,
which keeps its mode. An export always starts private, whatever folder it goes to: to share one,
change its mode or copy it on purpose.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

PRIVATE_FILE = 0o600


class CannotWrite(OSError):
    """A file could not be written; ``reason`` (also its ``strerror``) says it in plain words:
    which folder or file, what is wrong, what to do. An OSError, so that every handler of OSError
    still takes it."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.reason = reason


def plain_reason(exc: OSError, target: Path) -> str:
    """What an OSError while writing `target` means for the person who chose `target`."""
    if isinstance(exc, CannotWrite):
        return exc.reason
    folder = target.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"No space left to write {target.name} in {folder}: free some disk space or choose another folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Not allowed to write in {folder}: choose a folder of your own (your home or Documents folder)"
    if exc.errno == errno.EISDIR or target.is_dir():
        return f"{target} is a folder: add a file name to it"
    if exc.errno in (errno.ENOTDIR, errno.ENOENT, errno.EEXIST):
        return f"Cannot create the folder {folder}: part of that path is a file, or the drive is gone"
    return f"Could not write {target}: {exc.strerror or type(exc).__name__}"


def reserve(path: str | os.PathLike[str]) -> Path:
    """Create `path` (or empty an existing file) with mode 0600 and return it. Missing folders
    on the way are created (a first export into a Documents folder nobody made yet). Raises
    CannotWrite with the reason in plain words."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    except OSError as exc:
        shown = target.with_name(target.name.removesuffix(".part"))  # the name the person chose
        raise CannotWrite(exc.errno or errno.EIO, plain_reason(exc, shown)) from exc
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its old mode through O_CREAT
    finally:
        os.close(fd)
    return target
