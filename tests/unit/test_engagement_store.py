"""Engagement store and step on both backends: CSAT after resolution, STOP ends a survey, timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.engagement import Question, QuestionKind
from inbox.core.models import Channel, InboundMessage, OptOutSource
from inbox.engine import automation, engagement
from inbox.store import channels, contacts, conversations, csat, messages, optouts, surveys

NUMBER = "+15557654321"


def _channel(s) -> Channel:
    return channels.add(
        s,
        name="main",
        provider="twilio",
        number="+15550001111",
        account_sid="AC1",
        base_url=None,
        auth_token_ref="env:X",
        provider_handles_opt_out=True,
        help_text="",
        poll_interval_seconds=1.0,
    )


def _inbound(db, channel: Channel, body: str, at: datetime, sid: str) -> list[str]:
    """Ingest one MO through the real chain; returns the bodies of the replies it queued."""
    with db.write() as s:
        contact_id = contacts.get_or_create(s, NUMBER)
        conv_id = conversations.get_or_create(s, contact_id, channel.id, at)
        msg = InboundMessage(sid, NUMBER, channel.number, body, at)
        msg_id = messages.insert_inbound(s, channel.id, conv_id, msg, channel.number)
        ctx = automation.InboundContext(s, channel, contact_id, conv_id, msg_id, NUMBER, body, at)
        automation.run(ctx)
        return [m.body for m in messages.get_many(s, ctx.queued_ids)]


def test_stop_ends_a_running_survey_and_timeouts_expire(db) -> None:
    now = datetime.now(UTC)
    with db.write() as s:
        channel = _channel(s)
        survey = surveys.create(
            s,
            channel_id=channel.id,
            name="s",
            trigger_keyword="SURVEY",
            timeout_seconds=60,
            questions=[Question("Q1?", QuestionKind.NUMBER, minimum=1, maximum=5), Question("Q2?")],
        )
    assert _inbound(db, channel, "survey", now, "SM1") == ["Q1? (1-5)"]
    assert _inbound(db, channel, "STOP", now + timedelta(seconds=1), "SM2") == []  # provider confirms STOP
    engagement.tick(db, now + timedelta(seconds=2))
    with db.read() as s:
        (row,) = surveys.responses(s, survey.id)
    assert row.state == surveys.STOPPED
    with db.write() as s:
        optouts.record(
            s, contacts.by_phone(s, NUMBER).id, channel.id, opted_out=False, at=now, source=OptOutSource.AGENT
        )
    assert _inbound(db, channel, "survey", now + timedelta(seconds=3), "SM3") == ["Q1? (1-5)"]
    engagement.tick(db, now + timedelta(minutes=5))
    with db.read() as s:
        assert surveys.responses(s, survey.id)[0].state == surveys.TIMED_OUT


def test_csat_is_asked_once_after_resolution_and_recorded_against_the_agent(db) -> None:
    now = datetime.now(UTC)
    with db.write() as s:
        channel = _channel(s)
        csat.configure(s, channel.id, enabled=True)
    _inbound(db, channel, "my parcel is late", now + timedelta(seconds=1), "SM1")
    with db.write() as s:
        conv_id = conversations.find(s, contacts.by_phone(s, NUMBER).id, channel.id)
        conversations.set_fields(s, conv_id, status="resolved", assignee="sam")
    assert engagement.ask_csat(db, now + timedelta(seconds=2)) == 1
    assert engagement.ask_csat(db, now + timedelta(seconds=3)) == 0  # once per resolution
    assert _inbound(db, channel, "5", now + timedelta(seconds=4), "SM2") == ["Thank you for your rating!"]
    with db.read() as s:
        (resp,) = csat.responses(s)
    assert (resp.conversation_id, resp.agent, resp.score) == (conv_id, "sam", 5)
