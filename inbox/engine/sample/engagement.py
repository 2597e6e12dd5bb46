"""Polls, contests, broadcasts, a survey and CSAT, for the Engagement window's screenshots: votes,
entries and broadcasts made the real way.

Why through the engine: the votes are inbound messages stored by ``ingest`` (so the automation
chain counts them, answers them and dates them), the broadcast is fanned out by the engine, and
the draw is the audited one. Only what needs a carrier (delivery receipts, replies) is written
directly, as the outbox and the status poller would. Never call this on the GUI thread.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from inbox.core.engagement import PollOption, Question, QuestionKind
from inbox.core.models import InboundMessage, MessageStatus, OptOutSource, PollCursor
from inbox.engine import broadcasts as broadcast_engine
from inbox.engine import contests as contest_engine
from inbox.engine import ingest, setup
from inbox.providers.base import InboundBatch
from inbox.store import broadcasts, channels, contacts, contests, csat, lists, optouts, polls, surveys
from inbox.store.db import Database
from inbox.store.engagement_tables import BroadcastRecipientRow, CsatResponseRow, SurveySessionRow
from inbox.store.models import MessageRow

OUR = "+15550001111"


def _number(i: int) -> str:
    return f"+1415555{i:04d}"


def _ingest(db: Database, channel, texts: list[tuple[str, str, datetime]]) -> None:
    msgs = [InboundMessage(f"SM{abs(hash((n, b, at))):032x}"[:34], n, OUR, b, at) for n, b, at in texts]
    ingest.ingest(db, channel, InboundBatch(msgs, PollCursor(max(m.date_sent for m in msgs))))


def seed(db: Database, now: datetime | None = None) -> None:
    """Two polls (one live, one closed), two contests with a draw, three broadcasts, a survey, CSAT."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(7)
    setup.add_channel(db, name="main", account_sid="AC" + "0" * 32, number=OUR, auth_token_ref="keyring")
    with db.read() as s:
        channel = channels.by_name(s, "main")
    assert channel is not None

    # -- polls: a live one with a timeline, a closed rating poll, an upcoming one ----------------
    with db.write() as s:
        rating = polls.create(
            s,
            channel_id=channel.id,
            question="How was your delivery this week? Reply 1–5",
            options=[
                PollOption(str(i), label)
                for i, label in ((5, "Excellent"), (4, "Good"), (3, "Okay"), (2, "Poor"), (1, "Bad"))
            ],
            opens_at=now - timedelta(days=3),
            closes_at=now - timedelta(days=1, hours=20),
        )
    weights = (38, 31, 14, 9, 8)
    texts = []
    for i in range(212):
        key = rng.choices(("5", "4", "3", "2", "1"), weights)[0]
        texts.append((_number(i), key, now - timedelta(days=3) + timedelta(minutes=rng.randint(5, 1500))))
    _ingest(db, channel, texts)

    with db.write() as s:
        flavour = polls.create(
            s,
            channel_id=channel.id,
            question="Which flavour should we launch this summer?",
            options=[
                PollOption("A", "Mango Chili", ("MANGO",)),
                PollOption("B", "Salted Caramel", ("CARAMEL",)),
                PollOption("C", "Pistachio", ("PISTACHIO",)),
                PollOption("D", "Yuzu Lemon", ("YUZU",)),
            ],
            opens_at=now - timedelta(hours=9),
            closes_at=now + timedelta(days=2),
        )
        polls.create(
            s,
            channel_id=channel.id,
            question="Where should the next pop-up store open?",
            options=[PollOption("1", "Riverside"), PollOption("2", "Old Town"), PollOption("3", "Harbour")],
            opens_at=now + timedelta(days=3),
        )
    texts = []
    words = {"A": ("A", "a", "Mango"), "B": ("B", "b", "caramel!"), "C": ("C", "c"), "D": ("D", "yuzu")}
    for i in range(300, 300 + 486):
        hour = rng.choices(range(9), (3, 9, 14, 11, 8, 7, 9, 12, 6))[0]
        drift = hour / 8
        key = rng.choices("ABCD", (30 - 6 * drift, 28 + 10 * drift, 17, 12))[0]
        at = now - timedelta(hours=9) + timedelta(hours=hour, minutes=rng.randint(1, 58))
        texts.append((_number(i), rng.choice(words[key]), min(at, now - timedelta(minutes=1))))
    _ingest(db, channel, texts)
    _ = (rating, flavour)

    # -- contests ---------------------------------------------------------------------------------
    with db.write() as s:
        pack = contests.create(
            s,
            channel_id=channel.id,
            name="Summer pack codes — win a year of ice cream",
            uses_codes=True,
            max_entries=3,
            period_seconds=86400,
            opens_at=now - timedelta(days=6),
            closes_at=now + timedelta(days=8),
        )
        codes = [f"ICE{n:05d}" for n in range(1, 401)]
        contests.import_codes(s, pack.id, codes)
        concert = contests.create(
            s,
            channel_id=channel.id,
            name="Festival tickets giveaway",
            keyword="TICKETS",
            opens_at=now - timedelta(days=10),
            closes_at=now - timedelta(days=2),
        )
    entries = [(_number(900 + i), codes[i], now - timedelta(days=5) + timedelta(minutes=37 * i)) for i in range(96)]
    entries += [(_number(900 + i), "ICE99999", now - timedelta(days=4) + timedelta(minutes=11 * i)) for i in range(4)]
    _ingest(db, channel, entries)
    tickets = [(_number(1200 + i), "tickets", now - timedelta(days=9) + timedelta(minutes=23 * i)) for i in range(143)]
    _ingest(db, channel, tickets)
    with db.write() as s:
        for i in (3, 17, 42, 88, 120):
            cid = contacts.get_or_create(s, _number(1200 + i))
            optouts.record(
                s,
                cid,
                channel.id,
                opted_out=True,
                at=now - timedelta(days=3),
                source=OptOutSource.KEYWORD,
                keyword="STOP",
            )
    contest_engine.draw_winners(db, concert.id, count=3, actor="Dana")

    # -- broadcasts -------------------------------------------------------------------------------
    with db.write() as s:
        news = lists.create(s, "news", description="Deals and launches")
        vip = lists.create(s, "vip", description="Early access")
        broadcasts.configure_sending(s, channel.id, rate_per_second=5, price_per_segment=0.0079)
        for i in range(1000):
            cid = contacts.get_or_create(s, _number(2000 + i))
            lists.set_state(s, news.id, cid, channel.id, lists.MEMBER, reason="JOIN")
            if i < 240:
                lists.set_state(s, vip.id, cid, channel.id, lists.MEMBER, reason="JOIN")
            if i % 20 == 7:
                optouts.record(
                    s,
                    cid,
                    channel.id,
                    opted_out=True,
                    at=now - timedelta(days=9),
                    source=OptOutSource.KEYWORD,
                    keyword="STOP",
                )
    done = broadcast_engine.create(
        db,
        channel_id=channel.id,
        list_name="vip",
        created_by="Dana",
        body="VIP early access: the summer menu is live for you 48 h before everyone "
        "else. Show this text in store. Reply STOP to opt out.",
        at=now - timedelta(days=2),
        kind=broadcasts.MARKETING,
    )
    broadcast_engine.fan_out(db, done.id, now=now - timedelta(days=2))
    sending = broadcast_engine.create(
        db,
        channel_id=channel.id,
        list_name="news",
        created_by="Dana",
        body="Flash sale: 20% off all pints this weekend with code SUMMER20. Reply STOP to opt out.",
        at=now - timedelta(minutes=25),
        kind=broadcasts.MARKETING,
    )
    broadcast_engine.fan_out(db, sending.id, now=now - timedelta(minutes=25))
    broadcast_engine.create(
        db,
        channel_id=channel.id,
        list_name="news",
        created_by="Sam",
        body="Reminder: the Riverside store is closed on Monday for a private event. See you Tuesday! 🍦",
        at=now + timedelta(days=1, hours=2),
        kind=broadcasts.TRANSACTIONAL,
    )
    _finish(db, done.id, now - timedelta(days=2), delivered=0.93, failed=0.03, in_flight=0.0, waiting=0.0, rng=rng)
    _finish(
        db, sending.id, now - timedelta(minutes=25), delivered=0.52, failed=0.012, in_flight=0.09, waiting=0.38, rng=rng
    )
    replies = [
        (
            _number(2000 + i),
            rng.choice(("Love it!", "What flavours?", "Is Riverside open?", "thanks")),
            now - timedelta(days=2) + timedelta(minutes=5 + i),
        )
        for i in range(0, 228, 9)
    ]
    replies += [
        (_number(2000 + i), "STOP", now - timedelta(days=1, hours=23) + timedelta(minutes=i)) for i in range(1, 228, 41)
    ]
    replies += [
        (_number(2300 + i), rng.choice(("Nice", "Does it work online?", "🙌")), now - timedelta(minutes=12 - i))
        for i in range(0, 11)
    ]
    replies += [(_number(2400 + i), "STOP", now - timedelta(minutes=9 - i)) for i in range(0, 6)]
    _ingest(db, channel, replies)
    with db.write() as s:
        broadcasts.set_status(s, done.id, broadcasts.DONE, finished_at=now - timedelta(days=1, hours=22))

    # -- a survey and CSAT ------------------------------------------------------------------------
    with db.write() as s:
        survey = surveys.create(
            s,
            channel_id=channel.id,
            name="Store visit feedback",
            trigger_keyword="FEEDBACK",
            questions=[
                Question("How likely are you to recommend us?", QuestionKind.NUMBER, minimum=0, maximum=10),
                Question(
                    "Which store did you visit?",
                    QuestionKind.CHOICE,
                    options=(PollOption("A", "Riverside"), PollOption("B", "Old Town")),
                ),
                Question("Anything we could do better?"),
            ],
        )
        answers = [
            ("9", "A", "More vegan options please"),
            ("10", "B", "Perfect as is"),
            ("7", "A", ""),
            ("8", "B", "Queue was long on Saturday"),
            ("10", "A", "Staff were lovely"),
            ("6", "", ""),
            ("9", "B", "Bring back the lavender honey!"),
            ("4", "A", "Too pricey"),
        ]
        for i, ans in enumerate(answers):
            cid = contacts.get_or_create(s, _number(3000 + i))
            started = now - timedelta(hours=30 - 3 * i)
            given = [a for a in ans if a]
            state = surveys.COMPLETED if len(given) == 3 else (surveys.TIMED_OUT if i == 5 else surveys.ACTIVE)
            s.add(
                SurveySessionRow(
                    survey_id=survey.id,
                    contact_id=cid,
                    channel_id=channel.id,
                    step=len(given),
                    answers=given,
                    state=state,
                    started_at=started,
                    updated_at=started + timedelta(minutes=4),
                    expires_at=started + timedelta(days=1),
                )
            )
        csat.configure(s, channel.id, enabled=True)
    _csat(db, channel.id, now, rng)


