"""Undoing a resolve or a snooze, on each backend: it puts back what was there, and leaves alone a
conversation that something else moved since (a new text, a colleague) — nothing of theirs is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.models import ConversationStatus
from inbox.engine.service import InboxService
from inbox.store import agents, contacts, conversations
from inbox.store.agents import PermissionDenied, Role
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def conv(db) -> int:
    with db.write() as s:
        ch = add_channel(s)
        return conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)


def _state(db, cid: int) -> tuple[ConversationStatus, datetime | None]:
    with db.read() as s:
        found = conversations.summary(s, cid)
    assert found is not None
    return found.status, found.snoozed_until


def test_undo_puts_back_status_and_snooze_time(db, conv) -> None:
    svc = InboxService(db, agent="dana")
    first = T0 + timedelta(days=30)
    svc.set_status(conv, ConversationStatus.SNOOZED, first)
    change = svc.set_status(conv, ConversationStatus.RESOLVED)
    assert (change.before, change.before_until, change.after) == (
        ConversationStatus.SNOOZED,
        first,
        ConversationStatus.RESOLVED,
    )
    assert svc.undo_status(change) is True
    assert _state(db, conv) == (ConversationStatus.SNOOZED, first)
    assert svc.undo_status(change) is False  # twice: the second finds it no longer resolved


def test_undo_leaves_a_conversation_moved_meanwhile(db, conv) -> None:
    svc = InboxService(db, agent="dana")
    change = svc.set_status(conv, ConversationStatus.SNOOZED, T0 + timedelta(days=1))
    InboxService(db, agent="sam").set_status(conv, ConversationStatus.SNOOZED, T0 + timedelta(days=2))
    assert svc.undo_status(change) is False  # same status, another wake-up time: sam's snooze stays
    assert _state(db, conv) == (ConversationStatus.SNOOZED, T0 + timedelta(days=2))


def test_undo_obeys_the_same_roles_as_the_change(db, conv) -> None:
    change = InboxService(db, agent="sam").set_status(conv, ConversationStatus.RESOLVED)
    with db.write() as s:
        conversations.set_fields(s, conv, assignee="sam")
        agents.upsert(s, "sam", Role.AGENT)
        agents.upsert(s, "dana", Role.AGENT)
    with pytest.raises(PermissionDenied):
        InboxService(db, agent="dana").undo_status(change)
    assert _state(db, conv)[0] is ConversationStatus.RESOLVED
