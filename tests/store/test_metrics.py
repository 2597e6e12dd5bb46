"""Metrics on hand-built conversations whose answers are worked out by hand (README "Metrics")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from inbox.reports import metrics, team
from inbox.reports.filters import ReportFilter
from inbox.store.agents import PermissionDenied, Role
from tests.store.report_seed import DAY1, DAY2, END, at, seed

RANGE = ReportFilter(start=DAY1, end=END)


@pytest.fixture
def seeded(db):
    return seed(db)


def _report(db, flt=RANGE, period=None, actor="admin"):
    return metrics.report(db, actor, flt, period=period, tz=UTC, now=END)


def test_totals_match_the_hand_worked_answers(db, seeded) -> None:
    m = _report(db).total
    assert (m.mo, m.mt, m.new_conversations) == (7, 5, 3)
    # First responses: A 600 s, B 1200 s. Responses add A's second turn (10:00 → 10:30).
    assert (m.first_response.count, m.first_response.median, m.first_response.p90) == (2, 900, 1140)
    assert (m.response.count, m.response.median, m.response.p90) == (3, 1200, 1680)
    assert (m.resolution.count, m.resolution.median) == (1, 7200)
    assert (m.agent_replies, m.automated_replies, m.automation_share) == (3, 2, 0.4)
    # by what answered: the compliance step (a keyword) and an unattributed automation, no rule
    assert m.automated_by == (("automation", 1), ("keywords", 1))
    assert (m.opt_outs, m.opt_ins) == (1, 1)
    assert (m.delivered, m.undelivered, m.failed, m.delivery_success_rate) == (2, 1, 1, 0.5)
    assert [(r.error_code, r.count) for r in m.failure_reasons] == [(30003, 1), (30005, 1)]
    assert m.segments_sent == 5  # 1 + 2 + 1 + 1; the failed message was never billed


def test_waiting_is_a_snapshot_with_the_oldest_wait(db, seeded) -> None:
    w = _report(db).waiting
    assert w.conversations == 2
    assert w.oldest_since == at(DAY1, 13)
    assert w.oldest_wait_seconds == 35 * 3600  # 13:00 on day 1 to the end of day 2


def test_day_buckets_split_events_by_when_they_happened(db, seeded) -> None:
    rep = _report(db, period="day")
    day1, day2 = rep.buckets
    assert (day1.start, day1.end, day2.end) == (DAY1, DAY2, END)
    assert (day1.mo, day1.mt, day1.new_conversations, day1.response.count, day1.resolution.count) == (5, 4, 2, 3, 1)
    assert (day2.mo, day2.mt, day2.new_conversations, day2.opt_outs, day2.opt_ins) == (2, 1, 1, 1, 1)
    assert day2.response.count == 0 and day2.automation_share == 1.0


def test_filters_by_agent_label_and_channel(db, seeded) -> None:
    alice = _report(db, ReportFilter(start=DAY1, end=END, agent="alice")).total
    assert (alice.mo, alice.first_response.median, alice.response.count) == (3, 600, 2)
    billing = _report(db, ReportFilter(start=DAY1, end=END, label="billing")).total
    assert billing.mo == 3 and billing.resolution.median == 7200
    promo = _report(db, ReportFilter(start=DAY1, end=END, channel_id=seeded.promo)).total
    assert (promo.mo, promo.opt_outs, promo.agent_replies) == (2, 1, 0)
    assert _report(db, ReportFilter(start=DAY1, end=END, channel_id=seeded.main)).total.opt_outs == 0


def test_a_turn_started_in_range_counts_even_if_answered_later(db, seeded) -> None:
    # Only 12:00–12:10 on day 1: B's turn starts there, its answer comes at 12:20.
    m = _report(db, ReportFilter(start=at(DAY1, 12), end=at(DAY1, 12, 10))).total
    assert (m.mo, m.mt, m.response.count, m.first_response.median) == (1, 0, 1, 1200)


def test_agents_see_only_their_own_numbers(db, seeded) -> None:
    team.add_agent(db, "admin", "alice", Role.AGENT)
    team.add_agent(db, "admin", "boss", Role.SUPERVISOR)
    assert _report(db, actor="alice").total.mo == 3  # scoped to alice's conversations
    with pytest.raises(PermissionDenied):
        _report(db, ReportFilter(start=DAY1, end=END, agent="bob"), actor="alice")
    with pytest.raises(PermissionDenied):
        _report(db, actor="mallory")  # not on the team
    assert _report(db, actor="boss").total.mo == 7
    per_agent = dict(metrics.breakdown(db, "boss", RANGE, by="agent", tz=UTC, now=END))
    assert (per_agent["alice"].mo, per_agent["bob"].mo) == (3, 2)
    with pytest.raises(PermissionDenied):
        metrics.breakdown(db, "alice", RANGE, by="agent")


def test_day_boundaries_follow_the_viewer_time_zone_across_dst() -> None:
    ny = ZoneInfo("America/New_York")  # DST starts 2024-03-10 at 02:00
    start = datetime(2024, 3, 9, 5, tzinfo=UTC)
    end = datetime(2024, 3, 12, 4, tzinfo=UTC)
    edges = metrics.boundaries(start, end, "day", ny)
    assert [e.hour for e in edges] == [5, 5, 4, 4]
    months = metrics.boundaries(datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC), "month", UTC)
    assert [e.day for e in months] == [15, 1, 1, 2]


def test_verification_success_rate_when_the_feature_exists(db, seeded) -> None:
    tables = pytest.importorskip("inbox.store.verification_tables")
    with db.write() as s:
        for status in ("verified", "verified", "locked", "expired", "pending", "cancelled"):
            s.add(
                tables.VerificationChallengeRow(
                    kind="agent",
                    phone="+15551230001",
                    channel_id=seeded.main,
                    conversation_id=seeded.conv_a,
                    actor="alice",
                    status=status,
                    code_length=6,
                    code_salt="s",
                    code_digest="d",
                    key_id="k",
                    max_attempts=3,
                    max_sends=3,
                    created_at=at(DAY1, 9),
                    expires_at=at(DAY1, 10),
                )
            )
    m = _report(db).total
    assert (m.verifications, m.verifications_succeeded, m.verification_success_rate) == (4, 2, 0.5)


def test_review_queue_filters_and_notes(db, seeded) -> None:
    from datetime import timedelta

    from inbox.reports import review

    def ids(**kw) -> list[int]:
        return [i.conversation.id for i in review.queue(db, "admin", review.ReviewFilter(**kw), now=END)]

    a, b, c = seeded.conv_a, seeded.conv_b, seeded.conv_c
    assert ids() == [b, c, a]  # longest wait first: B 35 h (still waiting), C 16 h, A 30 min
    assert ids(no_reply_within=timedelta(minutes=25)) == [b, c, a]
    assert ids(no_reply_within=timedelta(hours=20)) == [b]
    assert ids(waiting_longer_than=timedelta(hours=20)) == [b]
    assert ids(agent="alice") == [a] and ids(label="billing") == [a] and ids(status="resolved") == [a]
    note = review.add_note(db, "admin", a, "  Good tone, slow second answer  ")
    assert note.note == "Good tone, slow second answer" and note.reviewer == "admin"
    assert ids(reviewed=True) == [a] and ids(reviewed=False) == [b, c]
    item = review.queue(db, "admin", review.ReviewFilter(reviewed=True), now=END)[0]
    assert (item.reviews, item.last_review, item.labels) == (1, note, ("billing",))
    assert review.notes(db, "admin", a) == (note,)
    team.add_agent(db, "admin", "alice", Role.AGENT)
    with pytest.raises(PermissionDenied):
        review.add_note(db, "alice", a, "me")
