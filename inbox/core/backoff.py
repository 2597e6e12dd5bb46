"""Retry schedule: capped exponential backoff with full jitter (AWS architecture blog's variant),
so a fleet of desktops that lost the provider at the same moment does not retry in lockstep."""

from __future__ import annotations

import random

BASE_SECONDS = 1.0
CAP_SECONDS = 300.0
# The longest wait a provider may impose on us through Retry-After. A header of 99999999 (a bug or
# a hostile proxy) would otherwise park replies for years; after an hour we ask again, and a
# provider still in trouble simply says so again.
RETRY_AFTER_CAP_SECONDS = 3600.0


def delay(
    attempt: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
) -> float:
    """Seconds to wait before try number `attempt + 1` (attempt counts failures so far, from 1).

    A provider's Retry-After wins when it asks for longer than our jitter would give: it knows,
    up to `RETRY_AFTER_CAP_SECONDS` (whatever it says, we try again within the hour).
    """
    rng = rng or random.Random()
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    jittered = rng.uniform(0, ceiling)
    if retry_after is not None and retry_after >= 0:  # NaN fails the comparison: ignored
        return max(min(float(retry_after), RETRY_AFTER_CAP_SECONDS), jittered)
    return jittered
