"""Turning DTO fields into the short words agents read: "2 m", "Tue", "Yesterday", initials.

Why: the list row and the thread both need the same wording, in the agent's local time zone, and
these are pure functions that tests can pin down without a window.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from PySide6.QtCore import Qt

from inbox.core import phone
from inbox.core.models import ConversationSummary


def local(dt: datetime) -> datetime:
    """Aware UTC from the store → the agent's local time zone."""
    return dt.astimezone()


def relative_time(dt: datetime, now: datetime | None = None) -> str:
    """'now', '2 m', '3 h', 'Tue' within the week, then '23 Nov' (then with the year)."""
    now = now or datetime.now(dt.tzinfo)
    delta = now - dt
    if delta < timedelta(minutes=1):
        return "now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)} m"
    loc, lnow = local(dt), local(now)
    if delta < timedelta(hours=12) or loc.date() == lnow.date():
        return f"{int(delta.total_seconds() // 3600)} h" if delta < timedelta(hours=12) else loc.strftime("%H:%M")
    if (lnow.date() - loc.date()).days < 7:
        return loc.strftime("%a")
    if loc.year == lnow.year:
        return f"{loc.day} {loc.strftime('%b')}"
    return f"{loc.day} {loc.strftime('%b %Y')}"


def day_label(dt: datetime, now: datetime | None = None) -> str:
    """Day separator text: 'Today', 'Yesterday', 'Mon 23 Nov' (year added when not this year)."""
    loc = local(dt)
    today = local(now or datetime.now(dt.tzinfo)).date()
    days = (today - loc.date()).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    label = f"{loc.strftime('%a')} {loc.day} {loc.strftime('%b')}"
    return label if loc.year == today.year else f"{label} {loc.year}"


def clock(dt: datetime) -> str:
    return local(dt).strftime("%H:%M")


def short_date(dt: datetime) -> str:
    loc = local(dt)
    return f"{loc.day} {loc.strftime('%b')}"


def contact_title(s: ConversationSummary | None, name: str | None = None, number: str | None = None) -> str:
    """Name, or the formatted number when the contact has no name."""
    if s is not None:
        name, number = s.contact_name, s.contact_phone
    return name.strip() if name and name.strip() else phone.display(number or "")


def initials(name: str | None, number: str) -> str:
    """Two letters from the name, or the last two digits of the number."""
    if name and name.strip():
        parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
        if not parts:
            return name.strip()[:1].upper()
        if len(parts) == 1:
            return parts[0][:1].upper()
        return (parts[0][:1] + parts[-1][:1]).upper()
    digits = [c for c in number if c.isdigit()]
    return "".join(digits[-2:]) or "#"


def text_direction(text: str) -> Qt.LayoutDirection:
    """Direction from the first strong character (Unicode bidi class), as the UBA's P2 rule does."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return Qt.LayoutDirection.LeftToRight
        if bidi in ("R", "AL"):
            return Qt.LayoutDirection.RightToLeft
    return Qt.LayoutDirection.LeftToRight


def one_line(text: str) -> str:
    """Previews are one line: collapse newlines and runs of spaces."""
    return " ".join(text.split())
