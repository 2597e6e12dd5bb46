"""Note mentions on both backends: recorded with the note or not at all, the "Mentions" view,
the notifier's question, marking seen when the agent opens the conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from inbox.engine.service import ConversationFilter, InboxService
from inbox.store import agents, contacts, conversations, mentions, messages
from inbox.store.agents import Role
from inbox.store.mention_tables import NoteMentionRow
from inbox.store.models import MessageRow
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MENTIONS = ConversationFilter(view="mentions")


def _conversations(db, n: int) -> list[int]:
    with db.write() as s:
        ch = add_channel(s)
        ids = []
        for i in range(n):
            contact = contacts.get_or_create(s, f"+1555123000{i}")
            cid = conversations.get_or_create(s, contact, ch.id, T0)
            conversations.set_fields(s, cid, last_activity_at=T0 + timedelta(minutes=i))
            ids.append(cid)
    return ids


@pytest.fixture
def team(db) -> list[int]:
    ids = _conversations(db, 3)
    with db.write() as s:
        for name in ("alice", "Bob", "carol"):
            agents.upsert(s, name, Role.AGENT)
    return ids


def _recorded(db) -> list[tuple[int, str]]:
    with db.read() as s:
        return sorted((m, a) for m, a in s.execute(select(NoteMentionRow.message_id, NoteMentionRow.agent)))


def _mentions_view(db, agent: str) -> list[int]:
    return [c.id for c in InboxService(db, agent=agent).conversations_page(MENTIONS, 0, 50)]


def test_a_note_records_the_team_agents_it_mentions(db, team) -> None:
    note = InboxService(db, agent="carol").add_note(team[0], "@ALICE and @bob, see bob@example.com; @zed?")
    assert _recorded(db) == [(note.id, "Bob"), (note.id, "alice")]


def test_a_note_that_fails_stores_no_mention(db, team, monkeypatch) -> None:
    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(messages, "get_many", broken)  # fails after the mention rows were written
    with pytest.raises(RuntimeError):
        InboxService(db, agent="carol").add_note(team[0], "@alice look")
    monkeypatch.undo()
    assert _recorded(db) == []
    with db.read() as s:
        assert s.query(MessageRow).count() == 0


def test_a_mention_that_cannot_be_stored_stores_no_note(db, team, monkeypatch) -> None:
    def broken(*_a, **_k):
        raise RuntimeError("constraint")

    monkeypatch.setattr(mentions, "record", broken)
    with pytest.raises(RuntimeError):
        InboxService(db, agent="carol").add_note(team[0], "@alice look")
    with db.read() as s:
        assert s.query(MessageRow).count() == 0


def test_the_mentions_view_lists_my_unseen_mentions_newest_first(db, team) -> None:
    old, other, new = team
    carol = InboxService(db, agent="carol")
    carol.add_note(old, "@alice please")
    carol.add_note(new, "@alice and @bob")
    carol.add_note(other, "@bob only")
    InboxService(db, agent="alice").add_note(other, "my own @alice note")
    assert _mentions_view(db, "alice") == [new, old]
    assert _mentions_view(db, "Bob") == [new, other]
    assert _mentions_view(db, "carol") == []
    alice = InboxService(db, agent="alice")
    assert alice.conversations_count(MENTIONS) == 2
    row = alice.conversation_summaries([new])[0]
    assert row.mentions_unseen_by("alice") and row.mentions_unseen_by("Bob") and not row.mentions_unseen_by("carol")


def test_opening_the_conversation_marks_my_mentions_seen_and_only_mine(db, team) -> None:
    carol = InboxService(db, agent="carol")
    carol.add_note(team[0], "@alice @bob")
    carol.add_note(team[0], "again @alice")
    alice = InboxService(db, agent="alice")
    assert len(alice.my_mentions()) == 2
    assert alice.mark_mentions_seen(team[0]) == 2
    assert alice.mark_mentions_seen(team[0]) == 0
    assert _mentions_view(db, "alice") == []
    assert alice.my_mentions() == []
    assert _mentions_view(db, "Bob") == [team[0]]


def test_the_notifier_asks_which_notes_mention_me_and_not_my_own(db, team) -> None:
    theirs = InboxService(db, agent="carol").add_note(team[0], "@alice look")
    mine = InboxService(db, agent="alice").add_note(team[0], "@alice reminder, @carol")
    plain = InboxService(db, agent="carol").add_note(team[0], "no mention")
    alice = InboxService(db, agent="alice")
    assert alice.mentions_of_me([theirs.id, mine.id, plain.id]) == {theirs.id}
    assert InboxService(db, agent="carol").mentions_of_me([theirs.id, mine.id]) == {mine.id}


def test_without_agents_names_of_those_who_worked_here_are_matched(db) -> None:
    ids = _conversations(db, 1)
    with db.write() as s:
        conversations.set_fields(s, ids[0], assignee="Dana")
    note = InboxService(db, agent="lee").add_note(ids[0], "@dana and @nobody")
    assert _recorded(db) == [(note.id, "Dana")]
    assert _mentions_view(db, "Dana") == ids


def test_without_any_names_the_literal_handle_is_recorded(db) -> None:
    ids = _conversations(db, 1)
    note = InboxService(db, agent="lee").add_note(ids[0], "@Dana, see dana@example.com")
    assert _recorded(db) == [(note.id, "dana")]
    assert _mentions_view(db, "Dana") == ids  # matched case-insensitively
    assert InboxService(db, agent="Dana").mark_mentions_seen(ids[0]) == 1


def test_erasing_the_customer_takes_the_mentions_of_their_notes_along(db, team) -> None:
    from inbox.store import retention

    InboxService(db, agent="carol").add_note(team[0], "@alice look")
    with db.write() as s:
        conv = conversations.summary(s, team[0])
        assert conv is not None
        retention.erase_contact(s, conv.contact_id)
    assert _recorded(db) == []
    assert InboxService(db, agent="alice").my_mentions() == []
