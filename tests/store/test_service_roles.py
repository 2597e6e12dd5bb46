"""Role checks live in the engine, not only behind hidden buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.core.models import ConversationStatus
from inbox.engine.service import InboxService, SendRefused
from inbox.store import agents, contacts, conversations
from inbox.store.agents import PermissionDenied, Role
from tests.conftest import add_channel

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def team(db):
    with db.write() as s:
        ch = add_channel(s)
        ids = []
        for i, owner in enumerate(["sam", None]):
            contact = contacts.get_or_create(s, f"+1555123000{i}")
            conv = conversations.get_or_create(s, contact, ch.id, T0)
            conversations.set_fields(s, conv, assignee=owner)
            ids.append(conv)
        agents.upsert(s, "dana", Role.AGENT)
        agents.upsert(s, "sam", Role.AGENT)
        agents.upsert(s, "sue", Role.SUPERVISOR)
    return ids


def test_agent_cannot_reply_to_or_resolve_a_colleagues_conversation(db, team) -> None:
    sams, free = team
    dana = InboxService(db, agent="dana")
    with pytest.raises(SendRefused, match="assigned to sam"):
        dana.send_reply(sams, "hello")
    with pytest.raises(PermissionDenied):
        dana.set_status(sams, ConversationStatus.RESOLVED)
    dana.send_reply(free, "hello")  # unassigned: anyone may answer
    assert InboxService(db, agent="sam").send_reply(sams, "hi").author == "sam"


def test_only_supervisors_reassign(db, team) -> None:
    sams, free = team
    dana = InboxService(db, agent="dana")
    with pytest.raises(PermissionDenied, match="supervisor"):
        dana.assign(sams, "dana")
    dana.assign(free, "dana")  # taking a free conversation is fine
    with pytest.raises(PermissionDenied):
        dana.assign(free, "sam")  # handing it to someone else is not
    InboxService(db, agent="sue").assign(sams, "dana")
    assert InboxService(db, agent="dana").conversation_summaries([sams])[0].assignee == "dana"


def test_unknown_agent_of_a_defined_team_is_refused(db, team) -> None:
    from inbox.engine.service import ConversationFilter

    with pytest.raises(PermissionDenied, match="not an active agent"):
        InboxService(db, agent="mallory").conversations_page(ConversationFilter(view="all"), 0, 10)


def test_laptop_without_a_team_may_do_everything(db) -> None:
    with db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15551230000"), ch.id, T0)
        conversations.set_fields(s, conv, assignee="someone")
    svc = InboxService(db, agent="me")
    svc.assign(conv, "me")
    svc.set_status(conv, ConversationStatus.RESOLVED)
