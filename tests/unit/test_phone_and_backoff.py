from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import backoff, phone


def test_normalize_to_e164() -> None:
    assert phone.normalize("(555) 123-4567") == "+15551234567"
    assert phone.normalize("+44 20 7946 0958") == "+442079460958"
    assert phone.normalize("56789") == "56789"  # short codes stay as they are


@pytest.mark.parametrize("bad", ["", "hello", "+1", "+999999999999999999"])
def test_invalid_numbers_raise_a_clear_error(bad: str) -> None:
    with pytest.raises(phone.InvalidPhoneNumber):
        phone.normalize(bad)


def test_mask_hides_all_but_two_digits() -> None:
    assert phone.mask("+15551234567") == "+1••••••••67"
    assert "1234" not in phone.mask("+15551234567")


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_capped_and_non_negative(attempt: int, seed: int) -> None:
    d = backoff.delay(attempt, rng=random.Random(seed))
    assert 0 <= d <= backoff.CAP_SECONDS
    assert d <= backoff.BASE_SECONDS * 2 ** (attempt - 1)


def test_retry_after_is_honoured() -> None:
    assert backoff.delay(1, retry_after=40, rng=random.Random(1)) >= 40


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=1, max_value=60))
def test_a_provider_wait_is_capped_at_an_hour(retry_after: float, attempt: int) -> None:
    d = backoff.delay(attempt, retry_after=retry_after, rng=random.Random(1))
    assert 0 <= d <= max(backoff.RETRY_AFTER_CAP_SECONDS, backoff.CAP_SECONDS)
    assert backoff.delay(1, retry_after=99_999_999, rng=random.Random(1)) == backoff.RETRY_AFTER_CAP_SECONDS
