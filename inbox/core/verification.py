"""One-time verification codes as pure logic: generation, keyed hashing, sealing, and the rules of a
challenge (expiry, attempts, lockout, resends, per-number rate limit).

Everything here is a function over frozen dataclasses so it can be property-tested without a
database. Codes never leave this module in a form that could be logged by accident: the store only
ever sees a keyed hash (to check a reply) and a sealed copy (so the outbox can still send it after a
crash), both bound to a random per-code salt.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from inbox.core import durations

MASK = "••••••"
MIN_LENGTH = 6
MAX_LENGTH = 10

_HASH_DOMAIN = b"inbox-otp-hash\x00"
_PAD_DOMAIN = b"inbox-otp-pad\x00"
_KEY_ID_DOMAIN = b"inbox-otp-key-id"


class ChallengeKind(enum.StrEnum):
    SEND = "send"  # we text the code (agent-started)
    EXPECT = "expect"  # the code was shown elsewhere; the customer texts it in


class ChallengeStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    LOCKED = "locked"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class AttemptResult(enum.StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    LOCKED = "locked"  # this wrong attempt was the last one allowed
    EXPIRED = "expired"
    NOT_PENDING = "not_pending"


@dataclass(frozen=True, slots=True)
class CodePolicy:
    """How codes are made and how forgiving a challenge is. Defaults follow the issue."""

    length: int = 6
    lifetime: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    max_sends: int = 5
    sends_per_number: int = 10
    rate_window: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not MIN_LENGTH <= self.length <= MAX_LENGTH:
            raise ValueError(f"code length must be {MIN_LENGTH}–{MAX_LENGTH} digits, not {self.length}")
        # People get CODE_LIFETIME's bounds (`inbox verify --lifetime`); tests may use seconds.
        if not timedelta(0) < self.lifetime <= timedelta(minutes=durations.CODE_LIFETIME.high):
            raise durations.InvalidDuration(
                f"the code lifetime must be positive and at most {durations.CODE_LIFETIME.high:g} minutes"
            )
        if self.max_attempts < 1 or self.max_sends < 1 or self.sends_per_number < 1:
            raise ValueError("attempt and send limits must be at least 1")


@dataclass(frozen=True, slots=True)
class Challenge:
    """A verification as everything above the store sees it: no code material at all."""

    id: int
    kind: ChallengeKind
    phone: str
    channel_id: int | None
    conversation_id: int | None
    purpose: str
    actor: str
    status: ChallengeStatus
    code_length: int
    attempts: int
    max_attempts: int
    sends: int
    max_sends: int
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None
    verified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A fresh code with what the store keeps of it. `code` is excluded from repr so it never lands in a log."""

    code: str = field(repr=False)
    salt: str
    digest: str
    sealed: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class VerificationStatus:
    """What `inbox verify status` and the conversation header show."""

    phone: str
    challenge: Challenge | None
    text: str


# -- codes -----------------------------------------------------------------------------------------
def generate_code(length: int = 6) -> str:
    """`length` decimal digits, uniform over all 10**length values (leading zeros kept)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"code length must be {MIN_LENGTH}–{MAX_LENGTH} digits")
    return f"{secrets.randbelow(10**length):0{length}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def key_id(secret: bytes) -> str:
    """A short fingerprint of the installation secret, to tell 'wrong key' from 'wrong code'."""
    return hmac.new(secret, _KEY_ID_DOMAIN, hashlib.sha256).hexdigest()[:16]


def digest(secret: bytes, salt: str, code: str) -> str:
    """HMAC-SHA256 of the code, keyed by the installation secret and bound to the code's salt."""
    return hmac.new(secret, _HASH_DOMAIN + salt.encode() + b"\x00" + code.encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, salt: str, candidate: str, stored_digest: str) -> bool:
    """Constant-time check of a candidate code against the stored digest."""
    return hmac.compare_digest(digest(secret, salt, candidate), stored_digest)


def _pad(secret: bytes, salt: str, n: int) -> bytes:
    return hmac.new(secret, _PAD_DOMAIN + salt.encode(), hashlib.sha256).digest()[:n]


def seal(secret: bytes, salt: str, code: str) -> str:
    """Encrypt a code for the outbox: XOR with an HMAC-derived pad used for this one salt only.

    A 6–10 digit code is shorter than one HMAC block, so this is a one-time pad whose key stream
    is a PRF of (installation secret, random salt); without the secret the hex is noise.
    """
    raw = code.encode("ascii")
    if len(raw) > 32:
        raise ValueError("code too long to seal")
    return bytes(a ^ b for a, b in zip(raw, _pad(secret, salt, len(raw)), strict=True)).hex()


def unseal(secret: bytes, salt: str, sealed: str) -> str:
    raw = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(raw, _pad(secret, salt, len(raw)), strict=True)).decode("ascii")


