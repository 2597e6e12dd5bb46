"""Every rule action, one row each, through the real ingest transaction (no network, both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from inbox.core.models import InboundMessage, PollCursor
from inbox.core.rules import Action, ActionKind, MatchMode, RuleSetSettings, RuleSpec
from inbox.engine import rules as engine_rules
from inbox.engine.ingest import ingest
from inbox.providers.base import InboundBatch
from inbox.store import contacts, conversations, lists, messages
from inbox.store import rules as rule_store
from tests.conftest import add_channel

OURS = "+15550001111"
CUSTOMER = "+15551230000"
MONDAY_NOON = datetime(2025, 3, 3, 12, tzinfo=UTC)
_sid = count(1)


@pytest.fixture
def channel(db):
    with db.write() as s:
        ch = add_channel(s, number=OURS, poll_interval_seconds=5.0)
        lists.create(s, "NEWS")
        lists.create(s, "DEALS", double_opt_in=True)
        for spec in [
            RuleSpec("JOIN", ("join",), action=Action(ActionKind.JOIN)),
            RuleSpec("LEAVE", ("leave",), action=Action(ActionKind.LEAVE)),
            RuleSpec(
                "HOURS",
                ("hours", "opening"),
                MatchMode.ANY_WORD,
                Action(ActionKind.REPLY, reply="Hi {first_name|there}, 9-5 weekdays ({date})."),
            ),
            RuleSpec("VIP", ("vip",), MatchMode.WHOLE, Action(ActionKind.TAG, tag="vip")),
            RuleSpec(
                "AGENT",
                ("agent", "human"),
                action=Action(ActionKind.ASSIGN, assignee="dana", reply="Dana will text you shortly."),
            ),
            RuleSpec("DONE", ("done",), MatchMode.WHOLE, Action(ActionKind.STATUS, status="resolved")),
            RuleSpec(
                "BAL",
                ("balance",),
                action=Action(
                    ActionKind.LOOKUP, url="http://127.0.0.1:9/{number}", reply="{lookup.balance}", fallback="Later."
                ),
            ),
        ]:
            rule_store.add(s, spec)
        contacts.rename(s, contacts.get_or_create(s, CUSTOMER), "Ada Lovelace")
    return ch


def _text(db, channel, body: str, at: datetime = MONDAY_NOON):
    msg = InboundMessage(f"SM{next(_sid):032d}", CUSTOMER, OURS, body, at)
    ingest(db, channel, InboundBatch([msg], PollCursor(at)))
    with db.read() as s:
        contact = contacts.by_phone(s, CUSTOMER)
        conv_id = conversations.find(s, contact.id, channel.id)
        thread = messages.page(s, conv_id, None, 50)
        return contact, conv_id, thread, s


@pytest.mark.parametrize(
    ("body", "author", "reply"),
    [
        ("join news", "rule:JOIN", "You have joined NEWS. Reply LEAVE NEWS to leave, STOP to opt out of all messages."),
        ("JOIN deals!", "rule:JOIN", "Reply YES to confirm you want to join DEALS."),
        ("join", "rule:JOIN", "Which list? Text JOIN followed by one of: DEALS, NEWS."),
        ("join pets", "rule:JOIN", "Sorry, there is no list called PETS. Lists: DEALS, NEWS."),
        ("leave news", "rule:LEAVE", "You are not on NEWS."),
        ("What are your opening times?", "rule:HOURS", "Hi Ada, 9-5 weekdays (2025-03-03)."),
        ("vip", None, None),
        ("human please", "rule:AGENT", "Dana will text you shortly."),
        ("done", None, None),
        ("balance", None, None),  # a lookup job, no reply inside the ingest transaction
        ("where is my parcel?", None, None),  # fallback: open for an agent
    ],
)
def test_each_action_replies_as_its_rule(db, channel, body, author, reply):
    _, _, thread, _ = _text(db, channel, body)
    auto = [(m.author, m.body) for m in thread if m.author_kind.value == "automation"]
    assert auto == ([(author, reply)] if reply else [])


def test_side_effects_of_tag_assign_status_and_lookup(db, channel):
    _, conv_id, _, _ = _text(db, channel, "VIP")
    _text(db, channel, "agent")
    with db.read() as s:
        assert conversations.labels(s, conv_id) == ["vip"]
        summary = conversations.summary(s, conv_id)
        assert summary.assignee == "dana" and summary.status.value == "open"
    _text(db, channel, "done")
    _text(db, channel, "Balance thx")
    with db.read() as s:
        assert conversations.summary(s, conv_id).status.value == "open"  # the new message reopened it
        assert [st for st, _ in rule_store.lookup_statuses(s).values()] == ["pending"]


def test_double_opt_in_confirms_with_yes_and_join_is_idempotent(db, channel):
    _text(db, channel, "join deals")
    contact, _, thread, _ = _text(db, channel, "Yes!")
    assert thread[-1].author == "rule:JOIN" and thread[-1].body.startswith("Thanks! You are now on DEALS.")
    _, _, thread, _ = _text(db, channel, "join deals")
    assert thread[-1].body == "You are already on DEALS."
    _text(db, channel, "leave")
    with db.read() as s:
        assert [(e.list_name, e.state) for e in lists.history(s, contact.id)] == [
            ("DEALS", "pending"),
            ("DEALS", "member"),
            ("DEALS", "left"),
        ]


def test_a_replayed_message_is_answered_once(db, channel):
    msg = InboundMessage("SMdup", CUSTOMER, OURS, "join news", MONDAY_NOON)
    for _ in range(2):
        ingest(db, channel, InboundBatch([msg], PollCursor(MONDAY_NOON)))
    _, _, thread, _ = _text(db, channel, "hello")
    assert [m.author for m in thread if m.author] == ["rule:JOIN"]


def test_after_hours_ack_is_sent_once_per_twelve_hours(db, channel):
    with db.write() as s:
        rule_store.save_settings(s, None, RuleSetSettings(ack_text="We're closed, {first_name}. Back at 9."))
    sunday = datetime(2025, 3, 2, 2, tzinfo=UTC)
    _text(db, channel, "anyone there?", sunday)
    _text(db, channel, "hello??", sunday + timedelta(minutes=5))
    _, _, thread, _ = _text(db, channel, "still nobody", sunday + timedelta(hours=13))
    acks = [m.body for m in thread if m.author == engine_rules.FALLBACK_AUTHOR]
    assert acks == ["We're closed, Ada. Back at 9."] * 2
    _, _, thread, _ = _text(db, channel, "monday question", MONDAY_NOON)
    assert thread[-1].author_kind.value == "customer"  # within hours: no ack


def test_opted_out_or_flagged_contacts_get_no_rule_reply(db, channel):
    _text(db, channel, "join news")
    _text(db, channel, "STOP")
    contact, _, thread, _ = _text(db, channel, "hours?")
    assert thread[-1].author_kind.value == "customer"
    with db.read() as s:
        assert lists.joined(s, contact.id, channel.id) == []


def test_rule_versions_are_kept(db, channel):
    from dataclasses import replace

    with db.write() as s:
        current = rule_store.get(s, "HOURS")
        rule_store.save(s, replace(current.spec, priority=5), by="ops")
        rule_store.set_enabled(s, "HOURS", False, by="ops")
        versions = rule_store.history(s, "HOURS")
    assert [(v.version, v.spec.priority, v.spec.enabled) for v in versions] == [
        (1, 100, True),
        (2, 5, True),
        (3, 5, False),
    ]


def test_replay_reports_what_a_draft_would_change(db, channel):
    from dataclasses import replace

    for body in ("join news", "opening hours?", "refund please", "refund now"):
        _text(db, channel, body)
    with db.read() as s:
        draft = [r.spec for r in rule_store.all_rules(s) if r.spec.name != "HOURS"]
        draft.append(RuleSpec("REFUND", ("refund",), action=Action(ActionKind.REPLY, reply="See acme.com/refunds")))
        draft = [replace(d, priority=1) if d.name == "REFUND" else d for d in draft]
        report = engine_rules.replay(s, draft, MONDAY_NOON - timedelta(days=1))
    assert report.messages == 4 and report.changed == 3
    assert report.fired_draft["REFUND"] == 2 and report.fired_now["fallback"] == 2
    assert {e["message"] for e in report.examples} == {"opening hours?", "refund please", "refund now"}
