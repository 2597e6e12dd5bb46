"""Engagement end to end over the real simulator: polls, surveys, contests and broadcasts."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from inbox.core.engagement import PollOption, Question, QuestionKind, draw
from inbox.core.models import OptOutSource
from inbox.engine import broadcasts as broadcast_engine
from inbox.store import broadcasts, contacts, contests, lists, optouts, polls, surveys
from inbox.store.engagement_tables import BroadcastRecipientRow
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER

from .conftest import TOKEN_ENV, env_with


def _voter(i: int) -> str:
    return f"+1555{3000000 + i:07d}"


def _outbound_to(simulator, number: str) -> list[str]:
    return [m["body"] for m in simulator.carrier.all_messages() if m["to"] == number and m["from"] == OUR_NUMBER]


def _wait(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _next_second() -> None:
    """Provider dates have one-second resolution: keep one voter's two texts in order."""
    time.sleep(1.05 - (time.time() % 1.0) if time.time() % 1.0 > 0.05 else 0.05)


def test_poll_with_500_voters_counts_exactly(db, simulator, channel_factory, runner) -> None:
    channel = channel_factory()
    with db.write() as s:
        poll = polls.create(
            s,
            channel_id=channel.id,
            question="Lunch?",
            options=[PollOption("A", "Pizza", ("PIZZA",)), PollOption("B", "Burger", ("BURGER",))],
            opens_at=datetime.now(UTC) - timedelta(minutes=1),
        )
    first: dict[str, str] = {}
    second: dict[str, str] = {}
    for i in range(500):
        n, group = _voter(i), i % 10
        if group == 0:  # opt out, then try to vote: not counted, never answered
            first[n], second[n] = "STOP", "A"
        elif group == 1:  # vote, then opt out: the vote stands
            first[n], second[n] = "A", "STOP"
        elif group == 2:  # invalid, then a valid vote
            first[n], second[n] = "maybe", "b"
        elif group == 3:  # votes twice: the first vote counts
            first[n], second[n] = "A", "B"
        elif group == 4:  # only invalid
            first[n] = "C"
        elif group == 5:
            first[n] = "pizza please"
        elif group in (6, 7):
            first[n] = "a"
        else:
            first[n] = "Burger!"
    for n, body in first.items():
        simulator.carrier.text_in(n, OUR_NUMBER, body)
    runner.sync_once()
    _next_second()
    for n, body in second.items():
        simulator.carrier.text_in(n, OUR_NUMBER, body)
    runner.sync_once()

    with db.read() as s:
        results = polls.results(s, poll.id)
    counts = {o.key: o.votes for o in results.options}
    assert counts == {"A": 50 + 50 + 50 + 100, "B": 50 + 100}
    assert results.total == 400 and abs(sum(o.share for o in results.options) - 1.0) < 1e-9
    assert sum(n for _, _, n in results.over_time) == 400

    # "C" from someone never sent the poll is not answered as a wrong vote: it waits for an agent.
    assert not any("not an option" in b for b in _outbound_to(simulator, _voter(4)))
    assert any("already voted" in b for b in _outbound_to(simulator, _voter(3)))
    assert any("Burger" in b and "counted" in b for b in _outbound_to(simulator, _voter(2)))
    opted_first = _outbound_to(simulator, _voter(0))
    assert not any("vote" in b or "option" in b for b in opted_first), opted_first  # only the provider's STOP reply


def test_yes_no_poll_for_subscribed_contacts(db, simulator, channel_factory, runner) -> None:
    channel = channel_factory()
    with db.write() as s:
        polls.create(
            s,
            channel_id=channel.id,
            question="Coming?",
            options=[PollOption("YES", "Yes"), PollOption("NO", "No")],
            opens_at=datetime.now(UTC) - timedelta(minutes=1),
        )
    simulator.carrier.text_in(_voter(1), OUR_NUMBER, "yes")
    simulator.carrier.text_in(_voter(2), OUR_NUMBER, "No")
    runner.sync_once()
    with db.read() as s:
        counts = {o.key: o.votes for o in polls.results(s, polls.all_polls(s)[0].id).options}
    assert counts == {"YES": 1, "NO": 1}


