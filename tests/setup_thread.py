"""One helper thread for test set-up, teardown and checks that touch the database.

Why: the GUI tests' autouse guard (tests/ui/conftest.py) fails any SQL on the Qt GUI thread, which
is the thread pytest runs fixtures and tests on. Work handed to ``off_gui`` runs on this thread
instead, one call at a time, and its result or exception comes back to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-setup")


def off_gui(fn: Callable[[], T]) -> T:
    """Run a blocking call on the helper thread and return its result (30 s at most)."""
    return _helper.submit(fn).result(timeout=30)
