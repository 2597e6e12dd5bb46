"""A verification code whose send has an unknown outcome is matched by its real text, never re-sent,
on each provider dialect."""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

import pytest

from inbox.core.events import EventBus
from inbox.core.models import MessageStatus
from inbox.engine.runner import Runner
from inbox.engine.verification import Verifier
from inbox.store import messages

from .conftest import TOKEN_ENV

CUSTOMER = "+15553004321"
# The same promises on each provider: a lost answer is reconciled against Twilio's list, Infobip's
# logs, Sinch's batches, ClickSend's history, Textlocal's history or the phone's sent messages, and
# the code never reaches the phone twice.
pytestmark = pytest.mark.parametrize(
    "dialect", ["twilio", "infobip", "sinch", "clicksend", "textlocal", "android-gateway"]
)
CODE_RE = re.compile(r"verification code is (\d{6,10})")


@pytest.fixture(autouse=True)
def keys(monkeypatch, sim_config) -> None:
    monkeypatch.setenv("INBOX_VERIFICATION_KEY", secrets.token_hex(32))
    monkeypatch.setenv(TOKEN_ENV, sim_config.auth_token)


@pytest.fixture
def lost(db, channel, sim):
    """A runner whose one verification-code send reached the provider but whose answer never came back."""
    runner = Runner(db, events=EventBus())
    try:
        Verifier(db).start(channel.id, CUSTOMER, purpose="refund")
        sim.set_faults(reset_rate=1.0)
        assert runner.outbox.send_due().unknown == 1
        sim.set_faults(reset_rate=0.0)
        time.sleep(1.1)  # reconciliation waits until the request has surely been processed
        yield runner
    finally:
        runner.shutdown()


def _provider_id(sim, sid: str) -> str:
    """The id the provider gave the message the phone got (Sinch: its batch's; ClickSend: its own)."""
    (kept,) = [m for m in sim.messages() if m["sid"] == sid]
    extra = kept.get("extra") or {}
    # Sinch: its batch's; ClickSend: its own; Textlocal and the phone: their messageId
    return str(extra.get("batch_id") or extra.get("message_id") or extra.get("messageId") or sid)


def _codes_on_the_phone(sim) -> list[dict]:
    return [m for m in sim.phone(CUSTOMER) if CODE_RE.search(str(m["body"]))]


def test_unknown_code_send_is_reconciled_not_resent(db, sim, lost):
    with db.read() as s:
        [row] = messages.with_status(s, MessageStatus.UNKNOWN)
        assert row.masked and CODE_RE.search(row.body) is None  # the database holds the mask only
    settled = lost.outbox.reconcile(settle=timedelta(0))
    assert (settled.reconciled, settled.requeued) == (1, 0), settled
    for _ in range(3):
        lost.sync_once()
    codes = _codes_on_the_phone(sim)
    assert len(codes) == 1, "the phone got the code exactly once"
    with db.read() as s:
        [sent] = messages.get_many(s, [row.id])
    assert sent.provider_message_id == _provider_id(sim, codes[0]["sid"]) and sent.status is not MessageStatus.UNKNOWN


def test_garbage_during_reconciliation_is_quarantined_and_the_send_stays_unknown(db, sim, lost):
    from sqlalchemy import select

    from inbox.store.models import QuarantineRow

    sim.set_faults(garbage_rate=1.0)  # every answer from now on is not JSON
    report = lost.outbox.reconcile(settle=timedelta(0))
    assert (report.reconciled, report.requeued) == (0, 0) and report.errors
    with db.read() as s:
        assert len(messages.with_status(s, MessageStatus.UNKNOWN)) == 1, "neither linked nor re-sent"
        reasons = list(s.scalars(select(QuarantineRow.reason)))
    assert reasons and all(r.startswith("reconcile: malformed page") for r in reasons), reasons
    sim.set_faults(garbage_rate=0.0)
    assert lost.outbox.reconcile(settle=timedelta(0)).reconciled == 1
    assert len(_codes_on_the_phone(sim)) == 1


def test_a_channel_without_its_token_does_not_stop_reconciling_the_others(db, lost):
    from datetime import UTC, datetime

    from inbox.core.models import AuthorKind
    from inbox.store import contacts, conversations
    from tests.conftest import add_channel

    # A second number whose token was kept for a session that is over, with a send left unknown.
    now = datetime.now(UTC)
    with db.write() as s:
        other = add_channel(s, name="other", number="+15550002222", auth_token_ref="env:INBOX_TOKEN_GONE0000")
        conv = conversations.get_or_create(s, contacts.get_or_create(s, "+15553009999"), other.id, now)
        stuck = messages.queue_outbound(
            s,
            channel_id=other.id,
            conversation_id=conv,
            from_number=other.number,
            to_number="+15553009999",
            body="hello",
            author_kind=AuthorKind.AGENT,
            author="Dana",
            at=now,
        )
        messages.set_fields(s, stuck, status=MessageStatus.UNKNOWN.value)
    report = lost.outbox.reconcile(settle=timedelta(0))  # must not raise
    assert report.reconciled == 1 and any("auth token" in e for e in report.errors), report
    with db.read() as s:
        assert [m.id for m in messages.with_status(s, MessageStatus.UNKNOWN)] == [stuck]
