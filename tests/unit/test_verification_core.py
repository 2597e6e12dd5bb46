"""Verification codes as pure logic: what a customer and an attacker can and cannot do."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import verification as otp
from inbox.core.verification import (
    AttemptResult,
    Challenge,
    ChallengeKind,
    ChallengeStatus,
    CodePolicy,
)

SECRET = b"k" * 32
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _challenge(**over) -> Challenge:
    base = Challenge(
        id=1,
        kind=ChallengeKind.SEND,
        phone="+15551234567",
        channel_id=1,
        conversation_id=1,
        purpose="",
        actor="dana",
        status=ChallengeStatus.PENDING,
        code_length=6,
        attempts=0,
        max_attempts=5,
        sends=1,
        max_sends=5,
        created_at=T0,
        expires_at=T0 + timedelta(minutes=10),
    )
    return replace(base, **over)


# -- generation ------------------------------------------------------------------------------------
@given(st.integers(min_value=6, max_value=10))
def test_codes_are_the_requested_number_of_ascii_digits(length: int) -> None:
    code = otp.generate_code(length)
    assert len(code) == length and code.isascii() and code.isdigit()


@pytest.mark.parametrize("length", [0, 5, 11])
def test_lengths_outside_6_to_10_are_refused(length: int) -> None:
    with pytest.raises(ValueError):
        otp.generate_code(length)
    with pytest.raises(ValueError):
        CodePolicy(length=length)


def test_digits_are_roughly_uniform_in_every_position() -> None:
    codes = [otp.generate_code(6) for _ in range(5000)]
    for position in range(6):
        counts = Counter(c[position] for c in codes)
        assert set(counts) == set("0123456789")
        # 500 expected per digit; 5 sigma ≈ 106. A biased generator (e.g. no leading zeros) fails.
        assert all(380 < n < 620 for n in counts.values()), counts
    assert len(set(codes)) > 4950  # collisions are rare among a million values


# -- hashing and sealing ----------------------------------------------------------------------------
@given(st.from_regex(r"[0-9]{6,10}", fullmatch=True))
def test_digest_matches_only_the_same_code_and_never_contains_it(code: str) -> None:
    issued = otp.issue(SECRET, len(code), code)
    assert otp.matches(SECRET, issued.salt, code, issued.digest)
    other = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
    assert not otp.matches(SECRET, issued.salt, other, issued.digest)
    assert not otp.matches(b"another-key", issued.salt, code, issued.digest)
    assert code not in issued.digest and code not in issued.sealed
    assert code not in repr(issued)


@given(st.from_regex(r"[0-9]{6,10}", fullmatch=True))
def test_sealed_code_opens_only_with_the_key(code: str) -> None:
    issued = otp.issue(SECRET, len(code), code)
    assert otp.unseal(SECRET, issued.salt, issued.sealed) == code
    try:
        opened = otp.unseal(b"wrong" * 8, issued.salt, issued.sealed)
    except ValueError:  # not even ASCII
        opened = None
    assert opened != code


def test_same_code_twice_gives_different_digests() -> None:
    a, b = otp.issue(SECRET, 6, "123456"), otp.issue(SECRET, 6, "123456")
    assert a.digest != b.digest and a.sealed != b.sealed


def test_key_id_identifies_the_key_without_revealing_it() -> None:
    assert otp.key_id(SECRET) == otp.key_id(SECRET) != otp.key_id(b"other")
    assert SECRET.decode() not in otp.key_id(SECRET)


# -- reading replies ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("123456", "123456"),
        ("  123 456 ", "123456"),
        ("123-456", "123456"),
        ("My code is 042913, thanks", "042913"),
        ("１２３４５６", "123456"),
        ("12345", "12345"),  # a near miss still counts as an attempt
    ],
)
def test_candidates_read_how_people_type_codes(body: str, expected: str) -> None:
    assert otp.candidates(body, 6)[0] == expected


@pytest.mark.parametrize("body", ["hello", "call me at 3", "order 12", "STOP"])
def test_ordinary_messages_are_not_attempts(body: str) -> None:
    assert otp.candidates(body, 6) == ()


# -- expiry, attempts, lockout -------------------------------------------------------------------------
def test_right_code_in_time_verifies_once() -> None:
    done, result = otp.attempt(_challenge(), True, T0 + timedelta(minutes=2))
    assert result is AttemptResult.VERIFIED and done.status is ChallengeStatus.VERIFIED
    assert done.verified_at == T0 + timedelta(minutes=2)
    again, result = otp.attempt(done, True, T0 + timedelta(minutes=3))
    assert result is AttemptResult.NOT_PENDING and again == done  # single use


def test_right_code_after_expiry_is_rejected() -> None:
    done, result = otp.attempt(_challenge(), True, T0 + timedelta(minutes=10))
    assert result is AttemptResult.EXPIRED and done.status is ChallengeStatus.EXPIRED
    assert otp.describe(done, T0 + timedelta(minutes=11)).startswith("failed: the code expired")


@given(st.integers(min_value=1, max_value=10))
def test_lockout_after_max_wrong_attempts_and_the_right_code_no_longer_works(max_attempts: int) -> None:
    challenge = _challenge(max_attempts=max_attempts)
    results = []
    for i in range(max_attempts):
        challenge, result = otp.attempt(challenge, False, T0 + timedelta(seconds=i))
        results.append(result)
    assert results[:-1] == [AttemptResult.WRONG] * (max_attempts - 1)
    assert results[-1] is AttemptResult.LOCKED and challenge.status is ChallengeStatus.LOCKED
    _, result = otp.attempt(challenge, True, T0 + timedelta(minutes=1))
    assert result is AttemptResult.NOT_PENDING


@given(st.lists(st.booleans(), max_size=20), st.integers(min_value=1, max_value=6))
def test_attempts_never_exceed_the_limit_and_verify_at_most_once(tries: list[bool], limit: int) -> None:
    challenge = _challenge(max_attempts=limit)
    verified = 0
    for i, ok in enumerate(tries):
        challenge, result = otp.attempt(challenge, ok, T0 + timedelta(seconds=i))
        verified += result is AttemptResult.VERIFIED
        assert challenge.attempts <= limit
    assert verified <= 1


def test_resends_are_capped_per_challenge() -> None:
    assert otp.may_resend(_challenge(sends=4), T0) is None
    assert "already sent 5 times" in (otp.may_resend(_challenge(sends=5), T0) or "")
    assert "locked" in (otp.may_resend(_challenge(status=ChallengeStatus.LOCKED), T0) or "")


# -- rate limit per number -----------------------------------------------------------------------------
@given(st.lists(st.integers(min_value=0, max_value=7200), max_size=30))
def test_rate_limit_allows_at_most_n_sends_in_any_window(offsets: list[int]) -> None:
    policy = CodePolicy(sends_per_number=10, rate_window=timedelta(hours=1))
    now = T0 + timedelta(hours=2)
    times = [T0 + timedelta(seconds=s) for s in offsets]
    in_window = [t for t in times if now - policy.rate_window < t <= now]
    until = otp.rate_limit(times, now, policy)
    assert (until is None) == (len(in_window) < 10)
    if until is not None:
        assert until > now
        # at `until` the window has slid far enough for one more send
        assert otp.rate_limit(times, until, policy) is None or until + timedelta(seconds=1) > now


# -- describing ------------------------------------------------------------------------------------------
def test_status_lines_people_read() -> None:
    done, _ = otp.attempt(_challenge(), True, T0 + timedelta(minutes=1))
    assert otp.describe(done, T0 + timedelta(minutes=3)) == "verified (2 min ago, by code)"
    assert otp.describe(_challenge(attempts=2), T0 + timedelta(minutes=4)).startswith("code sent, waiting")
    assert otp.describe(None, T0) == "not verified (no verification started)"


def test_time_left_rounds_up_so_a_fresh_ten_minute_code_says_ten() -> None:
    fresh = _challenge()  # expires ten minutes after T0
    assert fresh.expires_at - T0 == timedelta(minutes=10)
    just_after = T0 + timedelta(milliseconds=300)  # the time it takes the screen to show it
    assert otp.describe(fresh, just_after) == "code sent, waiting for the reply (expires in 10 min)"
    assert otp.time_left(timedelta(minutes=9, seconds=1)) == "10 min"
    assert otp.time_left(timedelta(minutes=1)) == "1 min"
    assert otp.time_left(timedelta(seconds=59.2)) == "1 min"
    assert otp.time_left(timedelta(seconds=40)) == "40 s"
    assert otp.time_left(timedelta(seconds=-3)) == "0 s"


# -- the installation key ----------------------------------------------------------------------------------
def test_key_falls_back_to_a_private_file_that_persists(tmp_path, monkeypatch) -> None:
    import stat

    from inbox.engine import credentials

    monkeypatch.delenv(credentials.VERIFICATION_KEY_ENV, raising=False)
    first = credentials.verification_key(config_dir=tmp_path)
    path = tmp_path / credentials.VERIFICATION_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64 and credentials.verification_key(config_dir=tmp_path) == first
    path.chmod(0o644)  # someone loosened it: it is tightened again on the next read
    assert credentials.verification_key(config_dir=tmp_path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv(credentials.VERIFICATION_KEY_ENV, "from-the-environment")
    assert credentials.verification_key(config_dir=tmp_path) == b"from-the-environment"
