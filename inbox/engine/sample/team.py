"""Thirty days of made-up team traffic, for the Supervisor view's screenshots and previews.

Why generated: the demo's sample conversations are a dozen threads from today; a supervisor's
screen only looks like itself with weeks of traffic, several agents, labels, failures and opt-outs.
Deterministic (seeded random), written straight into the store with past timestamps.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from inbox.core.models import Channel
from inbox.engine.sample import history
from inbox.engine.sample.conversations import DEMO
from inbox.store import channels, contacts, conversations
from inbox.store.db import Database
from inbox.store.models import AuditEventRow, ConversationLabelRow, MessageRow, OptOutEventRow

AGENTS = ("Dana", "Marcus", "Priya", "Sam")
SPEED = {"Dana": 240, "Marcus": 540, "Priya": 380, "Sam": 900}  # median first-answer seconds
LABELS = ("billing", "delivery", "returns", "vip")
FAILURES = ((30003, "Unreachable destination handset"), (30005, "Unknown destination handset"),
            (30007, "Message filtered by the carrier"))  # fmt: skip
ASKS = ("Hi, where is my order?", "Can I change my delivery address?", "My card was charged twice",
        "Do you have this in size M?", "What time do you close today?", "I'd like to return my jacket")  # fmt: skip
ANSWERS = ("Let me check that for you.", "Done — you're all set!", "Sorry about that, refund on its way.",
           "Yes, we have it in stock.", "We're open until 8 pm today.")  # fmt: skip


def seed(db: Database, channel: Channel, *, now: datetime | None = None, days: int = 30) -> int:
    """Demo sample data plus ``days`` of generated history on a second channel too; returns messages written."""
    now = now or datetime.now(UTC)
    history.write(db, channel, DEMO, now=now, agent="Dana")
    rng = random.Random(7)
    written = 0
    with db.write() as s:
        promo = channels.by_name(s, "promotions") or channels.add(
            s, name="promotions", provider="twilio", number="+15550002222", account_sid="AC" + "0" * 32,
            base_url=None, auth_token_ref="env:X", provider_handles_opt_out=True, help_text="",
        )  # fmt: skip
        rows: list[dict] = []
        for day in range(days, 0, -1):
            start = (now - timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
            weekend = start.weekday() >= 5
            for _n in range(rng.randint(6, 11) if weekend else rng.randint(16, 30)):
                ch = promo if rng.random() < 0.2 else channel
                number = f"+1555{rng.randint(2000000, 9999999)}"
                contact = contacts.get_or_create(s, number)
                first = start + timedelta(minutes=rng.randint(0, 12 * 60))
                conv = conversations.get_or_create(s, contact, ch.id, first)
                agent = rng.choice(AGENTS)
                base = dict(conversation_id=conv, channel_id=ch.id, provider_message_id=None, masked=False,
                            encoding="GSM-7", attempts=0, reply_to_id=None)  # fmt: skip
                at = first
                for turn in range(rng.choice((1, 1, 2, 2, 3))):
                    rows.append(dict(base, direction="inbound", body=rng.choice(ASKS), status="received",
                                     author_kind="customer", author=None, from_number=number, to_number=ch.number,
                                     num_segments=1, created_at=at, updated_at=at))  # fmt: skip
                    if turn == 0 and rng.random() < 0.45:
                        ack = at + timedelta(seconds=3)
                        rows.append(dict(base, direction="outbound", body="Thanks! An agent will reply shortly.",
                                         status="delivered", author_kind="automation", author="auto-ack",
                                         from_number=ch.number, to_number=number, num_segments=1, created_at=ack,
                                         updated_at=ack))  # fmt: skip
                    wait = rng.lognormvariate(0, 0.9) * SPEED[agent] * (0.6 if turn else 1)
                    at = at + timedelta(seconds=wait)
                    status, code, error = "delivered", None, None
                    if rng.random() < 0.04:
                        status = rng.choice(("undelivered", "failed"))
                        code, error = rng.choice(FAILURES)
                    rows.append(dict(base, direction="outbound", body=rng.choice(ANSWERS), status=status,
                                     error_code=code, error_message=error, author_kind="agent", author=agent,
                                     from_number=ch.number, to_number=number, num_segments=rng.choice((1, 1, 2)),
                                     created_at=at, updated_at=at))  # fmt: skip
                    at = at + timedelta(minutes=rng.randint(3, 90))
                resolved = at + timedelta(minutes=rng.randint(5, 240))
                if resolved < now:
                    s.add(AuditEventRow(at=resolved, actor=agent, action="status", subject=f"conversation:{conv}",
                                        detail={"status": "resolved"}))  # fmt: skip
                conversations.set_fields(s, conv, assignee=agent, status="resolved", last_activity_at=at)
                if rng.random() < 0.35:
                    s.add(ConversationLabelRow(conversation_id=conv, label=rng.choice(LABELS)))
                if ch is promo and rng.random() < 0.15:
                    s.add(OptOutEventRow(contact_id=contact, channel_id=ch.id, opted_out=True, at=first,
                                         source="keyword"))  # fmt: skip
        for row in rows:
            row.setdefault("error_code", None)
            row.setdefault("error_message", None)
        s.execute(insert(MessageRow), rows)
        written = len(rows)
        # A few customers are waiting right now, one of them for a while.
        for minutes, agent in ((4, "Dana"), (18, "Marcus"), (75, None)):
            number = f"+1555{rng.randint(2000000, 9999999)}"
            contact = contacts.get_or_create(s, number)
            at = now - timedelta(minutes=minutes)
            conv = conversations.get_or_create(s, contact, channel.id, at)
            s.add(MessageRow(conversation_id=conv, channel_id=channel.id, direction="inbound",
                             body="Hello? Is anyone there?", status="received", author_kind="customer",
                             from_number=number, to_number=channel.number, created_at=at, updated_at=at))  # fmt: skip
            conversations.set_fields(s, conv, assignee=agent, status="open", waiting_since=at, last_activity_at=at)
    return written