def test_contest_codes_are_single_use(db, simulator, channel_factory, runner, tmp_path) -> None:
    channel = channel_factory()
    codes_csv = tmp_path / "codes.csv"
    codes_csv.write_text("code\nAB12-CD34\nEF56-GH78\nJK90-LM12\n")
    with db.write() as s:
        contest = contests.create(
            s,
            channel_id=channel.id,
            name="summer",
            keyword="WIN",
            uses_codes=True,
            max_entries=5,
            opens_at=datetime.now(UTC) - timedelta(minutes=1),
        )
        with codes_csv.open() as f:
            report = contests.import_codes(s, contest.id, [r["code"] for r in csv.DictReader(f)])
    assert report.added == 3
    ann, bob = _voter(1), _voter(2)
    simulator.carrier.text_in(ann, OUR_NUMBER, "WIN ab12cd34")
    simulator.carrier.text_in(bob, OUR_NUMBER, "EF56-GH78")  # a bare code also enters
    runner.sync_once()
    _next_second()
    simulator.carrier.text_in(bob, OUR_NUMBER, "WIN AB12-CD34")  # Ann's code: already used
    simulator.carrier.text_in(ann, OUR_NUMBER, "WIN ZZ99-ZZ99")  # not a code
    runner.sync_once()

    assert _outbound_to(simulator, ann) == [contests.VALID_REPLY, contests.INVALID_REPLY]
    assert _outbound_to(simulator, bob) == [contests.VALID_REPLY, contests.USED_REPLY]
    with db.read() as s:
        entrants = contests.entrants(s, contest.id)
        assert sorted(e.phone for e in entrants) == sorted([ann, bob])
        assert all(e.entries == 1 for e in entrants)
    with db.write() as s:
        bob_id = contacts.by_phone(s, bob).id
        optouts.record(s, bob_id, channel.id, opted_out=True, at=datetime.now(UTC), source=OptOutSource.AGENT)
    from inbox.engine.contests import draw_winners

    result = draw_winners(db, contest.id, count=2, actor="auditor")
    with db.read() as s:
        ann_id = contacts.by_phone(s, ann).id
    assert result.winners == (ann_id,)  # the opted-out entrant is not eligible
    assert draw(result.pool, 2, result.seed) == result.winners  # reproducible from the recorded seed


