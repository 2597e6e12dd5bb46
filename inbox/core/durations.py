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
