"""The engine refuses bad configuration and bad sends whatever the front end (CLI, wizard, scripts)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inbox.core import durations
from inbox.engine import setup
from inbox.engine.leadership import Leadership
from inbox.engine.runner import Runner
from inbox.engine.service import InboxService, SendRefused
from inbox.store import channels
from inbox.store.models import ContactRow, ConversationRow, MessageRow
from tests.conftest import OUR_NUMBER

SID = "AC" + "0" * 32
CUSTOMER = "+15557654321"


def _add(db, **overrides):
    fields = dict(name="main", account_sid=SID, number=OUR_NUMBER, auth_token_ref="env:X")
    fields.update(overrides)
    return setup.add_channel(db, **fields)


def _counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (ContactRow, ConversationRow, MessageRow))


@pytest.mark.parametrize("bad", [-1, 0, float("nan")])
def test_runner_and_leadership_refuse_durations_that_would_spin(db, bad: float) -> None:
    with pytest.raises(durations.InvalidDuration):
        Runner(db, poll_interval=bad)
    with pytest.raises(durations.InvalidDuration):
        Leadership(db, period=bad)


def test_a_stored_interval_from_before_the_bounds_is_clamped_when_the_runner_starts(db) -> None:
    from sqlalchemy import update

    from inbox.store.models import ChannelRow

    _add(db)
    with db.write() as s:
        s.execute(update(ChannelRow).values(poll_interval_seconds=-1.0))
    runner = Runner(db)
    runner.start()
    try:
        assert runner._scheduler.get_job("poll").trigger.interval.total_seconds() == durations.POLL_INTERVAL.low
    finally:
        runner.shutdown()


def test_setup_refuses_a_second_channel_on_one_number_written_differently(db) -> None:
    _add(db)
    with pytest.raises(setup.SetupRefused, match="Channel 'main' already uses this number"):
        _add(db, name="Main Two", number="+1 555 000 1111")
    with db.read() as s:
        assert [c.name for c in channels.all_active(s)] == ["main"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("name", "", "empty"),
        ("name", "x" * 10_000, "10,000 characters long; the limit is 80"),
        ("name", "x" * 81, "the limit is 80"),
        ("name", "\x1b[2J\x1b[31mmain", "control or formatting"),
        ("name", "main\u202egnp.exe", "control or formatting"),
        ("base_url", "file:///etc/passwd", "https://"),
        ("base_url", "not a url", "https://"),
        ("help_text", "Help! " * 300, "segments"),
        ("poll_interval_seconds", float("nan"), "poll interval"),
        ("poll_interval_seconds", -1, "poll interval"),
        ("number", "123", "short code"),
    ],
)
def test_setup_refuses_bad_channel_values_and_writes_nothing(db, field: str, value: object, says: str) -> None:
    stored: list[str] = []
    with pytest.raises(setup.SetupRefused, match=says):
        _add(db, **{field: value}, store_token=lambda: stored.append("token"))
    assert stored == []
    with db.read() as s:
        assert channels.all_active(s) == []


def test_a_printable_unicode_name_is_accepted_and_the_help_text_is_saved_within_the_limit(db) -> None:
    ch = _add(db, name="Soporte – José (UK)", help_text="x" * 1600)
    assert ch.name == "Soporte – José (UK)" and len(ch.help_text) == 1600
    with pytest.raises(setup.SetupRefused, match=r"1,601 characters \(11 GSM-7 segments\)"):
        setup.set_help_text(db, ch.id, "x" * 1601)
    assert setup.set_help_text(db, ch.id, "Acme: call 555-0100").help_text == "Acme: call 555-0100"


def test_sending_to_the_channels_own_number_is_refused_and_creates_nothing(db) -> None:
    _add(db)
    svc = InboxService(db, agent="sam")
    with pytest.raises(SendRefused, match="own number"):
        svc.send_to("main", "+1 555 000 1111", "hello me")
    assert _counts(db) == (0, 0, 0)


def test_a_refused_first_message_leaves_no_orphan_conversation(db) -> None:
    """Invalid UTF-8 from a command line, and an agent name longer than its column, are refused
    before anything is written: no contact and no empty conversation are left behind."""
    _add(db)
    undecodable = b"\xff".decode("utf-8", "surrogateescape")
    with pytest.raises(SendRefused, match="not UTF-8"):
        InboxService(db, agent="sam").send_to("main", CUSTOMER, f"hi {undecodable}")
    with pytest.raises(SendRefused, match="the limit is 120"):
        InboxService(db, agent="a" * 121).send_to("main", CUSTOMER, "hi")
    with pytest.raises(SendRefused, match="Too long"):
        InboxService(db, agent="sam").send_to("main", CUSTOMER, "x" * 1601)
    assert _counts(db) == (0, 0, 0)
    msg = InboxService(db, agent="sam").send_to("main", CUSTOMER, "hi")
    assert msg.author == "sam" and _counts(db) == (1, 1, 1)


def test_an_opted_out_refusal_for_a_new_conversation_rolls_back_too(db) -> None:
    from datetime import UTC, datetime

    from inbox.core.models import OptOutSource
    from inbox.store import contacts, optouts

    ch = _add(db)
    with db.write() as s:
        cid = contacts.get_or_create(s, CUSTOMER)
        optouts.record(s, cid, ch.id, opted_out=True, at=datetime.now(UTC), source=OptOutSource.KEYWORD, keyword="STOP")
    with pytest.raises(SendRefused, match="opted out"):
        InboxService(db, agent="sam").send_to("main", CUSTOMER, "hi")
    assert _counts(db) == (1, 0, 0)


@pytest.mark.parametrize("bad", [-60, 0, 40 * 86400])
def test_surveys_refuse_a_timeout_out_of_bounds(db, bad: int) -> None:
    from inbox.core.engagement import Question, QuestionKind
    from inbox.store import surveys

    ch = _add(db)
    with pytest.raises(durations.InvalidDuration), db.write() as s:
        surveys.create(
            s, channel_id=ch.id, name="s", questions=[Question("How?", QuestionKind.TEXT)], timeout_seconds=bad
        )


@pytest.mark.parametrize("bad", [-3600, 0, 2 * 365 * 86400])
def test_contests_refuse_an_entry_period_out_of_bounds(db, bad: int) -> None:
    from datetime import UTC, datetime

    from inbox.store import contests

    ch = _add(db)
    with pytest.raises(durations.InvalidDuration), db.write() as s:
        contests.create(s, channel_id=ch.id, name="c", opens_at=datetime.now(UTC), keyword="WIN", period_seconds=bad)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), 10_000])
def test_a_broadcast_rate_that_would_mean_no_throttle_is_refused(db, bad: float) -> None:
    from inbox.store import broadcasts

    ch = _add(db)
    with pytest.raises(durations.InvalidDuration), db.write() as s:
        broadcasts.configure_sending(s, ch.id, rate_per_second=bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, 31])
def test_a_lookup_timeout_must_be_finite_and_bounded(bad: float) -> None:
    from inbox.core import rules

    spec = rules.RuleSpec(
        "bal",
        ("BALANCE",),
        action=rules.Action(
            rules.ActionKind.LOOKUP, url="https://example.com/b", reply="{balance}", fallback="later", timeout=bad
        ),
    )
    with pytest.raises(rules.RuleRefused, match="lookup timeout"):
        rules.validate(spec)


def test_a_code_cannot_live_longer_than_a_day() -> None:
    from datetime import timedelta

    from inbox.core.verification import CodePolicy

    with pytest.raises(durations.InvalidDuration):
        CodePolicy(lifetime=timedelta(days=2))
