"""Recipient-local quiet hours for marketing messages: when may a text reach this phone?

Pure logic. A `Window` is the *allowed* local sending time (default 08:00–21:00); a window whose
start is after its end wraps past midnight. The time zones come from the number (phonenumbers'
timezone data); a number spanning several zones (a US area code on a zone border, Australia's
mobiles) is texted only when the window is open in every one of them, and when no instant within a
week satisfies them all we fall back to the first zone. A message inside quiet hours is deferred to
the next allowed instant, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as pn_timezone

DEFAULT_START = time(8, 0)
DEFAULT_END = time(21, 0)
FALLBACK_ZONE = "UTC"
_SEARCH_DAYS = 7


@dataclass(frozen=True, slots=True)
class Window:
    """Local hours during which marketing may be sent: [start, end), wrapping when start > end."""

    start: time = DEFAULT_START
    end: time = DEFAULT_END
    timezone: str | None = None  # overrides the zones derived from the number (e.g. a short-code region)

    def allows(self, local: time) -> bool:
        if self.start == self.end:
            return True  # an empty configuration means "no quiet hours"
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Per-region windows (ISO region codes, e.g. "IN") with a default for every other region."""

    default: Window = Window()
    regions: Mapping[str, Window] | None = None
    fallback_zone: str = FALLBACK_ZONE

    def window_for(self, region: str | None) -> Window:
        return (self.regions or {}).get(region or "", self.default)


def parse_hhmm(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def region_and_zones(number: str) -> tuple[str | None, tuple[str, ...]]:
    """The number's region and its IANA time zones (empty when phonenumbers does not know)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None, ()
    region = phonenumbers.region_code_for_number(parsed)
    zones = tuple(z for z in pn_timezone.time_zones_for_number(parsed) if z != pn_timezone.UNKNOWN_TIMEZONE)
    return region, zones


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zones_for(number: str, config: QuietHours) -> tuple[Window, tuple[ZoneInfo, ...]]:
    """The window that applies to `number` and the zones it must hold in."""
    region, names = region_and_zones(number)
    window = config.window_for(region)
    if window.timezone:
        names = (window.timezone,)
    if not names:
        names = (config.fallback_zone,)
    return window, tuple(_zone(n) for n in names)


def is_allowed(at: datetime, window: Window, zones: Sequence[ZoneInfo]) -> bool:
    """Whether `at` (aware) falls inside the window in every zone."""
    return all(window.allows(at.astimezone(z).time()) for z in zones)


def _window_starts(at: datetime, window: Window, zone: ZoneInfo) -> list[datetime]:
    """The next window openings in `zone` after `at`, as UTC instants, for a week."""
    local = at.astimezone(zone)
    out = []
    for day in range(_SEARCH_DAYS + 1):
        date = (local + timedelta(days=day)).date()
        start = datetime.combine(date, window.start, tzinfo=zone).astimezone(UTC)
        if start > at:
            out.append(start)
    return out


def next_allowed(at: datetime, window: Window, zones: Sequence[ZoneInfo]) -> datetime:
    """The earliest instant >= `at` at which the window is open in every zone."""
    if at.tzinfo is None:
        raise ValueError("quiet hours need an aware datetime")
    if not zones or is_allowed(at, window, zones):
        return at
    candidates = sorted({s for z in zones for s in _window_starts(at, window, z)})
    for candidate in candidates:
        if is_allowed(candidate, window, zones):
            return candidate
    first = [s for s in _window_starts(at, window, zones[0])]
    return first[0] if first else at


def defer_until(number: str, at: datetime, config: QuietHours) -> datetime:
    """When a marketing text to `number` planned for `at` may leave (`at` itself when allowed)."""
    window, zones = zones_for(number, config)
    return next_allowed(at, window, zones)
