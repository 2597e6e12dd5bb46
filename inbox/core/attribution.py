"""Who wrote an automatic message, in the words an agent reads.

Why: the engine attributes each automatic message by step and key ("rule:hours", "poll:3",
"compliance:opt-out") so that a reply is queued once per step and reports can count by step; the
thread showed that raw, "⚙ poll:1". ``label`` names the step and, given it, the poll's question or
the survey's, contest's or list's name; ``category`` is what answered, for the supervisor's counts.
"""

from __future__ import annotations

NAMED = ("poll", "survey", "contest", "broadcast")  # kinds whose key is an id with a name on file

_FIXED = {
    "compliance:opt-out": "Opt-out confirmation",
    "compliance:opt-in": "Opt-in confirmation",
    "compliance:help": "HELP reply",
    "fallback:after-hours": "After-hours reply",
    "csat": "Satisfaction survey",
    "verification": "Identity verification",
}

_CATEGORY = {
    "compliance": "keywords",
    "rule": "rules",
    "fallback": "after-hours replies",
    "poll": "polls",
    "survey": "surveys",
    "csat": "surveys",
    "contest": "contests",
    "broadcast": "broadcasts",
    "verification": "verification",
}

NAME_MAX = 40  # a long poll question is cut in a bubble's header line


def parse(author: str) -> tuple[str, str]:
    """("poll", "3") for "poll:3"; ("csat", "") for "csat"."""
    kind, _sep, key = author.partition(":")
    return kind, key


def category(author: str | None) -> str:
    """What answered, in the plural a count reads with: "keywords", "rules", "polls"…"""
    kind, _key = parse(author or "")
    return _CATEGORY.get(kind, "automation")


def _quoted(name: str) -> str:
    name = " ".join(name.split())
    return f"“{name[: NAME_MAX - 1]}…”" if len(name) > NAME_MAX else f"“{name}”"


def label(author: str | None, name: str | None = None) -> str:
    """'Rule “hours”', 'Poll “Pizza or burger?”', 'Opt-out confirmation'; ``name`` is the poll's
    question or the survey's, contest's or broadcast list's name when it is known."""
    if not author:
        return "Automation"
    if author in _FIXED:
        return _FIXED[author]
    kind, key = parse(author)
    if kind == "rule" and key:
        return f"Rule {_quoted(key)}"
    if kind == "broadcast":
        return f"Broadcast to {_quoted(name)}" if name else "Broadcast"
    if kind in NAMED:
        title = kind.title()
        return f"{title} {_quoted(name)}" if name else f"{title} {key}".strip()
    return author
