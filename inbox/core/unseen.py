"""Messages that landed while an agent wrote a reply: the sentence that names them before it goes.

Why: a reply written against a thread that moved on (a colleague answered, the customer wrote
again, an automation replied) is held rather than sent, and the agent decides. The composer's bar
and `inbox send --after` say the same thing in the same words, so the wording lives here, pure.
An automatic reply counts as news too: the customer has already been answered, and the agent
should read what they were told before adding to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from inbox.core.models import AuthorKind, Message

EXCERPT_CHARS = 80
MASK = "••••••"  # a verification code is never shown, here as in the thread


def ago(delta: timedelta) -> str:
    """'just now', '20 s ago', '3 min ago', '2 h ago', '4 days ago' (a clock behind counts as now)."""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''} ago"


def excerpt(message: Message, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at `limit` characters with an ellipsis; bullets for a code."""
    if message.masked:
        return MASK
    text = " ".join(message.body.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def author_phrase(message: Message) -> str:
    """'The customer wrote', 'Alice replied', 'An automatic reply (rule:hours) went out'."""
    if message.author_kind is AuthorKind.CUSTOMER:
        return "The customer wrote"
    if message.author_kind is AuthorKind.AUTOMATION:
        named = f" ({message.author})" if message.author else ""
        return f"An automatic reply{named} went out"
    return f"{message.author or 'Another agent'} replied"


def landed(newer: Sequence[Message], now: datetime, limit: int = EXCERPT_CHARS, *, isolate: bool = False) -> str:
    """'Alice replied 20 s ago: “On its way…”' for the newest, and how many more came before it.

    With `isolate` (a GUI label), the quoted text is a bidi isolate (FSI … PDI), so an Arabic or
    Hebrew text cannot pull the quotes and the words around it out of place. A terminal shows
    those controls as escapes (inbox.core.terminal), so the CLI leaves them out."""
    if not newer:
        return ""
    last = newer[-1]
    quoted = f"\u2068{excerpt(last, limit)}\u2069" if isolate else excerpt(last, limit)
    line = f"{author_phrase(last)} {ago(now - last.created_at)}: “{quoted}”"
    more = len(newer) - 1
    if more:
        line += f" (and {more} earlier message{'s' if more != 1 else ''})"
    return line
