"""Two daemons on one database: one polls and sends; when it dies the other takes over in time."""

from __future__ import annotations

import time

import pytest

from inbox.engine.compliance import OPT_OUT_REPLY
from tests.conftest import OUR_NUMBER

from .conftest import HELP_TEXT, leader_pid, wait_until
from .storm import phone_number

LEASE = 2.0
# Who polls and sends is the engine's business, the same on every provider; one per inbound
# semantics: a list read again (Twilio), consume once (Infobip), unread until marked read (ClickSend).
pytestmark = pytest.mark.parametrize("dialect", ["twilio", "infobip", "clicksend"])


def _inbox_sends(sim) -> list[dict]:
    return [m for m in sim.messages() if m["direction"] == "outbound-api"]


def test_two_daemons_never_duplicate_and_fail_over_within_two_periods(db, channel, sim, daemons):
    args = ("--poll-interval", "0.2", "--lease-seconds", str(LEASE))
    a, b = daemons(*args).start(), daemons(*args).start()
    assert wait_until(lambda: leader_pid(db) in (a.pid, b.pid), 20), "nobody took the lease"
    for i in range(40):
        sim.text(phone_number(i), OUR_NUMBER, "Help!" if i % 2 else "Stop.")
    assert wait_until(lambda: len(_inbox_sends(sim)) >= 40, 30)

    leader = a if leader_pid(db) == a.pid else b
    follower = b if leader is a else a
    leader.kill()
    killed_at = time.monotonic()
    assert wait_until(lambda: leader_pid(db) == follower.pid, 2 * LEASE + 1, step=0.05)
    takeover = time.monotonic() - killed_at
    assert takeover <= 2 * LEASE, f"took over after {takeover:.2f} s"

    for i in range(40, 60):
        sim.text(phone_number(i), OUR_NUMBER, "Help!")
    assert wait_until(lambda: len(_inbox_sends(sim)) >= 60, 30)
    time.sleep(1.0)  # a duplicate would show up by now
    sends = _inbox_sends(sim)
    per_phone = {}
    for m in sends:
        per_phone.setdefault(m["to"], []).append(m["body"])
    assert len(sends) == 60, f"{len(sends)} sends for 60 keywords"
    for i in range(60):
        expected = [HELP_TEXT] if (i % 2 or i >= 40) else [OPT_OUT_REPLY]
        assert per_phone.get(phone_number(i)) == expected, i
    print(f"failover took {takeover:.2f} s with a {LEASE:.0f} s lease")
