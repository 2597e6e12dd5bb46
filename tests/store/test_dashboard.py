"""The Supervisor dashboard's series, on the hand-worked conversations of `report_seed`."""

from __future__ import annotations

from datetime import UTC

import pytest

from inbox.reports import dashboard, team
from inbox.reports.filters import ReportFilter
from inbox.store.agents import Role
from tests.store.report_seed import DAY1, END, at, seed

RANGE = ReportFilter(start=DAY1, end=END)


@pytest.fixture
def seeded(db):
    return seed(db)


def test_histogram_buckets_the_same_turns_as_the_response_metric(db, seeded) -> None:
    d = dashboard.load_dashboard(db, "admin", RANGE, "day", UTC, END)
    counts = dict(d.histogram)
    # Turns waited 600 s, 1200 s and 1800 s; a bucket's upper bound is exclusive.
    assert counts == {label: 0 for label, _ in dashboard.BUCKETS} | {"5–15m": 1, "15–30m": 1, "30–60m": 1}
    assert sum(counts.values()) == d.report.total.response.count


def test_histogram_counts_only_turns_that_started_in_range(db, seeded) -> None:
    # 12:00–12:10 on day 1 holds the start of B's 1200 s turn only.
    flt = ReportFilter(start=at(DAY1, 12), end=at(DAY1, 12, 10))
    assert sum(n for _, n in dashboard.response_histogram(db, flt)) == 1


def test_conversations_handled_count_replies_by_the_assignee(db, seeded) -> None:
    # alice replied in her conversation; bob in his.
    assert dashboard.conversations_handled(db, RANGE) == {"alice": 1, "bob": 1}
    d = dashboard.load_dashboard(db, "admin", RANGE, "day", UTC, END)
    assert {a.name: a.handled for a in d.agents} == {"alice": 1, "bob": 1}


def test_only_supervisors_and_admins_open_the_dashboard(db, seeded) -> None:
    team.add_agent(db, "admin", "alice", Role.AGENT)
    team.add_agent(db, "admin", "boss", Role.SUPERVISOR)
    assert dashboard.access(db, "boss") is None
    refusal = dashboard.access(db, "alice")
    assert refusal is not None and "supervisor role" in refusal and "alice" in refusal
    with pytest.raises(dashboard.NotASupervisor):
        dashboard.load_dashboard(db, "alice", RANGE, "day", UTC, END)


def test_filter_options_list_channels_assignees_and_labels(db, seeded) -> None:
    options = dashboard.load_options(db)
    assert options.agents == ("alice", "bob")
    assert len(options.channels) == 2 and "billing" in options.labels