def issue(secret: bytes, length: int = 6, code: str | None = None) -> IssuedCode:
    """A code (generated unless given) with its salt, digest and sealed copy."""
    value = code if code is not None else generate_code(length)
    if not value.isdigit() or not value.isascii() or len(value) != length:
        raise ValueError(f"a code is exactly {length} digits")
    salt = new_salt()
    return IssuedCode(value, salt, digest(secret, salt, value), seal(secret, salt, value))


# -- reading replies ---------------------------------------------------------------------------------
_JOINED_GROUPS = re.compile(r"(?<=\d)[ \-.\u00a0]+(?=\d)")
_DIGIT_RUN = re.compile(r"\d+")


def candidates(body: str, length: int, slack: int = 2) -> tuple[str, ...]:
    """Digit runs in a reply that could be a code attempt, exact length first.

    Customers type "123 456", "123-456" or "my code is 123456"; runs within `slack` digits of the
    expected length count as (near-miss) attempts so they are masked and counted too.
    """
    text = _JOINED_GROUPS.sub("", body.translate(_FULLWIDTH))
    runs = [r for r in _DIGIT_RUN.findall(text) if r.isascii()]
    exact = [r for r in runs if len(r) == length]
    near = [r for r in runs if r not in exact and abs(len(r) - length) <= slack]
    return tuple(exact + near)


_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}


# -- challenge rules ---------------------------------------------------------------------------------
def is_expired(challenge: Challenge, now: datetime) -> bool:
    return now >= challenge.expires_at


def attempt(challenge: Challenge, matched: bool, now: datetime) -> tuple[Challenge, AttemptResult]:
    """Apply one reply to a challenge. Single use: only a pending, unexpired challenge can verify."""
    if challenge.status is not ChallengeStatus.PENDING:
        return challenge, AttemptResult.NOT_PENDING
    if is_expired(challenge, now):
        return end(challenge, ChallengeStatus.EXPIRED, now, "expired"), AttemptResult.EXPIRED
    if matched:
        done = replace(challenge, status=ChallengeStatus.VERIFIED, ended_at=now, end_reason="verified", verified_at=now)
        return done, AttemptResult.VERIFIED
    tried = replace(challenge, attempts=challenge.attempts + 1)
    if tried.attempts >= tried.max_attempts:
        return end(tried, ChallengeStatus.LOCKED, now, "too many wrong codes"), AttemptResult.LOCKED
    return tried, AttemptResult.WRONG


def end(challenge: Challenge, status: ChallengeStatus, now: datetime, reason: str) -> Challenge:
    return replace(challenge, status=status, ended_at=now, end_reason=reason)


def may_resend(challenge: Challenge, now: datetime) -> str | None:
    """None when another send is allowed, else the reason it is not."""
    if challenge.status is not ChallengeStatus.PENDING:
        return f"the verification is {challenge.status.value}"
    if challenge.sends >= challenge.max_sends:
        return f"the code was already sent {challenge.sends} times; start again later"
    return None


def rate_limit(send_times: Iterable[datetime], now: datetime, policy: CodePolicy) -> datetime | None:
    """None when a number may get another code now, else when it may (sliding window)."""
    recent = sorted(t for t in send_times if now - policy.rate_window < t <= now)
    if len(recent) < policy.sends_per_number:
        return None
    return recent[len(recent) - policy.sends_per_number] + policy.rate_window


# -- describing --------------------------------------------------------------------------------------
def ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def time_left(remaining: timedelta) -> str:
    """ "10 min", "1 min", "40 s": rounded up, so a code just sent for 10 minutes says 10 (the
    text the customer received says so too), and "0 s" only once it is over."""
    seconds = max(0, math.ceil(remaining.total_seconds()))
    return f"{seconds} s" if seconds < 60 else f"{math.ceil(seconds / 60)} min"


def describe(challenge: Challenge | None, now: datetime) -> str:
    """One line for people: 'verified (2 min ago, by code)', 'locked after 5 wrong codes', ..."""
    if challenge is None:
        return "not verified (no verification started)"
    how = "by code" if challenge.kind is ChallengeKind.SEND else "by code texted in"
    status = challenge.status
    if status is ChallengeStatus.VERIFIED and challenge.verified_at is not None:
        return f"verified ({ago(now, challenge.verified_at)}, {how})"
    if status is ChallengeStatus.PENDING:
        waiting = "code sent, waiting for the reply" if challenge.kind is ChallengeKind.SEND else "waiting for the code"
        mins = time_left(challenge.expires_at - now)
        tries = f"; {challenge.attempts} wrong attempt(s)" if challenge.attempts else ""
        return f"{waiting} (expires in {mins}{tries})"
    when = ago(now, challenge.ended_at) if challenge.ended_at else ""
    if status is ChallengeStatus.LOCKED:
        return f"failed: locked after {challenge.attempts} wrong codes ({when})"
    if status is ChallengeStatus.EXPIRED:
        return f"failed: the code expired ({when})"
    return f"cancelled: {challenge.end_reason or 'cancelled'} ({when})"
