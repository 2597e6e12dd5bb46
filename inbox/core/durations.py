"""Durations a person types (poll interval, lease period...): positive, finite and within bounds.

Why bounds and not just "positive": a poll interval of 0.001 s or a lease of 0 s turns the daemon
into a busy loop that starves the machine (and ``nan`` compares false with everything, so a naive
``<= 0`` check lets it through); a poll interval of a year silently stops answering customers.
The bounds live here once; the CLI's argument types, the settings dialog's spin boxes and the
engine all read them, and README's command table states them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class InvalidDuration(ValueError):
    """A duration outside its bounds; the message says what is allowed."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """The allowed range of one duration, in ``unit`` (inclusive at both ends)."""

    what: str
    low: float
    high: float
    unit: str = "seconds"

    def check(self, value: object) -> float:
        """The value as a float, or InvalidDuration with the allowed range."""
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidDuration(f"{self.what} must be a number of {self.unit}, {self.describe()}") from None
        if not math.isfinite(number) or not self.low <= number <= self.high:
            raise InvalidDuration(f"{self.what} must be {self.describe()} (got {value})")
        return number

    def clamp(self, value: float) -> float:
        """The nearest allowed value: for stored values written before the bounds existed."""
        if not math.isfinite(value):
            return self.high if value > 0 else self.low
        return min(max(value, self.low), self.high)

    def describe(self) -> str:
        return f"from {self.low:g} to {self.high:g} {self.unit}"


# How often a channel asks its provider for new texts. Sub-second polling is for the simulator on
# this computer (tests, the demo); against Twilio, a few seconds. Over an hour is an inbox nobody
# answers.
POLL_INTERVAL = Bounds("the poll interval", 0.1, 3600.0)
# The leadership lease (engine/leadership.py), renewed every third of it: 1 s means three database
# writes a second; 600 s means a dead daemon's customers wait up to 20 minutes for a successor.
LEASE_PERIOD = Bounds("the lease period", 1.0, 600.0)
# A keyword rule's lookup waits at most this long before the fallback reply (core/rules.py).
LOOKUP_TIMEOUT = Bounds("the lookup timeout", 0.1, 30.0)
# A verification code: long enough to read and type, short enough not to be worth stealing.
CODE_LIFETIME = Bounds("the code lifetime", 1.0, 1440.0, "minutes")
# A survey left unanswered expires after this (up to 30 days).
SURVEY_TIMEOUT = Bounds("the survey timeout", 1.0, 43200.0, "minutes")
# A contest's "max entries per period" window (up to a year).
CONTEST_PERIOD = Bounds("the entry-limit period", 1.0, 8760.0, "hours")
# Review-queue filters ("waiting more than M minutes"): 0 means any wait, up to a year.
REVIEW_AGE = Bounds("the waiting time", 0.0, 525600.0, "minutes")
# A broadcast's sending pace: Twilio long codes take 1 message a second, short codes 100 and more;
# never 0, negative or nan, which `core.engagement.throttle` would read as "no throttle at all".
SEND_RATE = Bounds("the send rate", 0.01, 1000.0, "messages per second")