# -- daemons ---------------------------------------------------------------------------------------------
def _daemon(db_url: str) -> subprocess.Popen:
    env = env_with(INBOX_DATABASE_URL=db_url, **{TOKEN_ENV: os.environ[TOKEN_ENV]})
    return subprocess.Popen(
        [sys.executable, "-m", "inbox", "daemon", "--poll-interval", "0.2", "--lease-seconds", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a full, unread pipe would freeze the daemon mid-send
        text=True,
    )


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def test_survey_completes_across_a_daemon_restart(db, simulator, channel_factory) -> None:
    channel = channel_factory()
    with db.write() as s:
        survey = surveys.create(
            s,
            channel_id=channel.id,
            name="visit",
            trigger_keyword="SURVEY",
            questions=[
                Question(
                    "How was your visit?", QuestionKind.CHOICE, (PollOption("A", "Great"), PollOption("B", "Meh"))
                ),
                Question("How likely are you to come back?", QuestionKind.NUMBER, minimum=0, maximum=10),
                Question("Anything else?"),
            ],
        )
    who = _voter(7)
    daemon = _daemon(db.url)
    try:
        simulator.carrier.text_in(who, OUR_NUMBER, "survey")
        assert _wait(lambda: len(_outbound_to(simulator, who)) >= 1, 15), "no first question"
        simulator.carrier.text_in(who, OUR_NUMBER, "A")
        assert _wait(lambda: len(_outbound_to(simulator, who)) >= 2, 10)
    finally:
        _stop(daemon, signal.SIGKILL)
    daemon = _daemon(db.url)
    try:
        simulator.carrier.text_in(who, OUR_NUMBER, "eleven")  # not a number in range: asked again
        assert _wait(lambda: len(_outbound_to(simulator, who)) >= 3, 15)
        _next_second()
        simulator.carrier.text_in(who, OUR_NUMBER, "9")
        assert _wait(lambda: len(_outbound_to(simulator, who)) >= 4, 10)
        simulator.carrier.text_in(who, OUR_NUMBER, "Friendly staff, thanks")
        assert _wait(lambda: len(_outbound_to(simulator, who)) >= 5, 10)
    finally:
        _stop(daemon)
    sent = _outbound_to(simulator, who)
    assert sent[0].startswith("How was your visit?") and sent[1].startswith("How likely")
    assert sent[2].startswith("Sorry, I did not get that") and sent[3] == "Anything else?"
    assert sent[4] == survey.thanks
    with db.read() as s:
        (row,) = surveys.responses(s, survey.id)
    assert row.state == surveys.COMPLETED and row.answers == ("A", "9", "Friendly staff, thanks")


def test_broadcast_to_1000_survives_kill_9_without_double_send(db, simulator, channel_factory) -> None:
    channel = channel_factory()
    now = datetime.now(UTC)
    india_now = now.astimezone(ZoneInfo("Asia/Kolkata"))
    quiet_start = (india_now + timedelta(hours=2)).strftime("%H:%M")
    quiet_end = (india_now + timedelta(hours=3)).strftime("%H:%M")
    us = [_voter(i) for i in range(900)]
    india = [f"+9198{10000000 + i:08d}" for i in range(100)]
    opted_out = set(us[::18][:50])  # 50 US subscribers opted out earlier
    with db.write() as s:
        lists.create(s, "news")
        lst = lists.get(s, "news")
        for number in us + india:
            cid = contacts.get_or_create(s, number)
            lists.set_state(s, lst.id, cid, channel.id, lists.MEMBER, reason="test")
        for number in opted_out:
            cid = contacts.get_or_create(s, number)
            optouts.record(s, cid, channel.id, opted_out=True, at=now, source=OptOutSource.AGENT)
        broadcasts.configure_sending(s, channel.id, rate_per_second=150.0)
        broadcasts.set_quiet_hours(s, "*", "00:00", "00:00")  # no quiet hours by default (fake US numbers)
        broadcasts.set_quiet_hours(s, "IN", quiet_start, quiet_end)  # India is in quiet hours now
        preview = broadcast_engine.preview(s, channel_id=channel.id, body="Sale today!", list_name="news")
    assert (preview.recipients, preview.excluded, preview.deferred_now) == (950, 50, 100)
    bc = broadcast_engine.create(db, channel_id=channel.id, body="Sale today!", created_by="sam", list_name="news")

    daemon = _daemon(db.url)
    try:
        assert _wait(lambda: simulator.carrier.stats()["sends_accepted"] >= 250, 30), "daemon did not start sending"
        _stop(daemon, signal.SIGKILL)
        killed_at = simulator.carrier.stats()["sends_accepted"]
        assert killed_at < 850, "the broadcast finished before the kill"
        daemon = _daemon(db.url)
        assert _wait(lambda: simulator.carrier.stats()["sends_accepted"] >= 850, 60), "the restarted daemon stalled"
        with db.read() as s:
            stats = broadcasts.stats(s, bc.id)
        assert stats.recipients == 950 and stats.deferred_quiet_hours == 100
        # Time passes: the Indian morning comes. Move the deferred rows' due time to now.
        with db.write() as s:
            deferred = [
                r.message_id for r in s.query(BroadcastRecipientRow).filter_by(broadcast_id=bc.id, deferred=True)
            ]
            s.execute(update(MessageRow).where(MessageRow.id.in_(deferred)).values(next_attempt_at=datetime.now(UTC)))
        assert _wait(lambda: simulator.carrier.stats()["sends_accepted"] >= 950, 30)
        time.sleep(1.5)  # anything extra would show up now
    finally:
        _stop(daemon)
    sent = Counter(m["to"] for m in simulator.carrier.all_messages() if m["direction"] == "outbound-api")
    assert sum(sent.values()) == 950 and max(sent.values()) == 1
    assert not (set(sent) & opted_out)
    assert set(sent) == (set(us) - opted_out) | set(india)
    with db.read() as s:
        stats = broadcasts.stats(s, bc.id)
    assert stats.queued == 0 and stats.failed == 0 and stats.recipients == 950


def test_broadcast_refused_when_text_does_not_match_its_dlt_template(db, channel_factory) -> None:
    channel = channel_factory()
    with db.write() as s:
        broadcasts.configure_sending(s, channel.id, dlt_entity_id="1101234567890", dlt_sender_id="ACMEIN")
        broadcasts.add_dlt_template(
            s, channel.id, "1107160000000001", "Dear {#var#}, your order {#var#} shipped.", "service"
        )
    ok = broadcast_engine.create(
        db,
        channel_id=channel.id,
        body="Dear Asha, your order 42 shipped.",
        created_by="sam",
        contact_ids=[],
    )
    assert ok.dlt_template_id == "1107160000000001"
    with pytest.raises(broadcast_engine.BroadcastRefused):
        broadcast_engine.create(
            db, channel_id=channel.id, body="Dear Asha, 50% off everything!", created_by="sam", contact_ids=[]
        )


def test_cli_poll_results_and_broadcast_preview(db, simulator, channel_factory, runner, tmp_path, capsys) -> None:
    import json

    from inbox.cli.main import main

    channel_factory()
    url = ["--db", db.url]
    assert (
        main(
            [
                "polls",
                "create",
                *url,
                "--channel",
                "main",
                "--question",
                "Lunch?",
                "--option",
                'A="Pizza"',
                "--option",
                'B="Burger"',
            ]
        )
        == 0
    )
    simulator.carrier.text_in(_voter(1), OUR_NUMBER, "pizza")
    runner.sync_once()
    capsys.readouterr()
    assert main(["polls", "results", "1", "--json", "--xlsx", str(tmp_path / "r.xlsx"), *url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and data["options"][0]["votes"] == 1 and (tmp_path / "r.xlsx").exists()
    with db.write() as s:
        lists.create(s, "news")
        lst = lists.get(s, "news")
        for i in range(3):
            lists.set_state(s, lst.id, contacts.get_or_create(s, _voter(i)), 1, lists.MEMBER, reason="test")
    assert main(["broadcast", *url, "--channel", "main", "--list", "news", "--preview", "--json", "Hello"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert preview["recipients"] == 3 and preview["cost"]["total_segments"] == 3
    assert main(["broadcast", *url, "--channel", "main", "--list", "news", "--transactional", "Hello"]) == 0
    assert broadcast_engine.run_due(db) == 3  # fanned out (the daemon's tick does this)
    assert main(["broadcasts", "pause", "1", *url]) == 0
    runner.sync_once()
    assert main(["broadcasts", "cancel", "1", *url]) == 0
    capsys.readouterr()
    assert main(["broadcasts", "--json", *url]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["recipients"] == 3 and row["cancelled"] == 3 and row["broadcast"]["status"] == "cancelled"
    assert simulator.carrier.stats()["sends_accepted"] == 1  # only the poll's reply: the paused broadcast never left
