"""Hand-built conversations with known metrics (the answers are worked out in test_metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inbox.store import audit, channels, contacts, conversations
from inbox.store.models import AuditEventRow, ConversationLabelRow, MessageRow, OptOutEventRow

DAY1 = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
DAY2 = DAY1 + timedelta(days=1)
END = DAY1 + timedelta(days=2)
EVIL = '=HYPERLINK("http://evil","click")'


@dataclass(frozen=True)
class Seed:
    main: int
    promo: int
    conv_a: int
    conv_b: int
    conv_c: int


def at(day: datetime, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm, second=ss)


def _msg(s, conv: int, ch: int, direction: str, kind: str, when: datetime, body: str = "x", **kw) -> int:
    row = MessageRow(
        conversation_id=conv,
        channel_id=ch,
        direction=direction,
        body=body,
        status=kw.pop("status", "received" if direction == "inbound" else "delivered"),
        author_kind=kind,
        author=kw.pop("author", None),
        from_number=kw.pop("from_number", ""),
        to_number=kw.pop("to_number", ""),
        created_at=when,
        updated_at=when,
        **kw,
    )
    s.add(row)
    s.flush()
    return row.id


def seed(db) -> Seed:
    """Three conversations over two days (see test_metrics.py for the expected numbers)."""
    with db.write() as s:
        common = dict(
            provider="twilio",
            account_sid="AC" + "0" * 32,
            base_url=None,
            auth_token_ref="env:X",
            provider_handles_opt_out=True,
            help_text="",
        )
        main = channels.add(s, name="main", number="+15550001111", **common).id
        promo = channels.add(s, name="promo", number="+15550002222", **common).id
        ka = contacts.get_or_create(s, "+15551230001")
        kb = contacts.get_or_create(s, "+15551230002")
        kc = contacts.get_or_create(s, "+15551230003")
        contacts.rename(s, ka, "Ann Arabic مرحبا 😀")
        a = conversations.get_or_create(s, ka, main, at(DAY1, 9))
        b = conversations.get_or_create(s, kb, main, at(DAY1, 12))
        c = conversations.get_or_create(s, kc, promo, at(DAY2, 8))
        conversations.set_fields(s, a, assignee="alice", status="resolved")
        conversations.set_fields(s, b, assignee="bob", waiting_since=at(DAY1, 13))
        conversations.set_fields(s, c, waiting_since=at(DAY2, 8))
        s.add(ConversationLabelRow(conversation_id=a, label="billing"))
        cust_a = {"from_number": "+15551230001", "to_number": "+15550001111"}
        to_a = {"from_number": "+15550001111", "to_number": "+15551230001"}
        # A: first response 600 s, then a turn of two messages answered after 1800 s, resolved at 11:00.
        _msg(s, a, main, "inbound", "customer", at(DAY1, 9), "hi, my bill is wrong 😀", **cust_a)
        _msg(
            s,
            a,
            main,
            "outbound",
            "automation",
            at(DAY1, 9, 0, 30),
            "Thanks, an agent will answer",
            author="ack",
            num_segments=1,
            **to_a,
        )
        _msg(s, a, main, "outbound", "agent", at(DAY1, 9, 10), "Looking now", author="alice", num_segments=2, **to_a)
        _msg(s, a, main, "inbound", "customer", at(DAY1, 10), EVIL, **cust_a)
        _msg(s, a, main, "inbound", "customer", at(DAY1, 10, 1), "مرحبا", **cust_a)
        _msg(
            s,
            a,
            main,
            "outbound",
            "agent",
            at(DAY1, 10, 30),
            "Your code is 123456",
            author="alice",
            status="failed",
            error_code=30003,
            error_message="Unreachable destination handset",
            masked=True,
            **to_a,
        )
        s.add(
            AuditEventRow(
                at=at(DAY1, 11),
                actor="alice",
                action="status",
                subject=f"conversation:{a}",
                detail={"status": "resolved"},
            )
        )
        # B: first response 1200 s (undelivered), then a customer still waiting since 13:00, and a note.
        _msg(s, b, main, "inbound", "customer", at(DAY1, 12), "-2+3", from_number="+15551230002")
        _msg(
            s,
            b,
            main,
            "outbound",
            "agent",
            at(DAY1, 12, 20),
            "@bob here",
            author="bob",
            status="undelivered",
            error_code=30005,
            error_message="Unknown destination handset",
            to_number="+15551230002",
        )
        _msg(s, b, main, "inbound", "customer", at(DAY1, 13), "hello?", from_number="+15551230002")
        _msg(s, b, main, "internal", "note", at(DAY1, 13, 5), "private note", author="bob", status="note")
        # C: STOP (opt-out, automated confirmation, only "sent"), then START an hour later; nobody answers.
        _msg(s, c, promo, "inbound", "customer", at(DAY2, 8), "STOP", from_number="+15551230003")
        _msg(
            s,
            c,
            promo,
            "outbound",
            "automation",
            at(DAY2, 8),
            "You are unsubscribed",
            author="compliance",
            status="sent",
            to_number="+15551230003",
        )
        _msg(s, c, promo, "inbound", "customer", at(DAY2, 9), "START", from_number="+15551230003")
        s.add(OptOutEventRow(contact_id=kc, channel_id=promo, opted_out=True, at=at(DAY2, 8), source="keyword"))
        s.add(OptOutEventRow(contact_id=kc, channel_id=promo, opted_out=False, at=at(DAY2, 9), source="keyword"))
        audit.record(s, "test", "seed", "test")
    return Seed(main, promo, a, b, c)
