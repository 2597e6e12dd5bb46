"""How the Supervisor view words numbers: "4 m 30 s", "1 h 12 m", "40 %", "1,234".

Why pure functions: the test checks the numbers shown against hand-worked answers, so the wording
must be pinned down without a window.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

EMPTY = "—"


def duration(seconds: float | None) -> str:
    """Two units at most, the larger first: "45 s", "4 m 30 s", "15 m", "1 h 12 m", "2 d 3 h"."""
    if seconds is None:
        return EMPTY
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} m" if minutes else f"{hours} h"
    return f"{minutes} m {secs} s" if secs else f"{minutes} m"


def percent(share: float | None) -> str:
    """0.4 → "40 %", 0.8333 → "83.3 %" (one decimal only when it says something)."""
    if share is None:
        return EMPTY
    value = share * 100
    return f"{value:.0f} %" if abs(value - round(value)) < 0.05 else f"{value:.1f} %"


def count(n: int | None) -> str:
    return EMPTY if n is None else f"{n:,}"


def day(d: date | datetime) -> str:
    """ "4 Mar" (the axis and range labels)."""
    return f"{d.day} {d.strftime('%b')}"


def date_range(start: datetime, end: datetime) -> str:
    """ "4 Mar – 5 Mar 2024" for [start, end): the end is exclusive, so show the day before it."""
    last = end - timedelta(microseconds=1)
    if start.date() == last.date():
        return f"{day(start)} {start.year}"
    first = day(start) if start.year == last.year else f"{day(start)} {start.year}"
    return f"{first} – {day(last)} {last.year}"
