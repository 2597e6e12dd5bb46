"""Presence and automatic assignment, on both backends: heartbeats expire by themselves, the roster
and "who is here" leave out the asking desktop, and new or reopened conversations go round robin
to agents who are online, never past capacity, never to someone away or offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.events import EventBus
from inbox.core.models import ConversationStatus, InboundMessage, PollCursor
from inbox.core.presence import (
    EXPIRES_AFTER,
    FORGET_AFTER,
    TYPING_SECONDS,
    Here,
    InvalidAssignmentSetting,
    OfflinePolicy,
    PresenceState,
)
from inbox.engine import assignment, presence
from inbox.engine.ingest import ingest
from inbox.providers.base import InboundBatch
from inbox.store import agents, audit, conversations
from inbox.store.agents import Role
from inbox.store.team_tables import PresenceRow
from tests.conftest import OUR_NUMBER, add_channel

ADMIN = "Dana"
ONLINE, AWAY, OFFLINE = PresenceState.ONLINE, PresenceState.AWAY, PresenceState.OFFLINE


def _t0() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_heartbeat_reads_as_offline_once_three_beats_are_missed(db) -> None:
    t0 = _t0()
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=7, now=t0)
    assert [(a.agent, a.state) for a in presence.roster(db, now=t0 + EXPIRES_AFTER)] == [("Alice", ONLINE)]
    later = t0 + EXPIRES_AFTER + timedelta(seconds=1)
    assert [(a.agent, a.state) for a in presence.roster(db, now=later)] == [], "a stale desktop is not listed"
    assert presence.who_is_here(db, 7, "desk-b", now=later) == Here(), "a stale viewer is gone"


def test_roster_lists_every_active_agent_with_their_best_state_and_load(db) -> None:
    t0 = _t0()
    with db.write() as s:
        agents.upsert(s, "Alice", Role.AGENT)
        agents.upsert(s, "Bob", Role.AGENT)
        agents.upsert(s, "Carol", Role.SUPERVISOR)
        agents.upsert(s, "Gone", Role.AGENT, active=False)
        ch = add_channel(s)
        for i, who in enumerate(["Alice", "Alice", "Bob"]):
            conv = _conversation(s, ch.id, f"+1555300{i:04d}")
            conversations.set_fields(s, conv, assignee=who)
        resolved = _conversation(s, ch.id, "+15553009999")
        conversations.set_fields(s, resolved, assignee="Bob", status=ConversationStatus.RESOLVED.value)
    presence.heartbeat(db, "Alice", "laptop", AWAY, now=t0)
    presence.heartbeat(db, "Alice", "desktop", ONLINE, now=t0)  # two desktops: the more present wins
    presence.heartbeat(db, "Bob", "desk-b", AWAY, now=t0)
    line = {a.agent: (a.state, a.load) for a in presence.roster(db, now=t0 + timedelta(seconds=1))}
    assert line == {"Alice": (ONLINE, 2), "Bob": (AWAY, 1), "Carol": (OFFLINE, 0)}


def test_who_is_here_leaves_out_the_asking_desktop_and_typing_expires(db) -> None:
    t0 = _t0()
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=5, now=t0)
    presence.heartbeat(db, "Bob", "desk-b", ONLINE, viewing=5, now=t0)
    assert presence.who_is_here(db, 5, "desk-b", now=t0) == Here(viewing=("Alice",))
    assert presence.who_is_here(db, 6, "desk-b", now=t0) == Here()
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=5, typing=5, now=t0)
    assert presence.who_is_here(db, 5, "desk-b", now=t0 + timedelta(seconds=1)) == Here(typing=("Alice",))
    # A plain heartbeat does not end the typing window; time does.
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=5, now=t0 + timedelta(seconds=2))
    assert presence.who_is_here(db, 5, "desk-b", now=t0 + timedelta(seconds=3)).typing == ("Alice",)
    after = t0 + timedelta(seconds=TYPING_SECONDS + 0.5)
    assert presence.who_is_here(db, 5, "desk-b", now=after) == Here(viewing=("Alice",))


def test_moving_to_another_conversation_ends_typing_and_signing_off_leaves_at_once(db) -> None:
    t0 = _t0()
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=5, typing=5, now=t0)
    presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=9, now=t0 + timedelta(seconds=1))
    snap = presence.snapshot(db, "desk-b", now=t0 + timedelta(seconds=1))
    assert snap.at(5) == Here() and snap.at(9) == Here(viewing=("Alice",))
    presence.sign_off(db, "Alice", "desk-a", now=t0 + timedelta(seconds=2))
    snap = presence.snapshot(db, "desk-b", now=t0 + timedelta(seconds=2))
    assert snap.here == {} and [(a.agent, a.state) for a in snap.roster] == [("Alice", OFFLINE)]


def test_an_away_desktop_still_shows_where_it_is(db) -> None:
    t0 = _t0()
    presence.heartbeat(db, "Alice", "desk-a", AWAY, viewing=5, now=t0)
    assert presence.who_is_here(db, 5, None, now=t0) == Here(viewing=("Alice",))


def test_heartbeats_write_no_audit_entry(db) -> None:
    t0 = _t0()
    for i in range(3):
        presence.heartbeat(db, "Alice", "desk-a", ONLINE, viewing=1, typing=1, now=t0 + timedelta(seconds=i))
    with db.read() as s:
        assert audit.recent(s) == []
        assert s.query(PresenceRow).count() == 1, "one row per desktop, overwritten"


# -- automatic assignment --------------------------------------------------------------------------
def _conversation(s, channel_id: int, number: str) -> int:
    from inbox.store import contacts

    contact_id = contacts.get_or_create(s, number)
    return conversations.get_or_create(s, contact_id, channel_id, datetime.now(UTC))


def _arrive(db, channel, numbers: list[str], at: datetime, tag: str = "a") -> dict[str, str | None]:
    """Customers write (one text each); their number → the assignee of their conversation."""
    batch = InboundBatch(
        messages=[
            InboundMessage(f"SM{tag}{i:030d}", number, OUR_NUMBER, "hello", at + timedelta(milliseconds=i))
            for i, number in enumerate(numbers)
        ],
        cursor=PollCursor(at),
    )
    ingest(db, channel, batch, EventBus())
    return _assignees(db, channel, numbers)


def _assignees(db, channel, numbers: list[str]) -> dict[str, str | None]:
    from inbox.store import contacts

    out: dict[str, str | None] = {}
    with db.read() as s:
        for number in numbers:
            contact = contacts.by_phone(s, number)
            conv = conversations.summary(s, conversations.find(s, contact.id, channel.id))
            out[number] = conv.assignee
    return out


@pytest.fixture
def team(db):
    """A channel with auto-assignment on (capacity 2) and three agents."""
    with db.write() as s:
        channel = add_channel(s)
        for name in ("Alice", "Bob", "Carol"):
            agents.upsert(s, name, Role.AGENT)
        agents.upsert(s, ADMIN, Role.ADMIN)
    assignment.configure(db, "main", auto_assign=True, capacity=2, actor=ADMIN)
    return channel


def _numbers(n: int, start: int = 0) -> list[str]:
    return [f"+1555400{start + i:04d}" for i in range(n)]


def test_new_conversations_go_round_robin_to_online_agents_only(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    presence.heartbeat(db, "Bob", "b", ONLINE, now=now)
    presence.heartbeat(db, "Carol", "c", AWAY, now=now)  # away: takes no new work
    got = _arrive(db, team, _numbers(4), now)
    assert list(got.values()) == ["Alice", "Bob", "Alice", "Bob"]
    with db.read() as s:
        assert sum(1 for e in audit.recent(s) if e.actor == assignment.ACTOR) == 4


def test_capacity_is_respected_and_the_rest_stay_unassigned(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    got = _arrive(db, team, _numbers(3), now)
    assert list(got.values()) == ["Alice", "Alice", None], "capacity 2: the third waits in the queue"


def test_the_turn_carries_over_between_batches(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    presence.heartbeat(db, "Bob", "b", ONLINE, now=now)
    presence.heartbeat(db, "Carol", "c", ONLINE, now=now)
    first = _arrive(db, team, _numbers(1), now, tag="a")
    second = _arrive(db, team, _numbers(2, start=10), now, tag="b")
    assert list(first.values()) + list(second.values()) == ["Alice", "Bob", "Carol"]


def test_nobody_online_leaves_the_conversation_unassigned(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now - EXPIRES_AFTER - timedelta(seconds=5))  # stale
    presence.heartbeat(db, "Bob", "b", OFFLINE, now=now)
    assert list(_arrive(db, team, _numbers(2), now).values()) == [None, None]


def test_off_by_default(db) -> None:
    now = datetime.now(UTC)
    with db.write() as s:
        channel = add_channel(s)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    assert list(_arrive(db, channel, _numbers(1), now).values()) == [None]


def test_a_reopened_conversation_is_assigned_but_an_open_unassigned_one_is_left_alone(db, team) -> None:
    now = datetime.now(UTC)
    with db.write() as s:
        resolved = _conversation(s, team.id, "+15554100001")
        conversations.set_fields(
            s, resolved, status=ConversationStatus.RESOLVED.value, last_message_direction="inbound"
        )
        still_open = _conversation(s, team.id, "+15554100002")
        conversations.set_fields(s, still_open, last_message_direction="inbound")
        mine = _conversation(s, team.id, "+15554100003")
        conversations.set_fields(s, mine, status=ConversationStatus.RESOLVED.value, assignee="Carol")
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    got = _arrive(db, team, ["+15554100001", "+15554100002", "+15554100003"], now)
    assert got == {"+15554100001": "Alice", "+15554100002": None, "+15554100003": "Carol"}


def test_a_replayed_batch_assigns_nothing_more(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    _arrive(db, team, _numbers(1), now)
    with db.write() as s:
        conv = conversations.find(s, _contact(s, _numbers(1)[0]), team.id)
        conversations.set_fields(s, conv, assignee=None)
    assert list(_arrive(db, team, _numbers(1), now).values()) == [None], "nothing new was stored"


def _contact(s, number: str) -> int:
    from inbox.store import contacts

    return contacts.by_phone(s, number).id


def test_when_offline_unassign_returns_an_offline_agents_open_work(db, team) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    presence.heartbeat(db, "Bob", "b", ONLINE, now=now)
    _arrive(db, team, _numbers(2), now)  # Alice, Bob
    assert assignment.release_offline(db, now=now) == [], "policy is keep by default"
    assignment.configure(db, "main", when_offline="unassign", actor=ADMIN)
    presence.heartbeat(db, "Bob", "b", AWAY, now=now)  # away keeps their work
    assert assignment.release_offline(db, now=now) == []
    presence.sign_off(db, "Alice", "a", now=now)
    released = assignment.release_offline(db, now=now)
    assert len(released) == 1
    assert list(_assignees(db, team, _numbers(2)).values()) == [None, "Bob"]
    # Bob's desktop stops beating: after the expiry window he counts as offline too.
    assert len(assignment.release_offline(db, now=now + EXPIRES_AFTER + timedelta(seconds=1))) == 1


def test_the_leader_forgets_very_old_rows(db) -> None:
    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "old", ONLINE, now=now - FORGET_AFTER - timedelta(minutes=1))
    presence.heartbeat(db, "Alice", "new", ONLINE, now=now)
    assignment.release_offline(db, now=now)
    with db.read() as s:
        assert [r.session_id for r in s.query(PresenceRow)] == ["new"]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"capacity": "0"}, "from 1 to 1,000"),
        ({"capacity": "ten"}, "whole number"),
        ({"when_offline": "vanish"}, "keep or unassign"),
        ({}, "Nothing to change"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(db, team, fields, words) -> None:
    with pytest.raises(InvalidAssignmentSetting, match=words):
        assignment.configure(db, "main", **fields, actor=ADMIN)
    saved = assignment.policy_of(db, team.id)
    assert (saved.auto_assign, saved.capacity, saved.when_offline) == (True, 2, OfflinePolicy.KEEP)


def test_only_an_admin_changes_the_setting_once_there_is_a_team(db, team) -> None:
    from inbox.store.agents import PermissionDenied

    with pytest.raises(PermissionDenied):
        assignment.configure(db, "main", auto_assign=False, actor="Alice")
    assert assignment.policy_of(db, team.id).auto_assign


def test_the_leaders_presence_job_releases_and_tells_the_views(db, team) -> None:
    from inbox.core.events import ConversationsChanged
    from inbox.engine.runner import JOBS, Runner

    now = datetime.now(UTC)
    presence.heartbeat(db, "Alice", "a", ONLINE, now=now)
    _arrive(db, team, _numbers(1), now)
    assignment.configure(db, "main", when_offline="unassign", actor=ADMIN)
    presence.sign_off(db, "Alice", "a")
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    job = next(j for j in JOBS if j.id == "presence")
    job.scheduled(Runner(db, events=bus))
    assert list(_assignees(db, team, _numbers(1)).values()) == [None]
    assert [type(e) for e in seen] == [ConversationsChanged]
