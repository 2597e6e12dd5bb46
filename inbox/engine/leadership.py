"""Who may poll and send: the holder of the inbox's lease, renewed every third of its period.

A process believes it leads only until `period` after the moment it *started* its last successful
renewal (measured on the monotonic clock), which is never later than the expiry others read in
the database. So when the holder stalls or dies, it stops acting before anyone else may take
over, and a follower takes over at most one period after the last renewal plus one renewal tick:
well within two periods. Wall clocks of processes sharing a database must agree to within a small
fraction of the period (NTP does); the default period of 15 s leaves plenty of room.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from inbox.core import durations
from inbox.store import leases, visibility
from inbox.store.db import Database
from inbox.store.problems import public_text

log = logging.getLogger(__name__)

DEFAULT_PERIOD = 15.0
LEASE_NAME = "inbox"


def default_holder() -> str:
    """Unique per process run: a restarted process must not inherit a lease it cannot prove it holds."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leadership:
    """The lease of one inbox (one database) as seen from this process."""

    def __init__(
        self,
        db: Database,
        *,
        period: float = DEFAULT_PERIOD,
        name: str = LEASE_NAME,
        holder: str | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.db = db
        self.period = durations.LEASE_PERIOD.check(period)  # InvalidDuration: 0, negative, nan, too long
        self.name = name
        self.holder = holder or default_holder()
        self.on_change = on_change
        self._valid_until = 0.0  # monotonic
        self._was_leader = False
        self._lock = threading.Lock()
        # Why the last renewal could not even ask (a read-only or unreachable database), or None:
        # then "not leading" is not "another process leads".
        self.last_failure: Exception | None = None
        # This login may not lead (a plain agent on a team whose agents see only their own
        # conversations): the team's `inbox daemon` must (`store.visibility`).
        self.waits_for_daemon = False

    @property
    def renew_interval(self) -> float:
        return self.period / 3

    @property
    def is_leader(self) -> bool:
        return time.monotonic() < self._valid_until

    def renew(self, *, say_failure: bool = True) -> bool:
        """Take or extend the lease; returns whether this process leads now. Never raises: a failure
        is logged (unless the caller reports `last_failure` itself) and kept in `last_failure`."""
        with self._lock:
            started = time.monotonic()
            try:
                with self.db.write() as session:
                    # An agent's login that reads only its own conversations cannot do the whole
                    # inbox's work (threading, automations, sending): the team daemon does.
                    self.waits_for_daemon = visibility.narrowed_for_me(session)
                    won = not self.waits_for_daemon and leases.try_acquire(
                        session, self.name, self.holder, datetime.now(UTC), timedelta(seconds=self.period)
                    )
            except Exception as exc:  # one line at every failed tick; the traceback only with -vv
                self.last_failure = exc
                log.log(
                    logging.WARNING if say_failure else logging.DEBUG,
                    "lease renewal failed (%s); leading at most until the current lease runs out",
                    public_text(exc),
                )
                log.debug("lease renewal failed at:", exc_info=True)
            else:
                self.last_failure = None
                if won:
                    self._valid_until = started + self.period
                else:  # someone else holds it: whatever we believed, we do not lead
                    self._valid_until = 0.0
            leading = self.is_leader
            changed = leading != self._was_leader
            self._was_leader = leading
        if changed:
            log.info("%s leadership of %r", "took" if leading else "lost", self.name)
            if self.on_change is not None:
                self.on_change(leading)
        return leading

    def release(self) -> None:
        """Step down (clean shutdown) so a follower can take over at its next renewal."""
        with self._lock:
            self._valid_until = 0.0
            self._was_leader = False
            try:
                with self.db.write() as session:
                    leases.release(session, self.name, self.holder)
            except Exception as exc:
                log.error("could not release the lease (%s); it will expire on its own", public_text(exc))
                log.debug("releasing the lease failed at:", exc_info=True)
