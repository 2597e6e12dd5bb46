"""A broadcast's life in the engine: fanned out, paused, resumed, finished, cancelled, refused.

Each step is one engine call; the status it leaves (and the moments it stamps) is what the
Engagement page and `inbox broadcasts` show, and what the next step checks before it acts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.engagement import BroadcastStatus
from inbox.core.models import MessageStatus
from inbox.engine import broadcasts as engine
from inbox.store import audit, contacts, messages
from inbox.store import broadcasts as store
from tests.conftest import add_channel

PEOPLE = ["+15553000001", "+15553000002", "+15553000003"]


def _broadcast(db, **fields) -> tuple[int, int]:
    with db.write() as s:
        channel = add_channel(s)
        ids = [contacts.get_or_create(s, number) for number in PEOPLE]
    bc = engine.create(
        db, channel_id=channel.id, body="Sale today!", created_by="sam", contact_ids=ids, kind="transactional", **fields
    )
    assert bc.status is BroadcastStatus.SCHEDULED
    return channel.id, bc.id


def _get(db, broadcast_id: int) -> store.Broadcast:
    with db.read() as s:
        bc = store.get(s, broadcast_id)
    assert bc is not None
    return bc


def _held(db, broadcast_id: int) -> list[datetime]:
    with db.read() as s:
        found = [messages.outbound(s, mid) for mid, _, _ in store.queued_messages(s, broadcast_id)]
    return [m.next_attempt_at for m in found if m is not None and m.next_attempt_at is not None]


def _actions(db) -> list[tuple[str, dict]]:
    with db.read() as s:
        return [(e.action, e.detail) for e in reversed(audit.recent(s))]


def test_fan_out_pause_resume_and_finish_move_the_status_and_stamp_the_moments(db) -> None:
    _, bid = _broadcast(db)
    assert engine.run_due(db) == 3
    bc = _get(db, bid)
    assert bc.status is BroadcastStatus.SENDING and bc.started_at and bc.fanned_out_at and not bc.finished_at

    assert engine.pause(db, bid, "sam") == 3
    assert _get(db, bid).status is BroadcastStatus.PAUSED
    assert all(when.year == 9999 for when in _held(db, bid)), "held until resumed"
    assert ("broadcast_paused", {"held": 3, "was": "sending"}) in _actions(db)
    with pytest.raises(engine.BroadcastRefused):
        engine.pause(db, bid, "sam")

    assert engine.resume(db, bid, "sam") == 3
    assert _get(db, bid).status is BroadcastStatus.SENDING, "fanned out before the pause: sending again"
    assert all(when.year < 9999 for when in _held(db, bid)), "due again"
    with pytest.raises(engine.BroadcastRefused):
        engine.resume(db, bid, "sam")

    engine.finish_sent(db)
    assert _get(db, bid).status is BroadcastStatus.SENDING, "not done while rows wait in the outbox"
    with db.write() as s:
        for mid, _, _ in store.queued_messages(s, bid):
            messages.set_fields(s, mid, status=MessageStatus.SENT.value, provider_message_id=f"SM{mid:032d}")
    engine.finish_sent(db)
    bc = _get(db, bid)
    assert bc.status is BroadcastStatus.DONE and bc.finished_at is not None


def test_a_broadcast_paused_before_its_fan_out_is_scheduled_again_when_resumed(db) -> None:
    _, bid = _broadcast(db, at=datetime.now(UTC) + timedelta(hours=1))
    assert engine.run_due(db) == 0, "not due yet"
    engine.pause(db, bid, "sam")
    engine.resume(db, bid, "sam")
    bc = _get(db, bid)
    assert bc.status is BroadcastStatus.SCHEDULED and bc.started_at is None


def test_cancel_stamps_the_end_fails_what_waits_and_is_refused_twice(db) -> None:
    _, bid = _broadcast(db)
    engine.run_due(db)
    assert engine.cancel(db, bid, "sam") == 3
    bc = _get(db, bid)
    assert bc.status is BroadcastStatus.CANCELLED and bc.finished_at is not None
    with db.read() as s:
        stats = store.stats(s, bid)
    assert stats is not None and stats.cancelled == 3 and stats.queued == 0
    with pytest.raises(engine.BroadcastRefused):
        engine.cancel(db, bid, "sam")
    with pytest.raises(engine.BroadcastRefused):
        engine.cancel(db, bid + 100, "sam")


def test_a_broadcast_whose_text_no_longer_matches_its_dlt_template_is_cancelled_at_fan_out(db) -> None:
    channel_id, bid = _broadcast(db)
    with db.write() as s:
        store.configure_sending(s, channel_id, dlt_entity_id="1101234567890")  # registered meanwhile, no template
    assert engine.run_due(db) == 0
    bc = _get(db, bid)
    assert bc.status is BroadcastStatus.CANCELLED and bc.started_at is not None
    assert [a for a, _ in _actions(db)][-1] == "broadcast_refused"
    with db.read() as s:
        assert store.queued_messages(s, bid) == [], "nobody was queued"
