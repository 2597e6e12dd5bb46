"""Quiet hours: deferral lands inside the allowed window, never earlier than planned, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from inbox.core.quiet_hours import QuietHours, Window, defer_until, is_allowed, next_allowed, zones_for

ZONES = ["America/New_York", "Asia/Kolkata", "Europe/London", "Australia/Sydney", "Pacific/Honolulu", "UTC"]
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@given(at=instants, zone=st.sampled_from(ZONES), start=times, end=times)
def test_next_allowed_is_inside_the_window_and_not_before(at, zone, start, end) -> None:
    window, zones = Window(start, end), (ZoneInfo(zone),)
    result = next_allowed(at, window, zones)
    assert result >= at
    assert is_allowed(result, window, zones)
    assert result - at <= timedelta(days=1, hours=2)  # at most a day away (DST aside)


@given(at=instants, zone=st.sampled_from(ZONES))
def test_allowed_instants_are_not_deferred(at, zone) -> None:
    window, zones = Window(), (ZoneInfo(zone),)
    if is_allowed(at, window, zones):
        assert next_allowed(at, window, zones) == at


@given(at=instants, zones=st.lists(st.sampled_from([*ZONES[:3], "America/Chicago"]), min_size=1, max_size=3))
def test_several_zones_get_an_instant_that_suits_all_when_one_exists(at, zones) -> None:
    tz = tuple(ZoneInfo(z) for z in zones)
    result = next_allowed(at, Window(), tz)
    assert result >= at
    assert is_allowed(result, Window(), tz) or is_allowed(result, Window(), tz[:1])


def test_default_window_defers_a_late_evening_text_to_eight_local() -> None:
    at = datetime(2025, 3, 10, 17, 0, tzinfo=UTC)  # 22:30 in India
    result = defer_until("+919812345678", at, QuietHours())
    assert result.astimezone(ZoneInfo("Asia/Kolkata")).time() == time(8, 0)
    assert result.date() == datetime(2025, 3, 11).date()


def test_wrapping_window_and_region_override() -> None:
    night_shift = Window(time(22, 0), time(6, 0))
    assert night_shift.allows(time(23, 0)) and night_shift.allows(time(5, 59)) and not night_shift.allows(time(12, 0))
    config = QuietHours(regions={"IN": Window(time(9, 0), time(20, 0), "Asia/Kolkata")})
    window, zones = zones_for("+919812345678", config)
    assert window.start == time(9, 0) and [z.key for z in zones] == ["Asia/Kolkata"]


def test_unknown_zone_numbers_use_the_fallback_zone() -> None:
    _window, zones = zones_for("+15557654321", QuietHours(fallback_zone="America/Chicago"))
    assert [z.key for z in zones] == ["America/Chicago"]
