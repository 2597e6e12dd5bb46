"""An open poll, a running survey or a contest takes only what reads as an answer: a support text
("Hours?") goes on to keyword rules and agents (issue 15, item 1). Through the real chain, both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.engagement import PollOption, Question, QuestionKind, close_to_option
from inbox.core.models import Channel, InboundMessage
from inbox.core.rules import Action, RuleSpec
from inbox.engine import automation, replies
from inbox.store import channels, contacts, contests, conversations, messages, polls, surveys
from inbox.store import rules as stored_rules

STRANGER = "+15557654321"
INVITED = "+15557654322"
OPTIONS = [PollOption("A", "Pizza", ("PIZZA",)), PollOption("B", "Burger", ("BURGER",))]


def _setup(db) -> tuple[Channel, polls.Poll]:
    now = datetime.now(UTC)
    with db.write() as s:
        channel = channels.add(
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
        stored_rules.add(s, RuleSpec("hours", ("HOURS",), action=Action(reply="We are open 9-5.")))
        poll = polls.create(
            s, channel_id=channel.id, question="Lunch?", options=OPTIONS, opens_at=now - timedelta(hours=1)
        )
    return channel, poll


def _inbound(db, channel: Channel, phone: str, body: str, sid: str) -> tuple[str | None, list[str]]:
    """Ingest one MO through the chain: (the step that handled it, the replies it queued)."""
    at = datetime.now(UTC)
    with db.write() as s:
        contact_id = contacts.get_or_create(s, phone)
        conv_id = conversations.get_or_create(s, contact_id, channel.id, at)
        msg_id = messages.insert_inbound(
            s, channel.id, conv_id, InboundMessage(sid, phone, channel.number, body, at), channel.number
        )
        ctx = automation.InboundContext(s, channel, contact_id, conv_id, msg_id, phone, body, at)
        step = automation.run(ctx)
        return step, [m.body for m in messages.get_many(s, ctx.queued_ids)]


def _announce(db, channel: Channel, phone: str) -> None:
    """The poll reaches `phone` the way polls are announced: a broadcast."""
    with db.write() as s:
        contact_id = contacts.get_or_create(s, phone)
        conv_id = conversations.get_or_create(s, contact_id, channel.id, datetime.now(UTC))
        replies.queue(
            s,
            channel,
            contact_id=contact_id,
            conversation_id=conv_id,
            to_number=phone,
            text="Lunch? Text A for pizza, B for burger",
            author="broadcast:1",
            at=datetime.now(UTC),
            touch_conversation=False,
        )


def test_a_support_text_reaches_the_rules_while_a_poll_is_open(db) -> None:
    channel, poll = _setup(db)
    assert _inbound(db, channel, STRANGER, "Hours?", "SM1") == ("rules", ["We are open 9-5."])
    # Something else short from someone never sent the poll: left for an agent, unanswered.
    assert _inbound(db, channel, STRANGER, "C", "SM2") == (None, [])
    assert _inbound(db, channel, STRANGER, "is it open", "SM3") == (None, [])
    with db.read() as s:
        assert polls.results(s, poll.id).total == 0
    # A vote is a vote from anyone: public polls have no recipient list.
    step, sent = _inbound(db, channel, STRANGER, "pizza please", "SM4")
    assert step == "engagement" and "Pizza" in sent[0]


def test_not_an_option_answers_only_a_near_miss_from_someone_sent_the_poll(db) -> None:
    channel, _poll = _setup(db)
    _announce(db, channel, INVITED)
    assert _inbound(db, channel, INVITED, "C", "SM1") == (
        "engagement",
        ["Sorry, that is not an option. Reply with one of: A (Pizza), B (Burger)."],
    )
    step, sent = _inbound(db, channel, INVITED, "Burgr!", "SM2")
    assert step == "engagement" and "not an option" in sent[0]
    assert _inbound(db, channel, INVITED, "Hours?", "SM3") == ("rules", ["We are open 9-5."])
    assert _inbound(db, channel, INVITED, "my order is late", "SM4") == (None, [])


def test_a_running_survey_asks_again_only_for_a_try_at_an_answer(db) -> None:
    channel, _poll = _setup(db)
    with db.write() as s:
        survey = surveys.create(
            s,
            channel_id=channel.id,
            name="s",
            trigger_keyword="SURVEY",
            questions=[
                Question("Pick one", QuestionKind.CHOICE, options=(PollOption("X", "Yes"), PollOption("Y", "No"))),
                Question("Score?", QuestionKind.NUMBER, minimum=1, maximum=5),
            ],
        )
    assert _inbound(db, channel, STRANGER, "survey", "SM1")[0] == "engagement"
    assert _inbound(db, channel, STRANGER, "Hours?", "SM2") == ("rules", ["We are open 9-5."])
    step, sent = _inbound(db, channel, STRANGER, "Z", "SM3")
    assert step == "engagement" and sent[0].startswith("Sorry, I did not get that.")
    assert _inbound(db, channel, STRANGER, "X", "SM4") == ("engagement", ["Score? (1-5)"])
    assert _inbound(db, channel, STRANGER, "where is my parcel", "SM5") == (None, [])
    assert _inbound(db, channel, STRANGER, "9", "SM6")[1][0].startswith("Sorry, I did not get that.")
    assert _inbound(db, channel, STRANGER, "eleven", "SM7")[1][0].startswith("Sorry, I did not get that.")
    with db.read() as s:
        (row,) = surveys.responses(s, survey.id)
    assert row.state == "active"


@pytest.mark.parametrize(
    ("body", "close"),
    [
        ("C", True),
        ("3)", True),
        ("piza", True),
        ("Burgr!", True),
        ("bugrer", True),
        ("brgr", False),
        ("Hours?", False),
        ("A or B", False),
        ("pizzas", True),
    ],
)
def test_close_to_an_option(body: str, close: bool) -> None:
    assert close_to_option(OPTIONS, body) is close


def test_an_open_contest_takes_its_keyword_and_codes_only(db) -> None:
    channel, _poll = _setup(db)
    with db.write() as s:
        contest = contests.create(
            s, channel_id=channel.id, name="Win", opens_at=datetime.now(UTC) - timedelta(hours=1), uses_codes=True
        )
        contests.import_codes(s, contest.id, ["WIN-1234"])
    assert _inbound(db, channel, STRANGER, "Hours?", "SM1") == ("rules", ["We are open 9-5."])
    assert _inbound(db, channel, STRANGER, "win 1234", "SM2")[0] == "engagement"
