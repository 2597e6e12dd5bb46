"""`python -m inbox ...`, except that the process kills itself (-9) in the middle of a Textlocal
poll: with INBOX_CRASH_AT=second_page, when it asks for the second page of get_messages (the
first is read, nothing committed); with INBOX_CRASH_AT=after_commit, right after the first chunk
of texts and its cursor were committed (pages of 2 texts, chunks of 2)."""

from __future__ import annotations

import os
import signal
import sys

from inbox.engine import ingest
from inbox.providers import textlocal

_call, _commit, _init = textlocal.TextlocalProvider._call, ingest._commit, textlocal.TextlocalProvider.__init__
_pages = 0


def _small_pages(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    kwargs["page_limit"] = 2
    _init(self, *args, **kwargs)


def _call_then_die(self, command, fields, **kwargs):  # type: ignore[no-untyped-def]
    global _pages
    if command == "get_messages":
        _pages += 1
        if _pages == 2 and os.environ.get("INBOX_CRASH_AT") == "second_page":
            os.kill(os.getpid(), signal.SIGKILL)
    return _call(self, command, fields, **kwargs)


def _commit_then_die(*args, **kwargs):  # type: ignore[no-untyped-def]
    _commit(*args, **kwargs)
    if os.environ.get("INBOX_CRASH_AT") == "after_commit":
        os.kill(os.getpid(), signal.SIGKILL)


textlocal.TextlocalProvider.__init__ = _small_pages  # type: ignore[method-assign]
textlocal.TextlocalProvider._call = _call_then_die  # type: ignore[method-assign]
ingest._commit = _commit_then_die
ingest.ingest.__defaults__ = (None, 2)  # chunks of 2 (the runner holds the function itself)

if __name__ == "__main__":
    from inbox.launcher import main

    sys.argv = ["inbox", *sys.argv[1:]]
    sys.exit(main())
