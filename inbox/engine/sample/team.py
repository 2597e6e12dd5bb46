"""Thirty days of made-up team traffic, for the Supervisor view's screenshots and previews.

Why generated: the demo's sample conversations are a dozen threads from today; a supervisor's
screen only looks like itself with weeks of traffic, several agents, labels, failures and opt-outs.
Deterministic (seeded random); the conversations are `history.Script`s, stored by its one writer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from inbox.core.models import Channel, ConversationStatus
from inbox.engine import setup
from inbox.engine.sample import history
from inbox.engine.sample.conversations import DEMO
from inbox.engine.sample.history import Line, Script
from inbox.store import channels
from inbox.store.db import Database

AGENTS = ("Dana", "Marcus", "Priya", "Sam")
SPEED = {"Dana": 240, "Marcus": 540, "Priya": 380, "Sam": 900}  # median first-answer seconds
LABELS = ("billing", "delivery", "returns", "vip")
FAILURES = ((30003, "Unreachable destination handset"), (30005, "Unknown destination handset"),
            (30007, "Message filtered by the carrier"))  # fmt: skip
ASKS = ("Hi, where is my order?", "Can I change my delivery address?", "My card was charged twice",
        "Do you have this in size M?", "What time do you close today?", "I'd like to return my jacket")  # fmt: skip
ANSWERS = ("Let me check that for you.", "Done — you're all set!", "Sorry about that, refund on its way.",
           "Yes, we have it in stock.", "We're open until 8 pm today.")  # fmt: skip
ACK = "Thanks! An agent will reply shortly."


def seed(db: Database, channel: Channel, *, now: datetime | None = None, days: int = 30) -> int:
    """The demo's conversations plus ``days`` of generated history, on a second channel too;
    returns the generated messages written."""
    now = now or datetime.now(UTC)
    history.write(db, channel, DEMO, now=now, agent="Dana")
    with db.read() as s:
        promo = channels.by_name(s, "promotions")
    if promo is None:
        promo = setup.add_channel(
            db, name="promotions", account_sid="AC" + "0" * 32, number="+15550002222", auth_token_ref="env:X"
        )
    written = 0
    with db.write() as s:
        for ch, script in _traffic(random.Random(7), channel, promo, now, days):
            if history.write_script(s, ch, script, now=now, agent="Dana") is not None:
                written += len(script.lines)
    return written


def _traffic(
    rng: random.Random, main: Channel, promo: Channel, now: datetime, days: int
) -> Iterator[tuple[Channel, Script]]:
    for day in range(days, 0, -1):
        start = (now - timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
        weekend = start.weekday() >= 5
        for n in range(rng.randint(6, 11) if weekend else rng.randint(16, 30)):
            ch = promo if rng.random() < 0.2 else main
            number = f"+1555{rng.randint(2000000, 9999999)}"
            agent = rng.choice(AGENTS)
            at = first = start + timedelta(minutes=rng.randint(0, 12 * 60))
            lines: list[Line] = []
            for turn in range(rng.choice((1, 1, 2, 2, 3))):
                lines.append(Line(at, "c", rng.choice(ASKS)))
                if turn == 0 and rng.random() < 0.45:
                    lines.append(Line(at + timedelta(seconds=3), "r:rule:auto-ack", ACK))
                at = at + timedelta(seconds=rng.lognormvariate(0, 0.9) * SPEED[agent] * (0.6 if turn else 1))
                status, error = "delivered", None
                if rng.random() < 0.04:
                    status, error = rng.choice(("undelivered", "failed")), rng.choice(FAILURES)
                lines.append(Line(at, "a", rng.choice(ANSWERS), status=status, error=error, author=agent))
                at = at + timedelta(minutes=rng.randint(3, 90))
            resolved = at + timedelta(minutes=rng.randint(5, 240))
            yield (
                ch,
                Script(
                    number,
                    None,
                    tuple(lines),
                    ConversationStatus.RESOLVED,
                    agent,
                    labels=(rng.choice(LABELS),) if rng.random() < 0.35 else (),
                    opted_out_keyword="STOP" if ch is promo and rng.random() < 0.15 else None,
                    resolved=resolved if resolved < now else None,
                    key=f"{day:03d}{n:03d}{first:%H%M}",
                ),
            )
    # A few customers are waiting right now, one of them for a while.
    for minutes, agent in ((4, "Dana"), (18, "Marcus"), (75, None)):
        number = f"+1555{rng.randint(2000000, 9999999)}"
        yield main, Script(number, None, (Line(minutes, "c", "Hello? Is anyone there?"),), assignee=agent)
