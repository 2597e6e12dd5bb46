"""`python -m inbox ...`, except that the process kills itself (-9) in the middle of a poll of a
list-with-cursor provider (Textlocal, SMS Gateway for Android; pages of 2 texts, chunks of 2):
with INBOX_CRASH_AT=second_page, when it asks for the second page (the first is read, nothing
committed); with INBOX_CRASH_AT=after_commit, right after the first chunk of texts and its cursor
were committed."""

from __future__ import annotations

import os
import signal
import sys

from inbox.engine import ingest
from inbox.providers import android_gateway, textlocal

_commit = ingest._commit
_pages = 0


def _die_at(point: str) -> None:
    if os.environ.get("INBOX_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _small_pages(cls) -> None:  # type: ignore[no-untyped-def]
    init = cls.__init__

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["page_limit"] = 2
        init(self, *args, **kwargs)

    cls.__init__ = __init__


def _count_pages(cls, method: str, is_page) -> None:  # type: ignore[no-untyped-def]
    real = getattr(cls, method)

    def wrapper(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        global _pages
        if is_page(*args):
            _pages += 1
            if _pages == 2:
                _die_at("second_page")
        return real(self, *args, **kwargs)

    setattr(cls, method, wrapper)


def _commit_then_die(*args, **kwargs):  # type: ignore[no-untyped-def]
    _commit(*args, **kwargs)
    _die_at("after_commit")


for provider in (textlocal.TextlocalProvider, android_gateway.AndroidGatewayProvider):
    _small_pages(provider)
_count_pages(textlocal.TextlocalProvider, "_call", lambda command, *rest: command == "get_messages")
_count_pages(android_gateway.AndroidGatewayProvider, "_exchange", lambda method, url, *rest: url == "/inbox")
ingest._commit = _commit_then_die


def _send_then_die(cls) -> None:  # type: ignore[no-untyped-def]
    send = cls.send

    def wrapper(self, request):  # type: ignore[no-untyped-def]
        answer = send(self, request)
        _die_at("after_send")
        return answer

    cls.send = wrapper


for provider in (textlocal.TextlocalProvider, android_gateway.AndroidGatewayProvider):
    _send_then_die(provider)
ingest.ingest.__defaults__ = (None, 2)  # chunks of 2 (the runner holds the function itself)

if __name__ == "__main__":
    from inbox.launcher import main

    sys.argv = ["inbox", *sys.argv[1:]]
    sys.exit(main())
