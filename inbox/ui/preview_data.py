"""An in-memory ``InboxService`` with realistic demo data, for screenshots, demos and widget tests.

Why: the window must be looked at (light/dark, RTL, emoji, long names, long messages, opted-out
and failed states) without a database or a provider. It implements the same facade the real
engine does, publishes the same change events, and is thread-safe because ops call it from a
worker thread.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from inbox.core import segments
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import (
    AuthorKind,
    Channel,
    Contact,
    ConversationStatus,
    ConversationSummary,
    Direction,
    Message,
    MessageStatus,
    OptOutSource,
    OptOutState,
)
from inbox.engine.service import (
    ChannelHealth,
    ContactDetails,
    ConversationFilter,
    InboxService,
    SearchHit,
    SendRefused,
)
from inbox.ui.conversations.filtering import matches, sort_key


@dataclass
class _Conv:
    id: int
    channel_id: int
    contact_id: int
    status: ConversationStatus = ConversationStatus.OPEN
    assignee: str | None = None
    unread: int = 0
    flagged: bool = False
    labels: list[str] = field(default_factory=list)
    snoozed_until: datetime | None = None


class InMemoryService(InboxService):
    """The ``InboxService`` facade over plain dicts. Every public method takes the lock."""

    def __init__(self, agent: str = "Dana", events: EventBus | None = None) -> None:
        super().__init__(db=None, events=events or EventBus(), agent=agent)
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.channel_list: list[Channel] = []
        self.health: list[ChannelHealth] = []
        self.contacts: dict[int, Contact] = {}
        self.verified: set[int] = set()
        self.opt_outs: dict[tuple[int, int], OptOutState] = {}
        self.opt_out_history: list[OptOutState] = []
        self.convs: dict[int, _Conv] = {}
        self.msgs: dict[int, Message] = {}

    # -- building (no events) ------------------------------------------------------------------
    def add_channel(self, name: str = "main", number: str = "+15550001111") -> Channel:
        ch = Channel(next(self._ids), name, "twilio", number, "AC_demo", None, "env:DEMO", False, "Reply STOP")
        self.channel_list.append(ch)
        self.health.append(ChannelHealth(ch.id, name, datetime.now(UTC) - timedelta(seconds=4), None, None, None))
        return ch

    def add_conversation(self, phone: str, name: str | None, channel: Channel | None = None, **kw) -> int:
        channel = channel or self.channel_list[0]
        contact = Contact(next(self._ids), phone, name)
        self.contacts[contact.id] = contact
        conv = _Conv(next(self._ids), channel.id, contact.id, **kw)
        self.convs[conv.id] = conv
        return conv.id

    def add_message(
        self,
        conv_id: int,
        body: str,
        *,
        inbound: bool = True,
        at: datetime | None = None,
        author_kind: AuthorKind | None = None,
        author: str | None = None,
        status: MessageStatus | None = None,
        **kw,
    ) -> Message:
        conv = self.convs[conv_id]
        info = segments.analyze(body)
        kind = author_kind or (AuthorKind.CUSTOMER if inbound else AuthorKind.AGENT)
        msg = Message(
            id=next(self._ids),
            conversation_id=conv_id,
            channel_id=conv.channel_id,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            body=body,
            status=status or (MessageStatus.RECEIVED if inbound else MessageStatus.DELIVERED),
            author_kind=kind,
            author=author if author is not None else (self.agent if kind == AuthorKind.AGENT else None),
            created_at=at or datetime.now(UTC),
            encoding=info.encoding,
            num_segments=info.segments,
            **kw,
        )
        self.msgs[msg.id] = msg
        return msg

    def set_opted_out(self, conv_id: int, at: datetime, keyword: str | None = "STOP") -> None:
        conv = self.convs[conv_id]
        state = OptOutState(conv.contact_id, conv.channel_id, True, at, OptOutSource.KEYWORD, keyword, None)
        self.opt_outs[(conv.contact_id, conv.channel_id)] = state
        self.opt_out_history.insert(0, state)

    def receive(self, conv_id: int, body: str) -> Message:
        """Simulate an inbound text: store it, bump unread, publish events (like ingest does)."""
        with self._lock:
            msg = self.add_message(conv_id, body)
            conv = self.convs[conv_id]
            conv.unread += 1
            if conv.status == ConversationStatus.RESOLVED:
                conv.status = ConversationStatus.OPEN
        self._publish({conv_id}, {msg.id})
        return msg

    def _publish(self, conv_ids: set[int], msg_ids: set[int] | None = None) -> None:
        if msg_ids:
            self.events.publish(MessagesChanged(frozenset(conv_ids), frozenset(msg_ids)))
        self.events.publish(ConversationsChanged(frozenset(conv_ids)))

    # -- reading -------------------------------------------------------------------------------
    def _summary(self, conv: _Conv) -> ConversationSummary:
        contact = self.contacts[conv.contact_id]
        channel = next(c for c in self.channel_list if c.id == conv.channel_id)
        msgs = sorted(
            (m for m in self.msgs.values() if m.conversation_id == conv.id),
            key=lambda m: (m.created_at, m.id),
        )
        visible = [m for m in msgs if m.author_kind != AuthorKind.NOTE]
        last = visible[-1] if visible else None
        last_out = next((m for m in reversed(visible) if m.direction == Direction.OUTBOUND), None)
        waiting = None
        for m in reversed(visible):
            if m.direction == Direction.OUTBOUND:
                break
            waiting = m.created_at
        opt = self.opt_outs.get((conv.contact_id, conv.channel_id))
        preview = "" if last is None else ("••••••" if last.masked else last.body)
        return ConversationSummary(
            id=conv.id,
            channel_id=conv.channel_id,
            channel_name=channel.name,
            contact_id=contact.id,
            contact_phone=contact.phone,
            contact_name=contact.display_name,
            status=conv.status,
            assignee=conv.assignee,
            last_activity_at=msgs[-1].created_at if msgs else datetime.now(UTC),
            unread_count=conv.unread,
            last_message_preview=preview.replace("\n", " ")[:200],
            last_message_direction=last.direction if last else None,
            opted_out=bool(opt and opt.opted_out),
            flagged=conv.flagged,
            verified=contact.id in self.verified,
            failed_delivery=bool(last_out and last_out.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED)),
            snoozed_until=conv.snoozed_until,
            waiting_since=waiting,
        )

    def _sorted(self, flt: ConversationFilter) -> list[ConversationSummary]:
        rows = [self._summary(c) for c in self.convs.values()]
        rows = [r for r in rows if matches(flt, r, self.agent)]
        return sorted(rows, key=lambda s: sort_key(flt, s))

    def conversations_page(self, flt: ConversationFilter, offset: int, limit: int) -> list[ConversationSummary]:
        with self._lock:
            return self._sorted(flt)[offset : offset + limit]

    def conversations_count(self, flt: ConversationFilter) -> int:
        with self._lock:
            return len(self._sorted(flt))

    def conversation_summaries(self, ids: list[int]) -> list[ConversationSummary]:
        with self._lock:
            return [self._summary(self.convs[i]) for i in ids if i in self.convs]

    def thread_page(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        with self._lock:
            msgs = sorted(
                (m for m in self.msgs.values() if m.conversation_id == conversation_id),
                key=lambda m: (m.created_at, m.id),
            )
            if before_id is not None:
                idx = next((i for i, m in enumerate(msgs) if m.id == before_id), len(msgs))
                msgs = msgs[:idx]
            return msgs[-limit:]

    def messages(self, ids: list[int]) -> list[Message]:
        with self._lock:
            return [self.msgs[i] for i in ids if i in self.msgs]

    def contact_details(self, contact_id: int) -> ContactDetails:
        with self._lock:
            contact = self.contacts[contact_id]
            convs = tuple(self._summary(c) for c in self.convs.values() if c.contact_id == contact_id)
            labels = sorted({lab for c in self.convs.values() if c.contact_id == contact_id for lab in c.labels})
            return ContactDetails(
                contact=contact,
                opt_outs=tuple(s for (cid, _), s in self.opt_outs.items() if cid == contact_id),
                opt_out_history=tuple(s for s in self.opt_out_history if s.contact_id == contact_id),
                conversations=convs,
                labels=tuple(labels),
            )

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        q = query.strip().casefold()
        if not q:
            return []
        with self._lock:
            hits = []
            for m in sorted(self.msgs.values(), key=lambda m: m.created_at, reverse=True):
                if m.masked or q not in m.body.casefold():
                    continue
                contact = self.contacts[self.convs[m.conversation_id].contact_id]
                hits.append(
                    SearchHit(m.id, m.conversation_id, contact.display_name, contact.phone, m.body, m.created_at)
                )
            return hits[:limit]

    def channels(self) -> list[Channel]:
        with self._lock:
            return list(self.channel_list)

    def channel_health(self) -> list[ChannelHealth]:
        with self._lock:
            return list(self.health)

    def unread_total(self) -> int:
        with self._lock:
            return sum(c.unread for c in self.convs.values())

    # -- acting --------------------------------------------------------------------------------
    def _refuse_if_opted_out(self, conv: _Conv) -> None:
        opt = self.opt_outs.get((conv.contact_id, conv.channel_id))
        if opt and opt.opted_out:
            raise SendRefused("This customer opted out; replies are blocked until they text START.")

    def send_reply(self, conversation_id: int, body: str, *, after: int | None = None, force: bool = False) -> Message:
        if not body.strip():
            raise SendRefused("The reply is empty.")
        with self._lock:
            conv = self.convs[conversation_id]
            self._refuse_if_opted_out(conv)
            msg = self.add_message(conversation_id, body, inbound=False, status=MessageStatus.QUEUED)
            conv.unread = 0
        self._publish({conversation_id}, {msg.id})
        return msg

    def add_note(self, conversation_id: int, body: str) -> Message:
        with self._lock:
            msg = self.add_message(
                conversation_id, body, inbound=False, author_kind=AuthorKind.NOTE, status=MessageStatus.SENT
            )
        self._publish({conversation_id}, {msg.id})
        return msg

    def retry(self, message_id: int) -> Message:
        with self._lock:
            old = self.msgs[message_id]
            if old.status not in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
                raise SendRefused("Only failed messages can be retried.")
            self._refuse_if_opted_out(self.convs[old.conversation_id])
            msg = self.add_message(old.conversation_id, old.body, inbound=False, status=MessageStatus.QUEUED)
        self._publish({old.conversation_id}, {msg.id})
        return msg

    def _mutate(self, conversation_id: int, **changes) -> None:
        with self._lock:
            conv = self.convs[conversation_id]
            for k, v in changes.items():
                setattr(conv, k, v)
        self._publish({conversation_id})

    def assign(self, conversation_id: int, agent: str | None) -> None:
        self._mutate(conversation_id, assignee=agent)

    def set_status(
        self, conversation_id: int, status: ConversationStatus, snoozed_until: datetime | None = None
    ) -> None:
        self._mutate(conversation_id, status=ConversationStatus(status), snoozed_until=snoozed_until)

    def mark_read(self, conversation_id: int) -> None:
        if self.convs[conversation_id].unread:
            self._mutate(conversation_id, unread=0)

    def rename_contact(self, contact_id: int, name: str | None) -> None:
        with self._lock:
            self.contacts[contact_id] = replace(self.contacts[contact_id], display_name=name or None)
            ids = {c.id for c in self.convs.values() if c.contact_id == contact_id}
        self._publish(ids)

    def set_labels(self, conversation_id: int, labels: list[str]) -> None:
        self._mutate(conversation_id, labels=list(labels))

    def clear_flag(self, conversation_id: int) -> None:
        self._mutate(conversation_id, flagged=False)


LONG_MESSAGE = (
    "Hi, I am writing again because my order still has not arrived and I have now been waiting for "
    "almost three weeks. The tracking page said it was out for delivery on Monday, then it changed "
    "to 'delivery exception' on Tuesday without any explanation, and since then nothing has moved. "
    "I called the courier twice; the first time they told me the parcel was at the depot and would "
    "be delivered the next day, the second time they said they had no record of it at all. I have "
    "taken two mornings off work to be home for the delivery. This was a birthday present for my "
    "daughter, and the birthday has now passed. I would like to know three things: where the parcel "
    "actually is, whether you can send a replacement by express shipping at no extra cost, and how I "
    "can get a refund of the original shipping fee, because the service I paid for was clearly not "
    "delivered. My order number is 58213-B and the item was the blue wooden train set with the "
    "extra carriages. I have been a customer for six years and have never had a problem before, so "
    "I hope we can sort this out quickly. Please do not ask me to fill in another online form — I "
    "have already done that twice and received only automatic replies. A real answer from a person "
    "would be very much appreciated. You can text me here at any time during the day. If it helps, "
    "the delivery address is the same as on all my previous orders, and the parcel should have been "
    "signed for by me personally. I also noticed the confirmation email listed the wrong postcode, "
    "which might explain part of this, but the courier insists the label itself was correct. Either "
    "way, I would just like this resolved before the weekend. Thanks!"
)


def demo_service(now: datetime | None = None) -> InMemoryService:
    """A realistic inbox: several languages (Arabic RTL), emoji, a 40-character name, a
    1,600-character message, an opted-out contact, a failed delivery, automation and a note."""
    now = now or datetime.now(UTC)
    svc = InMemoryService(agent="Dana")
    svc.add_channel("main", "+15550001111")
    ago = lambda **kw: now - timedelta(**kw)  # noqa: E731

    c = svc.add_conversation("+14155550123", "Maya Okafor", assignee="Dana", unread=2)
    svc.add_message(c, "Hi! I ordered the blue train set last week — any idea when it ships?", at=ago(days=1, hours=3))
    svc.add_message(
        c,
        "Thanks for your message! We're closed right now and will reply from 9:00.",
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="After hours",
        at=ago(days=1, hours=3, seconds=-5),
    )
    svc.add_message(
        c,
        "Hi Maya, it left our warehouse this morning. You'll get tracking by text shortly.",
        inbound=False,
        at=ago(hours=20),
    )
    svc.add_message(
        c,
        "Customer called too; promised a callback if the courier misses Friday.",
        inbound=False,
        author_kind=AuthorKind.NOTE,
        author="Dana",
        at=ago(hours=19),
    )
    svc.add_message(c, "Perfect, thank you 🙏", at=ago(minutes=14))
    svc.add_message(c, "Oh and can you leave it with the neighbour at no. 12 if I'm out? 🏠📦", at=ago(minutes=2))

    c = svc.add_conversation("+971501234567", "ليلى حداد", unread=1)
    svc.add_message(c, "مرحبا، هل يمكنني تغيير موعد التسليم إلى يوم الخميس؟ شكراً جزيلاً", at=ago(minutes=9))

    c = svc.add_conversation("+12025550187", "Bartholomew Fitzgerald-Montgomery III Jr", assignee="Dana")
    svc.add_message(c, LONG_MESSAGE, at=ago(hours=2))
    svc.add_message(
        c,
        "I'm so sorry about this, Bartholomew. I'm checking with the courier now and will "
        "text you back within the hour.",
        inbound=False,
        at=ago(hours=1, minutes=50),
    )

    c = svc.add_conversation("+393471234567", "Sofia Rossi", assignee="Dana")
    svc.add_message(c, "Buongiorno, il mio ordine è arrivato danneggiato.", at=ago(hours=3))
    svc.add_message(
        c,
        "Ci dispiace molto! Può inviarci una foto del pacco?",
        inbound=False,
        at=ago(hours=2, minutes=55),
        status=MessageStatus.FAILED,
        error_code=30007,
        error_message="Carrier filtered the message (30007)",
    )

    c = svc.add_conversation("+13125550142", "Greg Lin", status=ConversationStatus.OPEN)
    svc.add_message(c, "You keep texting me about a sale. STOP", at=ago(days=2, hours=1))
    svc.add_message(
        c,
        "You have successfully been unsubscribed. Reply START to resubscribe.",
        inbound=False,
        author_kind=AuthorKind.PROVIDER,
        author="Twilio",
        at=ago(days=2),
    )
    svc.set_opted_out(c, ago(days=2, hours=1))

    c = svc.add_conversation("+17185550199", "Jamal Carter", unread=1)
    svc.add_message(c, "Got it!! Thanks so much for the quick fix 🎉🎉👍", at=ago(minutes=31))

    c = svc.add_conversation("+34612345678", "Lucía Fernández", assignee="Sam")
    svc.add_message(c, "¿Pueden cambiar la dirección de entrega? Me mudé el fin de semana.", at=ago(hours=5))
    svc.add_message(
        c,
        "¡Claro! Envíenos la nueva dirección completa, por favor.",
        inbound=False,
        author="Sam",
        at=ago(hours=4, minutes=40),
        status=MessageStatus.SENT,
    )

    c = svc.add_conversation("+819012345678", "佐藤 陽翔", unread=1)
    svc.add_message(c, "配達時間を午後に変更できますか？", at=ago(hours=6))

    c = svc.add_conversation("+447700900123", None, unread=1)
    svc.add_message(c, "Is this still the right number for support? My account says locked.", at=ago(hours=7))

    c = svc.add_conversation("+16465550111", "Priya Natarajan", flagged=True, unread=1)
    svc.add_message(
        c,
        "Your order #4411 has shipped.",
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="Shipping updates",
        at=ago(days=1, hours=1),
    )
    svc.add_message(c, "please don't text me anymore, I never signed up for this", at=ago(hours=8))

    c = svc.add_conversation("+15035550166", "Tom Becker", assignee="Dana")
    svc.verified.add(svc.convs[c].contact_id)
    svc.add_message(
        c,
        "Your verification code is 482913",
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="Verification",
        masked=True,
        at=ago(days=1, hours=6),
    )
    svc.add_message(c, "Done, I'm verified now. Can you check my subscription?", at=ago(days=1, hours=5))
    svc.add_message(
        c,
        "All set — your plan renews on 1 March.",
        inbound=False,
        at=ago(days=1, hours=4),
        status=MessageStatus.SENDING,
    )

    c = svc.add_conversation("+4915123456789", "Jürgen Müller", status=ConversationStatus.RESOLVED)
    svc.add_message(c, "Danke, das Problem ist gelöst!", at=ago(days=3))

    c = svc.add_conversation("+33612345678", "Chloé Martin", status=ConversationStatus.PENDING, assignee="Dana")
    svc.add_message(c, "Je vous renvoie la facture demain matin.", at=ago(days=1, hours=9))

    c = svc.add_conversation(
        "+61412345678", "Noah Williams", status=ConversationStatus.SNOOZED, snoozed_until=now + timedelta(hours=15)
    )
    svc.add_message(c, "I'll check with my partner and get back to you tomorrow.", at=ago(days=4))
    return svc


def empty_service() -> InMemoryService:
    """No conversations: the window must teach what to do."""
    svc = InMemoryService(agent="Dana")
    svc.add_channel("main", "+15550001111")
    return svc
