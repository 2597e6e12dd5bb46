"""Who is on, who is looking at a conversation, who is typing — and how new work is shared out.

Presence is a heartbeat, not a log: each desktop overwrites one row of its own every few seconds,
and a row that stops being renewed reads as offline by itself (`effective_state`), so a crashed
laptop or a pulled cable needs no clean-up to stop showing as "online". The rules live here, pure,
so the store, the engine and the views agree on when "Alice is typing…" ends.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# How often a desktop renews its row; a row is stale after three missed beats (a busy worker or a
# slow network may delay one or two without the agent flickering to offline).
HEARTBEAT_SECONDS = 5.0
EXPIRES_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
# "typing…" lasts this long after the last keystroke reported; the composer reports at most once
# per TYPING_REPORT_SECONDS, so the line never blinks out between two reports.
TYPING_SECONDS = 6.0
TYPING_REPORT_SECONDS = 3.0
# No keyboard or mouse input for this long: the desktop reports "away".
IDLE_SECONDS = 5 * 60.0
# The leader deletes rows not renewed for this long (correctness never depends on it).
FORGET_AFTER = timedelta(days=1)

DEFAULT_CAPACITY = 10
MAX_CAPACITY = 1000


class PresenceState(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


_RANK = {PresenceState.OFFLINE: 0, PresenceState.AWAY: 1, PresenceState.ONLINE: 2}


def effective_state(stored: str, last_seen_at: datetime, now: datetime) -> PresenceState:
    """The state a row stands for at `now`: what it says while it is renewed, offline once stale."""
    if now - last_seen_at > EXPIRES_AFTER:
        return PresenceState.OFFLINE
    try:
        return PresenceState(stored)
    except ValueError:
        return PresenceState.OFFLINE


def best(states: Sequence[PresenceState]) -> PresenceState:
    """An agent with two desktops is as present as the more present one."""
    return max(states, key=_RANK.__getitem__, default=PresenceState.OFFLINE)


@dataclass(frozen=True, slots=True)
class SessionPresence:
    """One desktop's row, read at a moment: its state already expired if stale."""

    session: str
    agent: str
    state: PresenceState
    viewing_conversation_id: int | None
    typing_conversation_id: int | None  # None once the typing window has passed
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class AgentPresence:
    """A roster line: an agent, how present they are, and how many open conversations they hold."""

    agent: str
    state: PresenceState
    load: int
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class Here:
    """Who else has one conversation open, and who of them is typing in it (names, sorted)."""

    viewing: tuple[str, ...] = ()
    typing: tuple[str, ...] = ()

    @property
    def anyone(self) -> bool:
        return bool(self.viewing or self.typing)


@dataclass(frozen=True, slots=True)
class PresenceSnapshot:
    """Everything a desktop's presence poll shows: the roster and, per conversation, who is there."""

    roster: tuple[AgentPresence, ...] = ()
    here: dict[int, Here] = field(default_factory=dict)

    def at(self, conversation_id: int | None) -> Here:
        return self.here.get(conversation_id, Here()) if conversation_id is not None else Here()


def here_by_conversation(rows: Sequence[SessionPresence], excluding_session: str | None) -> dict[int, Here]:
    """Who is viewing / typing in each conversation, leaving out the asking desktop and anyone offline.

    An agent on two desktops appears once; typing wins over viewing (the line says the more useful).
    """
    viewing: dict[int, set[str]] = {}
    typing: dict[int, set[str]] = {}
    for row in rows:
        if row.session == excluding_session or row.state is PresenceState.OFFLINE:
            continue
        if row.viewing_conversation_id is not None:
            viewing.setdefault(row.viewing_conversation_id, set()).add(row.agent)
        if row.typing_conversation_id is not None:
            typing.setdefault(row.typing_conversation_id, set()).add(row.agent)
    out: dict[int, Here] = {}
    for conv in viewing.keys() | typing.keys():
        typers = typing.get(conv, set())
        out[conv] = Here(viewing=tuple(sorted(viewing.get(conv, set()) - typers)), typing=tuple(sorted(typers)))
    return out


# -- assignment ------------------------------------------------------------------------------------
class OfflinePolicy(enum.StrEnum):
    KEEP = "keep"  # an agent who goes offline keeps their open conversations
    UNASSIGN = "unassign"  # they return to the unassigned queue for whoever is on


class InvalidAssignmentSetting(ValueError):
    """An auto-assignment setting that cannot be used; the message says what to give instead."""


@dataclass(frozen=True, slots=True)
class AssignmentPolicy:
    """How one channel shares out new work. Off by default: assigning is a team's decision."""

    channel_id: int
    auto_assign: bool = False
    capacity: int = DEFAULT_CAPACITY
    when_offline: OfflinePolicy = OfflinePolicy.KEEP
    last_assignee: str | None = None  # where the round robin stands
    assign_on_reply: bool = False  # replying to an unassigned conversation assigns it to the replier


def check_capacity(value: object) -> int:
    text = str(value).strip()
    # ASCII digits only: int() would also take "٣" and "1_0", which nobody means as a capacity.
    number = int(text) if text.isascii() and text.isdigit() else None
    if number is None or not 1 <= number <= MAX_CAPACITY:
        raise InvalidAssignmentSetting(
            f"The capacity must be a whole number of open conversations from 1 to {MAX_CAPACITY:,}, not {text!r}"
        )
    return number


def check_offline_policy(value: str) -> OfflinePolicy:
    try:
        return OfflinePolicy(value.strip().lower())
    except ValueError:
        choices = " or ".join(p.value for p in OfflinePolicy)
        raise InvalidAssignmentSetting(f"When an agent goes offline: {choices}, not {value!r}") from None


def next_in_turn(candidates: Sequence[str], after: str | None, load: dict[str, int], capacity: int) -> str | None:
    """The next agent after `after` in name order who has room, wrapping round; None if nobody has.

    Name order (not arrival order of heartbeats) keeps the turn stable across polls and desktops.
    """
    ordered = sorted(set(candidates))
    if not ordered:
        return None
    start = 0
    if after is not None:
        start = next((i for i, name in enumerate(ordered) if name > after), 0)
    for step in range(len(ordered)):
        name = ordered[(start + step) % len(ordered)]
        if load.get(name, 0) < capacity:
            return name
    return None
