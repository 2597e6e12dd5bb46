"""Settings of one simulated provider account.

Kept apart from the server so the CLI, the demo and tests can build a configuration without
starting anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True, slots=True)
class Faults:
    """Misbehaviour injected into the Twilio API paths (never into the /_sim/ control API).

    Rates are fractions in [0, 1] drawn per request; they let tests and demos exercise every
    failure road of the adapter and the outbox against a real socket.
    """

    fail_rate: float = 0.0  # answered 500 / 20500, nothing done
    latency_ms: int = 0  # added before every answer
    rate_limit_per_s: float | None = None  # token bucket; excess answered 429 / 20429
    reset_rate: float = 0.0  # action performed, then the connection dropped without an answer
    garbage_rate: float = 0.0  # action performed, then a body that is not JSON
    # What a sustained partial outage looks like besides 500s and resets: a load balancer's 503,
    # throttling that is not a steady bucket, and answers that take seconds.
    unavailable_rate: float = 0.0  # answered 503 / 20503 with Retry-After: 1, nothing done
    throttle_rate: float = 0.0  # answered 429 / 20429 with Retry-After: 1, nothing done
    slow_rate: float = 0.0  # this fraction of answers comes `slow_ms` late (after the action)
    slow_ms: int = 3000
    # Request kinds (`Dialect.request_kind`, comma-separated) that resets and garbage spare: a test
    # can keep a consume-once take's answer from being lost in transit (the documented residual
    # risk, tested on its own) while every other request still fails after the provider acted.
    spared_kinds: str = ""

    def updated(self, changes: dict[str, object]) -> Faults:
        """A copy with `changes` applied; unknown names raise ValueError (a typo must not pass)."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        clean: dict[str, object] = {}
        for name, value in changes.items():
            if name == "rate_limit_per_s":
                clean[name] = None if value in (None, "", 0) else float(value)  # type: ignore[arg-type]
            elif name == "spared_kinds":
                clean[name] = ",".join(k.strip() for k in str(value).split(",") if k.strip())
            elif name in ("latency_ms", "slow_ms"):
                clean[name] = int(value)  # type: ignore[call-overload]
            else:
                rate = float(value)  # type: ignore[arg-type]
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1")
                clean[name] = rate
        return replace(self, **clean)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """One Twilio account with its phone numbers and its delivery behaviour."""

    account_sid: str
    auth_token: str
    numbers: tuple[str, ...]
    opt_out_handling: bool = True
    delivery_delay: float = 0.3  # seconds from queued to delivered (sent at half-way)
    undelivered_rate: float = 0.0
    failed_rate: float = 0.0
    seed: int | None = None
    faults: Faults = field(default_factory=Faults)
    # Which provider's API the server speaks (`simulator.dialects.DIALECTS`). `account_sid` is that
    # provider's account identifier (ignored where it has none), `auth_token` its secret (API key).
    dialect: str = "twilio"
