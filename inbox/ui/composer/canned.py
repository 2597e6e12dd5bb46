"""Canned replies: fuzzy search for the `/` popup and variables filled from the open conversation.

Why pure functions: the composer, the Settings page and the tests must agree on which variables
exist and what counts as "left unfilled". A variable the conversation cannot fill (no contact
name yet) or one nobody knows ({order_id}) is left exactly as typed, so the composer can highlight
it and the agent fills it before sending — never a silent "Hi , your order…".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from inbox.core import phone
from inbox.core.models import ConversationSummary

VARIABLES: tuple[tuple[str, str], ...] = (
    ("first_name", "the customer's first name"),
    ("name", "the customer's full name"),
    ("number", "the customer's number"),
    ("agent", "your name"),
    ("date", "today's date"),
)
# {name} or {name|default}; {{ and }} are literal braces (the same syntax as keyword rule replies).
_VAR = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.]*)(?:\|([^{}]*))?\}")


def conversation_values(summary: ConversationSummary | None, agent: str, today: date | None = None) -> dict[str, str]:
    """What the variables mean in this conversation; missing facts are left out (not "")."""
    values = {"agent": agent.strip(), "date": f"{(today or date.today()):%-d %b %Y}"}
    if summary is not None:
        name = (summary.contact_name or "").strip()
        if name:
            values["name"] = name
            values["first_name"] = name.split()[0]
        values["number"] = phone.display(summary.contact_phone)
    return {k: v for k, v in values.items() if v}


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace each variable that has a value (or a ``|default``); leave every other one as typed."""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0)  # {{ or }}: kept; the agent sees exactly what will be sent
        value = values.get(m.group(1))
        if value:
            return value
        if m.group(2):
            return m.group(2)
        return m.group(0)

    return _VAR.sub(sub, template)


def unfilled(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every ``{variable}`` still in ``text`` (Python string indices)."""
    return [(m.start(), m.end(), m.group(1)) for m in _VAR.finditer(text) if m.group(1) is not None]


def _subsequence_gaps(query: str, text: str) -> int | None:
    """How spread out ``query``'s letters are in ``text`` (None: not all there, in order)."""
    pos, gaps, last = 0, 0, -1
    for ch in query:
        found = text.find(ch, pos)
        if found < 0:
            return None
        if last >= 0:
            gaps += found - last - 1
        last, pos = found, found + 1
    return gaps


def rank(query: str, replies: Iterable[str]) -> list[str]:
    """Replies matching ``query``, best first: the whole phrase, then every word, then the letters
    in order ("shpd" finds "shipped"). Case-insensitive; ties keep the saved order."""
    q = " ".join(query.casefold().split())
    items = list(replies)
    if not q:
        return items
    words = q.split(" ")
    scored: list[tuple[int, int, int, str]] = []
    for i, reply in enumerate(items):
        hay = reply.casefold()
        at = hay.find(q)
        if at >= 0:
            scored.append((0, at, i, reply))
            continue
        if all(w in hay for w in words):
            scored.append((1, sum(hay.find(w) for w in words), i, reply))
            continue
        gaps = _subsequence_gaps(q.replace(" ", ""), hay)
        if gaps is not None and gaps <= 4 * len(q):
            scored.append((2, gaps, i, reply))
    return [reply for *_k, reply in sorted(scored)]
