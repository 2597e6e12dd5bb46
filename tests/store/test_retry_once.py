"""Retry sends a failed text again once (issue 15, item 4): the original is marked retried, and a
second Retry — the same desktop, another desktop, a race between two processes, the CLI — is refused
and sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from inbox.core.models import MessageStatus
from inbox.engine.service import InboxService, SendRefused
from inbox.store import contacts, conversations, messages
from inbox.store.models import MessageRow
from tests.conftest import add_channel

CUSTOMER = "+15557654321"


def _failed(db) -> int:
    with db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, CUSTOMER), ch.id, datetime.now(UTC))
    msg = InboxService(db, agent="dana").send_reply(conv, "Your parcel left today")
    with db.write() as s:
        messages.set_fields(s, msg.id, status=MessageStatus.UNDELIVERED.value, error_message="Unreachable handset")
    return msg.id


def _queued(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.status == "queued"))


def test_a_failed_message_is_retried_once(db) -> None:
    original = _failed(db)
    copy = InboxService(db, agent="dana").retry(original)
    assert (copy.retry_of_id, copy.body, copy.status) == (original, "Your parcel left today", MessageStatus.QUEUED)
    with db.read() as s:
        (shown,) = messages.get_many(s, [original])
        page = messages.page(s, shown.conversation_id, None, 10)
    assert shown.retried and [m.retried for m in page] == [True, False]
    with pytest.raises(SendRefused, match=f"Already retried: message {copy.id}"):
        InboxService(db, agent="dana").retry(original)
    with pytest.raises(SendRefused, match="Already retried"):
        InboxService(db, agent="sam").retry(original)  # another desktop, another agent
    assert _queued(db) == 1


def test_two_processes_retrying_at_once_send_one_copy(db, monkeypatch) -> None:
    original = _failed(db)
    InboxService(db, agent="dana").retry(original)
    # The other process read "not retried yet" just before this one committed: the index refuses it.
    monkeypatch.setattr(messages, "retry_of", lambda s, message_id: None)
    with pytest.raises(SendRefused, match="Already retried by someone else"):
        InboxService(db, agent="sam").retry(original)
    assert _queued(db) == 1


def test_the_cli_retries_once_then_refuses(sqlite_db, sqlite_url) -> None:
    from tests.e2e.conftest import env_with
    from tests.e2e.test_cli import inbox

    original = _failed(sqlite_db)
    env = env_with(INBOX_DATABASE_URL=sqlite_url, INBOX_AGENT="dana")
    first = inbox("retry", str(original), env=env, check=False)
    assert first.returncode == 0 and "(a copy of message" in first.stdout, first.stderr
    second = inbox("retry", str(original), env=env, check=False)
    assert second.returncode == 3 and second.stderr.startswith("Refused: Already retried"), second.stderr
    assert "Traceback" not in second.stderr
    assert _queued(sqlite_db) == 1
    shown = inbox("show", CUSTOMER, env=env).stdout
    assert "[undelivered: Unreachable handset · retried]" in shown