def _finish(
    db: Database,
    broadcast_id: int,
    start: datetime,
    *,
    delivered: float,
    failed: float,
    in_flight: float,
    waiting: float,
    rng: random.Random,
) -> None:
    """What the outbox and the delivery receipts would have done by now, in these proportions."""
    with db.write() as s:
        ids = [
            m
            for (m,) in s.query(BroadcastRecipientRow.message_id)
            .filter(BroadcastRecipientRow.broadcast_id == broadcast_id)
            .order_by(BroadcastRecipientRow.contact_id)
        ]
        n = len(ids)
        cut_w = n - int(n * waiting)
        order = ids[:cut_w]
        rng.shuffle(order)
        d, f, fl = int(n * delivered), int(n * failed), int(n * in_flight)
        groups = (
            (order[:d], MessageStatus.DELIVERED),
            (order[d : d + f], MessageStatus.UNDELIVERED),
            (order[d + f : d + f + fl], MessageStatus.SENT),
            (order[d + f + fl :], MessageStatus.DELIVERED),
        )
        for chunk, status in groups:
            for mid in chunk:
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.id == mid)
                    .values(status=status.value, provider_message_id=f"SMb{mid:030d}", sent_at=start)
                )


def _csat(db: Database, channel_id: int, now: datetime, rng: random.Random) -> None:
    with db.write() as s:
        conv_ids = [
            c
            for (c,) in s.query(MessageRow.conversation_id)
            .filter(MessageRow.channel_id == channel_id)
            .distinct()
            .limit(60)
        ]
        for i, conv in enumerate(conv_ids):
            agent, bias = (("Dana", (2, 3, 8, 30, 57)), ("Sam", (4, 6, 15, 35, 40)), ("Priya", (1, 2, 6, 25, 66)))[
                i % 3
            ]
            score = rng.choices((1, 2, 3, 4, 5), bias)[0]
            s.add(CsatResponseRow(conversation_id=conv, agent=agent, score=score, at=now - timedelta(hours=i)))
