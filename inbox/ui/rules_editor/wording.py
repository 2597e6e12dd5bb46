"""How rules read in the editor: mode and action names, one-line summaries, the test box's answer.

Why a module of its own: the page, the edit dialog and the history dialog must say the same thing
about a rule, and these functions are pure (no Qt), so they are cheap to test and reuse.
"""

from __future__ import annotations

from datetime import datetime

from inbox.core.rules import ActionKind, MatchMode, RuleSpec

MODES: tuple[tuple[MatchMode, str], ...] = (
    (MatchMode.WHOLE, "Whole message"),
    (MatchMode.FIRST_WORD, "First word"),
    (MatchMode.ANY_WORD, "Any word"),
    (MatchMode.REGEX, "Regular expression"),
)
ACTIONS: tuple[tuple[ActionKind, str], ...] = (
    (ActionKind.REPLY, "Reply with a template"),
    (ActionKind.JOIN, "Join a list"),
    (ActionKind.LEAVE, "Leave a list"),
    (ActionKind.LOOKUP, "Look up (HTTP) and reply"),
    (ActionKind.TAG, "Tag the conversation"),
    (ActionKind.ASSIGN, "Assign to an agent"),
    (ActionKind.STATUS, "Set the status"),
)
STATUSES = ("open", "pending", "snoozed", "resolved")
# What a reply template can use, per action (the engine fills them; see inbox.engine.rules).
BASE_VARIABLES = ("{first_name}", "{number}", "{date}", "{keyword}", "{first_word}")
SAMPLE = {
    "first_name": "Ada",
    "number": "+15551234567",
    "date": "2025-03-01",
    "keyword": "JOIN",
    "first_word": "JOIN",
    "list": "NEWS",
    "lookup.balance": "42.00",
    "lookup.name": "Ada Lovelace",
}


def mode_text(mode: MatchMode) -> str:
    """The list's short form ("first word"); the dialog uses the capitalised ``MODES`` labels."""
    return mode.value.replace("_", " ")


def action_summary(spec: RuleSpec) -> str:
    """``kind: detail`` — the reply, list, tag or agent that says what the rule does."""
    act = spec.action
    detail = (
        {
            ActionKind.LOOKUP: act.url,
            ActionKind.STATUS: act.status,
        }.get(act.kind)
        or act.reply
        or act.list_name
        or act.tag
        or act.assignee
    )
    return f"{act.kind.value}: {detail}" if detail else act.kind.value


def channel_text(spec: RuleSpec, channels: dict[int, str]) -> str:
    if spec.channel_id is None:
        return "All"
    return channels.get(spec.channel_id, f"channel {spec.channel_id}")


def _day(at: datetime) -> str:
    local = at.astimezone()
    return f"{local:%-d %b %Y}" if (local.hour, local.minute) == (0, 0) else f"{local:%-d %b %Y %H:%M}"


def window_text(spec: RuleSpec) -> str:
    """ "Always", "from 1 Mar 2025", "until 31 Mar 2025" or "1 Mar 2025 → 31 Mar 2025" (local time)."""
    if spec.starts_at and spec.ends_at:
        start, end = _day(spec.starts_at), _day(spec.ends_at)
        if start[-4:] == end[-4:] and start.count(" ") == 2:  # same year, whole days: "28 Nov → 1 Dec 2025"
            start = start[:-5]
        return f"{start} → {end}"
    if spec.starts_at:
        return f"from {_day(spec.starts_at)}"
    if spec.ends_at:
        return f"until {_day(spec.ends_at)}"
    return "Always"


def trial_headline(step: str, rule: str | None, version: int | None, reason: str) -> str:
    """The first line of the Test box: which step or rule answers the message."""
    if step == "rules" and rule:
        return f"Rule “{rule}” (version {version}) fires"
    if step == "rules":
        return f"Keyword rules: {reason}"
    if step == "compliance":
        return f"Compliance answers it: {reason} — custom rules never see this message"
    if step == "skipped":
        return f"No automatic reply: {reason}"
    return f"No rule fires: {reason}" if reason else "No rule fires"
