"""Editing and removing a channel through the engine's doors, on both backends: what is refused
changes nothing, removal keeps the history and nothing queued for the channel is sent after it."""

from __future__ import annotations

import pytest

from inbox.core.models import MessageStatus
from inbox.engine import setup
from inbox.engine.connections import ProviderPool
from inbox.engine.outbox import Outbox
from inbox.engine.service import InboxService, SendRefused
from inbox.store import audit, channels, messages
from tests.conftest import OUR_NUMBER

CUSTOMER = "+15557654321"


def _add(db, name: str = "main", number: str = OUR_NUMBER):
    return setup.add_channel(db, name=name, account_sid="AC" + "0" * 32, number=number, auth_token_ref="env:X")


def test_an_edit_is_checked_audited_and_refused_whole(db) -> None:
    main, other = _add(db), _add(db, "other", "+15550002222")
    edited = setup.edit_channel(db, main.id, name="support", poll_interval_seconds=2, provider_handles_opt_out=False)
    assert (edited.name, edited.poll_interval_seconds, edited.provider_handles_opt_out) == ("support", 2.0, False)
    for refused in (
        {"name": "other"},  # taken
        {"number": "+1 555 000 2222"},  # another active channel's number, however written
        {"name": "fine", "help_text": "x" * 1601},  # one bad value: nothing of the edit is kept
        {"number": "nope"},
        {"base_url": "http://example.com"},
    ):
        with pytest.raises(setup.SetupRefused):
            setup.edit_channel(db, main.id, **refused)
    with db.read() as s:
        assert channels.get(s, main.id) == edited and channels.get(s, other.id) == other
        (entry,) = [e for e in audit.recent(s) if e.action == "channel_edit"]
    assert entry.detail == {"name": "support", "changed": ["name", "poll_interval_seconds", "provider_handles_opt_out"]}


def test_removal_keeps_history_and_fails_what_was_queued(db) -> None:
    main = _add(db)
    service = InboxService(db, agent="sam")
    queued = service.send_to("main", CUSTOMER, "Queued before the removal")
    preview = setup.removal_preview(db, main.id)
    assert (preview.conversations, preview.failed_queued) == (1, 1)

    done = setup.remove_channel(db, main.id, actor="sam")
    assert (done.conversations, done.failed_queued, done.channel.active) == (1, 1, False)
    with db.read() as s:
        (row,) = messages.get_many(s, [queued.id])
        assert row.status is MessageStatus.FAILED and "channel main was removed" in (row.error_message or "")
        assert channels.all_active(s) == [] and channels.by_name(s, "main").active is False
        assert [e.action for e in audit.recent(s)][:1] == ["channel_remove"]
    asked: list[object] = []
    report = Outbox(db, ProviderPool(resolve_token=lambda ch: asked.append(ch) or "t")).send_due()
    assert (report.sent, report.failed, asked) == (0, 0, [])  # nothing left to send, no provider asked
    with pytest.raises(SendRefused, match="was removed"):
        service.send_to("main", CUSTOMER, "After the removal")
    assert [c.contact_phone for c in service.conversations_page(_all(), 0, 10)] == [CUSTOMER]  # still readable
    with pytest.raises(setup.SetupRefused, match="already removed"):
        setup.remove_channel(db, main.id)
    with pytest.raises(setup.SetupRefused, match="was removed"):
        setup.edit_channel(db, main.id, name="back")
    assert _add(db, "main-2").number == OUR_NUMBER  # the number is free for a new channel


def _all():
    from inbox.engine.service import ConversationFilter

    return ConversationFilter(view="all")
