"""Pure checks of what people type: durations, numbers, names, URLs, help text, bodies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import channel_config, durations, phone, segments, typed_text

DEFAULT = "https://api.twilio.com"


@pytest.mark.parametrize("bad", [-1, 0, -5, "nan", float("nan"), float("inf"), "-inf", "soon", None, 3601])
def test_a_poll_interval_must_be_positive_finite_and_bounded(bad) -> None:
    with pytest.raises(durations.InvalidDuration, match=r"from 0\.1 to 3600 seconds"):
        durations.POLL_INTERVAL.check(bad)


@pytest.mark.parametrize("bad", [0, -5, "nan", float("inf"), 0.5, 601])
def test_a_lease_period_must_be_positive_finite_and_bounded(bad) -> None:
    with pytest.raises(durations.InvalidDuration, match="from 1 to 600 seconds"):
        durations.LEASE_PERIOD.check(bad)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_clamp_always_lands_inside_the_bounds(value: float) -> None:
    b = durations.POLL_INTERVAL
    assert b.low <= b.clamp(value) <= b.high


@pytest.mark.parametrize("bad", ["²³⁴⁵⁶", "١٢٣٤٥", "١٢٣٤٥٦", "123", "1234", "1234567", "12345678", "５６７８９"])
def test_only_ascii_digits_of_a_real_length_are_short_codes(bad: str) -> None:
    with pytest.raises(phone.InvalidPhoneNumber, match="short codes are 5 or 6 digits"):
        phone.normalize(bad)


@pytest.mark.parametrize("code", ["56789", "123456", " 56789 "])
def test_us_and_indian_length_short_codes_are_kept(code: str) -> None:
    assert phone.normalize(code) == code.strip()
    assert phone.is_short_code(code.strip())


def test_two_spellings_of_one_number_normalise_alike() -> None:
    assert phone.normalize("+15550001111") == phone.normalize("+1 555 000 1111") == phone.normalize("(555) 000-1111")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "x" * 10_000,
        "red\x1b[31mname",
        "evil\u202etxt.exe",
        "a\u2066b",
        "zero\u200bwidth",
        "two\nlines",
        "\x00",
    ],
)
def test_names_must_be_one_printable_bounded_line(name: str) -> None:
    with pytest.raises(typed_text.InvalidText):
        typed_text.printable_line(name, "The channel name", 80)


def test_a_printable_name_is_kept_stripped() -> None:
    assert typed_text.printable_line("  Support (UK) – José's  ", "The name", 80) == "Support (UK) – José's"


def test_lone_surrogates_from_the_command_line_are_refused() -> None:
    undecodable = b"caf\xff".decode("utf-8", "surrogateescape")
    with pytest.raises(typed_text.InvalidText, match="not UTF-8"):
        typed_text.require_utf8(undecodable, "The message")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "not a url",
        "https://",
        "ftp://example.com",
        "http://example.com",
        "http://localhost.evil.example",
        "https://user:pw@example.com",
        "https://example.com:notaport",
        "https://exa mple.com",
        "javascript:alert(1)",
        "//example.com",
    ],
)
def test_base_urls_are_http_s_with_a_host(url: str) -> None:
    with pytest.raises(channel_config.InvalidChannelConfig, match="https://"):
        channel_config.check_base_url(url, DEFAULT)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("", None),
        (DEFAULT + "/", None),
        ("https://sms.example.com/", "https://sms.example.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_good_base_urls_are_kept(url: str, kept: str | None) -> None:
    assert channel_config.check_base_url(url, DEFAULT) == kept


def test_help_text_longer_than_the_provider_accepts_is_refused_with_its_segments() -> None:
    text = "Acme support: call us. " * 80  # 1,840 characters
    expected = segments.analyze(text.strip()).segments
    with pytest.raises(channel_config.InvalidChannelConfig) as refused:
        channel_config.check_help_text(text)
    assert f"{expected} GSM-7 segments" in str(refused.value) and "1,600" in str(refused.value)
    assert channel_config.check_help_text("x" * 1600) == "x" * 1600
