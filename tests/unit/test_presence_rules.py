"""The pure presence rules: when a heartbeat stops counting, who is shown where, whose turn it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.presence import (
    EXPIRES_AFTER,
    Here,
    InvalidAssignmentSetting,
    PresenceState,
    SessionPresence,
    check_capacity,
    effective_state,
    here_by_conversation,
    next_in_turn,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_row_counts_until_three_beats_are_missed_and_nonsense_reads_offline() -> None:
    assert effective_state("away", T0, T0 + EXPIRES_AFTER) is PresenceState.AWAY
    assert effective_state("online", T0, T0 + EXPIRES_AFTER + timedelta(seconds=1)) is PresenceState.OFFLINE
    assert effective_state("dancing", T0, T0) is PresenceState.OFFLINE


def _row(session: str, agent: str, viewing: int | None, typing: int | None = None, state=PresenceState.ONLINE):
    return SessionPresence(session, agent, state, viewing, typing, T0)


def test_one_agent_on_two_desktops_shows_once_and_typing_wins() -> None:
    rows = [_row("a1", "Alice", 5), _row("a2", "Alice", 5, typing=5), _row("b", "Bob", 5), _row("me", "Dana", 5)]
    assert here_by_conversation(rows, "me") == {5: Here(viewing=("Bob",), typing=("Alice",))}


def test_the_turn_goes_round_in_name_order_skipping_the_full_and_wraps() -> None:
    names = ["Carol", "Alice", "Bob"]
    assert next_in_turn(names, None, {}, 10) == "Alice"
    assert next_in_turn(names, "Alice", {}, 10) == "Bob"
    assert next_in_turn(names, "Carol", {}, 10) == "Alice", "wraps"
    assert next_in_turn(names, "Alice", {"Bob": 10}, 10) == "Carol", "Bob is full"
    assert next_in_turn(names, "Zed", {}, 10) == "Alice", "the last one left the team"
    assert next_in_turn(names, None, dict.fromkeys(names, 10), 10) is None
    assert next_in_turn([], None, {}, 10) is None


@pytest.mark.parametrize("value", ["0", "-3", "1001", "2.5", "", "ten", "٣", "1_0", "99999999999999999999"])
def test_capacity_must_be_a_whole_number_in_range(value: str) -> None:
    with pytest.raises(InvalidAssignmentSetting):
        check_capacity(value)
    assert check_capacity(" 12 ") == 12
