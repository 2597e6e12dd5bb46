"""Realistic conversations for the demo and for screenshots: several languages, emoji, right-to-left
text, a long thread, an opted-out customer, a failed delivery, automation replies, a private note.

History is written straight into the store with past timestamps (it happened before the demo
started); everything after that flows through the simulator like real traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inbox.core import segments
from inbox.core.models import AuthorKind, Channel, ConversationStatus, InboundMessage, OptOutSource
from inbox.engine.compliance import OPT_OUT_AUTHOR, OPT_OUT_REPLY
from inbox.store import contacts, conversations, messages, optouts
from inbox.store.db import Database


@dataclass(frozen=True)
class Line:
    minutes_ago: float
    who: str  # "c" customer, "a" agent, "r:<rule>" automation, "n" note
    text: str
    status: str = "delivered"
    error: tuple[int, str] | None = None


ME = "\x00me"  # stands for the `agent` given to seed()


@dataclass(frozen=True)
class Script:
    phone: str
    name: str | None
    lines: tuple[Line, ...]
    status: ConversationStatus = ConversationStatus.OPEN
    assignee: str | None = None  # ME: the agent running the demo (so "Mine" is not empty)
    opted_out_keyword: str | None = None
    unread: int = 0


def _long_thread() -> tuple[Line, ...]:
    topics = [
        "Is the blue one back in stock?",
        "Yes! Size M arrived this morning.",
        "Can you hold one for me?",
        "Done — it's on hold until Friday under your name.",
        "Great, thanks. Do you ship to Leeds?",
        "We do, 2–3 working days, free over £40.",
        "Perfect. What about returns?",
        "30 days, free label in the parcel.",
        "Ok ordering now",
        "Order #48213 confirmed 🎉",
    ]
    lines = []
    for i in range(60):
        text = topics[i % len(topics)]
        who = "c" if i % 2 == 0 else "a"
        lines.append(Line(60 * 24 * 9 - i * 190, who, text))
    return tuple(lines)


SCRIPTS: tuple[Script, ...] = (
    Script(
        "+15551230001",
        "Maria García",
        (
            Line(42, "c", "Hola! Mi pedido #1042 no ha llegado todavía 😕"),
            Line(40, "a", "Hola María, lo reviso ahora mismo. ¿Me confirmas el código postal?"),
            Line(3, "c", "28013, Madrid. ¡Gracias!"),
        ),
        unread=1,
        assignee=ME,
    ),
    Script("+442079460958", "Oliver Bennett", _long_thread(), status=ConversationStatus.PENDING),
    Script(
        "+971501234567",
        "أحمد المنصوري",
        (
            Line(180, "c", "مرحبا، هل يمكنني تغيير عنوان التوصيل؟"),
            Line(175, "a", "Of course — reply with the new address and we'll update order #7731."),
            Line(170, "c", "شارع الشيخ زايد، برج ٢٣، دبي 🙏"),
        ),
        unread=1,
    ),
    Script(
        "+15551230004",
        "Priya",
        (
            Line(60 * 26, "c", "HELP"),
            Line(
                60 * 26 - 0.1,
                "r:compliance:help",
                "Acme Support: help at acme.example/help or reply here. Reply STOP to opt out.",
            ),
            Line(60 * 25, "c", "Thanks, found it"),
        ),
        status=ConversationStatus.RESOLVED,
    ),
    Script(
        "+15551230005",
        "Jean-Baptiste Emmanuel Zorg-Montgomery III",
        (
            Line(15, "c", "Your courier left my parcel in the rain. Everything is soaked. " * 6),
            Line(12, "n", "Photos in the ticket. Offer a full refund + 10% voucher. — Sam"),
            Line(11, "a", "I'm so sorry! A full refund is on its way, plus 10% off your next order."),
            Line(
                10, "a", "Refund reference: RF-99812", status="failed", error=(30003, "Unreachable destination handset")
            ),
        ),
        unread=0,
        assignee="Sam",
    ),
    Script(
        "+15551230006",
        None,
        (
            Line(60 * 50, "c", "Do you have gift cards?"),
            Line(60 * 49, "a", "We do! From $10 to $200, online or in store."),
            Line(60 * 30, "c", "STOP"),
            Line(60 * 30 - 0.1, "r:" + OPT_OUT_AUTHOR, OPT_OUT_REPLY),
        ),
        opted_out_keyword="STOP",
    ),
    Script("+819012345678", "佐藤 健", (Line(7, "c", "こんにちは!注文のキャンセルはできますか?"),), unread=1),
    Script("+15551230008", "Dan", (Line(2, "c", "please stop texting me about the sale"),), unread=1),
)


def seed(db: Database, channel: Channel, *, now: datetime | None = None, agent: str = "demo-agent") -> int:
    """Write the sample conversations; returns how many. Idempotent (provider ids are stable)."""
    now = now or datetime.now(UTC)
    count = 0
    with db.write() as s:
        for n, script in enumerate(SCRIPTS):
            contact_id = contacts.get_or_create(s, script.phone)
            if script.name:
                contacts.rename(s, contact_id, script.name)
            first_at = now - timedelta(minutes=script.lines[0].minutes_ago)
            conv_id = conversations.get_or_create(s, contact_id, channel.id, first_at)
            last_mo_id = None
            for i, line in enumerate(script.lines):
                at = now - timedelta(minutes=line.minutes_ago)
                if line.who == "c":
                    mo = InboundMessage(f"SMdemo{n:04d}{i:022d}", script.phone, channel.number, line.text, at)
                    last_mo_id = messages.insert_inbound(s, channel.id, conv_id, mo, channel.number)
                    if last_mo_id is None:
                        break  # already seeded
                    conversations.touch_inbound(s, conv_id, at, line.text)
                    continue
                if line.who == "n":
                    messages.add_note(
                        s, channel_id=channel.id, conversation_id=conv_id, body=line.text, author="Sam", at=at
                    )
                    continue
                automated = line.who.startswith("r:")
                msg_id = messages.queue_outbound(
                    s,
                    channel_id=channel.id,
                    conversation_id=conv_id,
                    from_number=channel.number,
                    to_number=script.phone,
                    body=line.text,
                    author_kind=AuthorKind.AUTOMATION if automated else AuthorKind.AGENT,
                    author=line.who[2:] if automated else agent,
                    reply_to_id=last_mo_id if automated else None,
                    at=at,
                )
                sent: dict[str, object] = {
                    "status": line.status,
                    "provider_message_id": f"SMdemo{n:04d}{i:022d}",
                    "sent_at": at,
                    "delivered_at": at + timedelta(seconds=3) if line.status == "delivered" else None,
                    "num_segments": segments.analyze(line.text).segments,
                }
                if line.error:
                    sent["error_code"], sent["error_message"] = line.error
                messages.set_fields(s, msg_id, **sent)
                if line.error:
                    conversations.set_fields(s, conv_id, failed_delivery=True)
                conversations.touch_outbound(s, conv_id, at, line.text, by_agent=not automated)
            else:
                count += 1
            if script.opted_out_keyword:
                optouts.record(
                    s,
                    contact_id,
                    channel.id,
                    opted_out=True,
                    at=now - timedelta(minutes=60 * 30),
                    source=OptOutSource.KEYWORD,
                    keyword=script.opted_out_keyword,
                    source_message_id=last_mo_id,
                )
            flagged = "stop texting" in script.lines[-1].text
            conversations.set_fields(
                s,
                conv_id,
                status=script.status.value,
                assignee=agent if script.assignee == ME else script.assignee,
                unread_count=script.unread,
                flagged=flagged,
                flag_reason="The customer may want to stop messages" if flagged else None,
            )
    return count
