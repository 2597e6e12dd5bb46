"""Deciding, per Twilio API request, whether and how to misbehave."""

from __future__ import annotations

import enum
import random
import threading
import time

from inbox.simulator.config import Faults


class Fault(enum.Enum):
    RATE_LIMITED = "rate_limited"  # 429, nothing done
    FAILED = "failed"  # 500, nothing done
    RESET = "reset"  # done, connection dropped without an answer
    GARBAGE = "garbage"  # done, answer body is not JSON
    UNAVAILABLE = "unavailable"  # 503, nothing done
    THROTTLED = "throttled"  # 429 drawn at random (not the bucket), nothing done


class FaultInjector:
    """Holds the current fault settings (changeable at run time) and draws from a seeded RNG so a
    test run with a seed misbehaves the same way every time."""

    def __init__(self, faults: Faults, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._rng = random.Random(seed)
        self._tokens = faults.rate_limit_per_s or 0.0
        self._refilled = time.monotonic()

    @property
    def settings(self) -> Faults:
        with self._lock:
            return self._faults

    def update(self, changes: dict[str, object]) -> Faults:
        """Apply `changes`; raises ValueError for unknown names or out-of-range rates."""
        with self._lock:
            self._faults = self._faults.updated(changes)
            self._tokens = self._faults.rate_limit_per_s or 0.0
            self._refilled = time.monotonic()
            return self._faults

    def latency(self) -> float:
        with self._lock:
            return self._faults.latency_ms / 1000.0

    def spared_kinds(self) -> set[str]:
        """Request kinds that resets and garbage leave alone (`Faults.spared_kinds`)."""
        with self._lock:
            return {k for k in self._faults.spared_kinds.split(",") if k}

    def slowness(self) -> float:
        """Extra seconds before this answer (0 for most): a provider that sometimes takes seconds."""
        with self._lock:
            f = self._faults
            if f.slow_rate and self._rng.random() < f.slow_rate:
                return f.slow_ms / 1000.0
            return 0.0

    def draw(self) -> Fault | None:
        """The fault for this request, if any. Rate limiting is checked first: a refused request
        spends no token and does nothing, like the real thing."""
        with self._lock:
            f = self._faults
            if f.rate_limit_per_s and not self._take_token(f.rate_limit_per_s):
                return Fault.RATE_LIMITED
            if f.fail_rate and self._rng.random() < f.fail_rate:
                return Fault.FAILED
            if f.unavailable_rate and self._rng.random() < f.unavailable_rate:
                return Fault.UNAVAILABLE
            if f.throttle_rate and self._rng.random() < f.throttle_rate:
                return Fault.THROTTLED
            if f.reset_rate and self._rng.random() < f.reset_rate:
                return Fault.RESET
            if f.garbage_rate and self._rng.random() < f.garbage_rate:
                return Fault.GARBAGE
            return None

    def _take_token(self, rate: float) -> bool:
        now = time.monotonic()
        capacity = max(1.0, rate)
        self._tokens = min(capacity, self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
