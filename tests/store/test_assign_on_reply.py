"""A channel may say "replying to an unassigned conversation assigns it to you": the reply and the
assignment commit together, a refused reply assigns nothing, and a held conversation stays held."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.core.models import OptOutSource
from inbox.engine import assignment
from inbox.engine.service import InboxService, SendRefused, StaleReply
from inbox.store import agents, audit, contacts, conversations, optouts
from inbox.store.agents import Role
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def inbox(db):
    """Channel main; conversations: free, held by sam, free but opted out."""
    with db.write() as s:
        ch = add_channel(s)
        ids = []
        for i, owner in enumerate([None, "sam", None]):
            contact = contacts.get_or_create(s, f"+1555123000{i}")
            conv = conversations.get_or_create(s, contact, ch.id, T0)
            conversations.set_fields(s, conv, assignee=owner)
            ids.append(conv)
        optouts.record(s, contact, ch.id, opted_out=True, at=T0, source=OptOutSource.KEYWORD, keyword="STOP")
        for name, role in (("dana", Role.AGENT), ("sam", Role.AGENT), ("sue", Role.SUPERVISOR), ("ada", Role.ADMIN)):
            agents.upsert(s, name, role)
    return ids


def held_by(db, conversation_id: int) -> str | None:
    return InboxService(db, agent="ada").conversation_summaries([conversation_id])[0].assignee


def turn_on(db) -> None:
    saved = assignment.configure(db, "main", assign_on_reply=True, actor="ada")
    assert saved.assign_on_reply and not saved.auto_assign


def test_off_by_default_a_reply_leaves_the_conversation_unassigned(db, inbox) -> None:
    free, _, _ = inbox
    InboxService(db, agent="dana").send_reply(free, "hello")
    assert held_by(db, free) is None


def test_on_a_reply_to_an_unassigned_conversation_assigns_the_replier_with_an_audit_entry(db, inbox) -> None:
    free, sams, _ = inbox
    turn_on(db)
    InboxService(db, agent="dana").send_reply(free, "hello")
    InboxService(db, agent="sue").send_reply(sams, "sue here")  # held: stays sam's
    assert (held_by(db, free), held_by(db, sams)) == ("dana", "sam")
    with db.read() as s:
        (event,) = [e for e in audit.recent(s) if e.action == "assign"]
    assert (event.actor, event.subject, event.detail) == (
        "dana",
        f"conversation:{free}",
        {"to": "dana", "on_reply": True},
    )


def test_a_refused_reply_assigns_nothing(db, inbox) -> None:
    free, _, opted_out = inbox
    dana = InboxService(db, agent="dana")
    first = dana.send_reply(free, "first")
    InboxService(db, agent="sue").send_reply(free, "second")
    turn_on(db)
    with pytest.raises(SendRefused, match="opted out"):
        dana.send_reply(opted_out, "still there?")
    with pytest.raises(StaleReply):  # sue answered since dana looked
        dana.send_reply(free, "me too", after=first.id)
    assert (held_by(db, opted_out), held_by(db, free)) == (None, None)


def test_only_an_admin_changes_the_setting(db, inbox) -> None:
    with pytest.raises(agents.PermissionDenied):
        assignment.configure(db, "main", assign_on_reply=True, actor="sue")
    assert not assignment.policy_of(db, 1).assign_on_reply
