"""The terminal stays calm: APScheduler's routine notes are dropped, real warnings are kept."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging
from inbox.cli.main import configure_logging
configure_logging({verbose})
logging.getLogger("apscheduler.executors.default").warning('Run time of job "poll" was missed by 0:00:02.1')
logging.getLogger("apscheduler.scheduler").warning(
    'Execution of job "send" skipped: maximum number of running instances reached (1)'
)
logging.getLogger("apscheduler.scheduler").warning("Scheduler has been shut down unexpectedly")
logging.getLogger("inbox.engine.runner").warning("channel main: poll failed: 401 Unauthorized")
"""


def _stderr(verbose: int) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(verbose=verbose)], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stderr


def test_scheduler_routine_is_not_printed_but_warnings_are() -> None:
    err = _stderr(0)
    assert "missed by" not in err and "maximum number of running instances" not in err
    assert "Scheduler has been shut down unexpectedly" in err  # APScheduler's other warnings still show
    assert "poll failed: 401 Unauthorized" in err


def test_very_verbose_shows_everything() -> None:
    err = _stderr(3)
    assert "missed by" in err and "maximum number of running instances" in err
