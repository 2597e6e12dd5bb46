"""A large, realistic inbox for load tests and benchmarks (`inbox seed`).

Why not the ingest path: a million messages through per-message ingest would take hours. The
generator plans everything in memory (compact arrays, not objects), then writes rows with
multi-row inserts in a few big transactions. It still keeps every invariant the app relies on:

- message ids follow time (ids are assigned after a global sort by timestamp), so "newest first"
  by id is the truth, as it is for real traffic;
- each conversation's denormalised fields (last_activity_at, last_message_preview / direction,
  unread_count, waiting_since, failed_delivery) are what ``store.conversations.touch_inbound`` /
  ``touch_outbound`` would have produced for the same messages;
- opted-out contacts texted STOP, got the confirmation, and have their state and history rows;
- the full-text index stays consistent because rows go through the same triggers as any insert.

The thread length distribution is heavy-tailed (most threads short, a few long) with one thread of
``long_thread`` messages, as a busy customer or a bot would produce.
"""

from __future__ import annotations

import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, text

from inbox.core import segments
from inbox.core.models import AuthorKind, ConversationStatus, Direction, MessageStatus, OptOutSource
from inbox.engine.compliance import OPT_OUT_AUTHOR, OPT_OUT_REPLY
from inbox.store import channels, search
from inbox.store.conversations import preview_of
from inbox.store.db import Database
from inbox.store.models import ContactRow, ConversationRow, MessageRow, OptOutEventRow, OptOutRow

PHONE_PREFIX = "+15559"  # +1 555 9xx xxxx: fictional numbers, 1,000,000 of them
CHANNEL_NUMBER = "+15550009999"
AGENTS = ("alex", "sam", "priya", "kenji", "fatima", "lucía")
RULES = ("rule:hours", "rule:faq-shipping", "rule:faq-returns")

# Message kinds in the plan (one byte each).
CUSTOMER, AGENT, AUTOMATION, STOP, STOP_REPLY = range(5)
# Outbound delivery outcomes: (status, error code, provider's reason), with their weights.
_OUTCOMES = (
    (MessageStatus.DELIVERED.value, None, None),
    (MessageStatus.SENT.value, None, None),
    (MessageStatus.FAILED.value, 30006, "Landline or unreachable carrier"),
    (MessageStatus.UNDELIVERED.value, 30003, "Unreachable destination handset"),
)
_OUTCOME_WEIGHTS = (90, 5, 3, 2)
_FAILED = {2, 3}

_FIRST = (
    "Anna",
    "Ben",
    "Chloé",
    "Dmitri",
    "Emma",
    "Farid",
    "Giulia",
    "Hiroshi",
    "Inés",
    "Jonas",
    "Kwame",
    "Léa",
    "Mateo",
    "Nadia",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Søren",
    "Tomás",
    "Ümit",
    "Valentina",
    "Wei",
    "Yara",
    "Zoë",
    "美咲",
    "Алексей",
    "محمد",
    "Νίκος",
    "Jürgen",
)
_LAST = (
    "Smith",
    "García",
    "Müller",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Silva",
    "Tanaka",
    "Okafor",
    "Johansson",
    "Haddad",
    "Novák",
    "Ivanova",
    "O'Brien",
    "Fernández",
    "佐藤",
    "Kim",
)
_PRODUCTS = (
    "blue kettle",
    "running shoes",
    "phone case",
    "desk lamp",
    "yoga mat",
    "gift card",
    "espresso machine",
    "winter jacket",
    "headphones",
    "plant pot",
)

_CUSTOMER = (
    "Hi, where is my order #{n}? It was supposed to arrive yesterday",
    "Hello! Can I change the delivery address for order {n}?",
    "The {p} arrived broken 😞 what can I do?",
    "Thanks so much, that worked! 🙏",
    "Do you ship to Canada?",
    "ok",
    "Yes please",
    "Is the {p} back in stock?",
    "I was charged twice for order #{n}, please refund one",
    "Can I return the {p}? It's too small",
    "Bonjour, ma commande {n} n'est pas encore arrivée. Pouvez-vous vérifier ?",
    "Hola, ¿cuándo llega mi pedido {n}? Gracias 😊",
    "Hallo, ich möchte meine Bestellung {n} stornieren.",
    "Olá! Vocês entregam no sábado?",
    "Ciao, il codice sconto non funziona 🤔",
    "注文番号{n}の配送状況を教えてください。",
    "我的订单{n}什么时候发货？谢谢",
    "Здравствуйте! Заказ {n} пришёл не полностью.",
    "مرحبا، متى سيصل طلبي رقم {n}؟",
    "Γεια σας, μπορώ να αλλάξω το μέγεθος;",
    "שלום, ההזמנה שלי {n} עדיין לא הגיעה",
    "Merhaba, siparişim {n} nerede?",
    "Haha perfect 😂👍",
    "still waiting…",
    "100% sure I ordered the large one, not medium",
    "My tracking number {n} says delivered but nothing here 📦",
)
_AGENT = (
    "Hi! Let me check order #{n} for you, one moment.",
    "I've updated the address, you'll get a new confirmation shortly.",
    "Sorry about that! I've issued a refund for order {n}; it takes 3-5 business days.",
    "Yes, we ship to Canada (5-8 business days).",
    "The {p} is back in stock next week, I can reserve one for you.",
    "You're welcome, have a great day! 😊",
    "Could you send me a photo of the damage?",
    "Bonjour ! Je vérifie tout de suite la commande {n}.",
    "¡Hola! Tu pedido {n} llega mañana antes de las 14h.",
    "Hallo! Die Bestellung {n} ist storniert.",
    "ご連絡ありがとうございます。注文{n}は明日発送予定です。",
    "您好，订单{n}已经发货了。",
    "Здравствуйте! Отправим недостающее сегодня.",
    "A replacement {p} is on its way, tracking {n}.",
)
_AUTOMATION = (
    "Thanks for your message! We're closed now and will reply from 9am. 🌙",
    "Shipping takes 2-4 business days. Track your order at example.com/track",
    "Returns are free within 30 days: example.com/returns",
)


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """What to generate. `random_seed` makes runs reproducible."""

    conversations: int
    messages: int
    channel_name: str = "seed"
    long_thread: int = 10_000
    opt_out_share: float = 0.01
    random_seed: int = 6
    batch: int = 20_000


@dataclass(frozen=True, slots=True)
class SeedReport:
    channel_id: int
    contacts: int
    conversations: int
    messages: int
    opted_out: int
    long_conversation_id: int
    seconds: float


class SeedError(Exception):
    """The plan cannot be applied (a sentence for the person running it)."""


@dataclass(slots=True)
class _Conversation:
    """The denormalised fields of one planned conversation (everything else is in arrays)."""

    status: str
    assignee: str | None
    first_ts: float
    last_ts: float
    preview: str
    last_direction: str
    unread: int
    waiting_since: float | None
    failed_delivery: bool
    opted_out_at: int | None  # plan index of the STOP message
    snoozed_until: float | None
    verified: bool


class _Bodies:
    """Pools of realistic bodies per kind, with their encoding and segment count computed once."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.texts: list[str] = []
        self.encoding: list[str] = []
        self.segments: list[int] = []
        self.pools: dict[int, tuple[int, int]] = {}
        for kind, templates, n in (
            (CUSTOMER, _CUSTOMER, size),
            (AGENT, _AGENT, size // 2),
            (AUTOMATION, _AUTOMATION, len(_AUTOMATION)),
        ):
            start = len(self.texts)
            for i in range(n):
                template = templates[i % len(templates)]
                self._add(template.format(n=rng.randint(10000, 99999), p=rng.choice(_PRODUCTS)))
            self.pools[kind] = (start, len(self.texts))
        self.stop = self._add("STOP")
        self.stop_reply = self._add(OPT_OUT_REPLY)

    def _add(self, body: str) -> int:
        info = segments.analyze(body)
        self.texts.append(body)
        self.encoding.append(info.encoding)
        self.segments.append(info.segments)
        return len(self.texts) - 1

    def pick(self, rng: random.Random, kind: int) -> int:
        if kind == STOP:
            return self.stop
        if kind == STOP_REPLY:
            return self.stop_reply
        lo, hi = self.pools[kind]
        return rng.randrange(lo, hi)


def thread_lengths(rng: random.Random, conversations: int, total: int, long_thread: int) -> list[int]:
    """Heavy-tailed lengths summing to `total`, each at least 1; the first is the long thread."""
    if conversations < 1 or total < conversations:
        raise SeedError("need at least one conversation and at least one message per conversation")
    longest = max(1, min(long_thread, total - (conversations - 1)))
    rest = conversations - 1
    extra = total - longest - rest
    weights = [rng.lognormvariate(0.0, 1.1) for _ in range(rest)]
    scale = extra / sum(weights) if rest else 0.0
    lengths = [1 + int(w * scale) for w in weights]
    short = total - longest - sum(lengths)
    for i in rng.sample(range(rest), short) if short <= rest else (rng.randrange(rest) for _ in range(short)):
        lengths[i] += 1
    return [longest, *lengths]


class _Planner:
    """Plans the messages of every conversation into flat arrays, and each conversation's fields."""

    def __init__(self, plan: SeedPlan, now: float) -> None:
        self.plan = plan
        self.rng = random.Random(plan.random_seed)
        self.now = now
        self.bodies = _Bodies(self.rng, 4000)
        self.conv = array("i")  # plan index of the conversation
        self.ts = array("d")  # epoch seconds
        self.kind = array("b")
        self.body = array("i")
        self.outcome = array("b")
        self.conversations: list[_Conversation] = []

    def run(self) -> None:
        rng = self.rng
        lengths = thread_lengths(rng, self.plan.conversations, self.plan.messages, self.plan.long_thread)
        for ci, length in enumerate(lengths):
            opted_out = ci > 0 and length >= 2 and rng.random() < self.plan.opt_out_share
            self._conversation(ci, length, opted_out)

    def _status(self, ci: int, opted_out: bool) -> str:
        if ci == 0:
            return ConversationStatus.OPEN.value  # the long thread is live: the benchmark opens it
        if opted_out:
            return ConversationStatus.RESOLVED.value
        r = self.rng.random()
        if r < 0.45:
            return ConversationStatus.RESOLVED.value
        if r < 0.80:
            return ConversationStatus.OPEN.value
        if r < 0.92:
            return ConversationStatus.PENDING.value
        return ConversationStatus.SNOOZED.value

    def _kinds(self, length: int, status: str, opted_out: bool) -> list[int]:
        """Who speaks, message by message: the customer opens; turns alternate with some runs."""
        rng = self.rng
        kinds = [CUSTOMER]
        while len(kinds) < length:
            prev = kinds[-1]
            if rng.random() < 0.3:
                kinds.append(prev if prev != AUTOMATION else AGENT)
            elif prev == CUSTOMER:
                kinds.append(AUTOMATION if rng.random() < 0.12 else AGENT)
            else:
                kinds.append(CUSTOMER)
        if opted_out:
            kinds[-2:] = [STOP, STOP_REPLY]
        elif status in (ConversationStatus.RESOLVED.value, ConversationStatus.PENDING.value) and length >= 2:
            kinds[-1] = AGENT  # resolved / waiting on the customer: an agent had the last word
        elif status == ConversationStatus.OPEN.value and rng.random() < 0.6:
            kinds[-1] = CUSTOMER  # most open threads wait for us
        return kinds

    def _times(self, length: int, ci: int) -> list[float]:
        rng = self.rng
        # Recent conversations are more common; the long thread is live right now.
        end = self.now - (rng.uniform(0, 3600) if ci == 0 else min(rng.expovariate(1 / (20 * 86400)), 400 * 86400))
        times = []
        t = end
        for _ in range(length):
            times.append(t)
            big = rng.random() < 0.12
            t -= rng.expovariate(1 / (2 * 86400)) if big else 5 + rng.expovariate(1 / 240)
        times.reverse()
        return times

    def _conversation(self, ci: int, length: int, opted_out: bool) -> None:
        rng = self.rng
        status = self._status(ci, opted_out)
        if length == 1 and status in (ConversationStatus.RESOLVED.value, ConversationStatus.PENDING.value):
            status = ConversationStatus.OPEN.value  # a lone customer message is still waiting for us
        kinds = self._kinds(length, status, opted_out)
        times = self._times(length, ci)
        unread = 0
        waiting: float | None = None
        failed = False
        stop_at: int | None = None
        body = 0
        for kind, t in zip(kinds, times, strict=True):
            body = self.bodies.pick(rng, kind)
            outcome = 0 if kind in (CUSTOMER, STOP) else rng.choices(range(4), _OUTCOME_WEIGHTS)[0]
            if kind in (CUSTOMER, STOP):
                unread += 1
                waiting = waiting if waiting is not None else t
                if kind == STOP:
                    stop_at = len(self.kind)
            else:
                failed = outcome in _FAILED
                if kind == AGENT:
                    unread, waiting = 0, None
            self.conv.append(ci)
            self.ts.append(t)
            self.kind.append(kind)
            self.body.append(body)
            self.outcome.append(outcome)
        last_kind = kinds[-1]
        assignee = None
        if status != ConversationStatus.RESOLVED.value or rng.random() < 0.8:
            assignee = rng.choice(AGENTS) if rng.random() < 0.7 else None
        self.conversations.append(
            _Conversation(
                status=status,
                assignee=assignee,
                first_ts=times[0],
                last_ts=times[-1],
                preview=preview_of(self.bodies.texts[body]),
                last_direction=Direction.INBOUND.value if last_kind in (CUSTOMER, STOP) else Direction.OUTBOUND.value,
                unread=unread,
                waiting_since=waiting,
                failed_delivery=failed,
                opted_out_at=stop_at,
                snoozed_until=self.now + rng.uniform(3600, 3 * 86400)
                if status == ConversationStatus.SNOOZED.value
                else None,
                verified=rng.random() < 0.05,
            )
        )


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _name(rng: random.Random) -> str | None:
    if rng.random() < 0.3:
        return None
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def seed(db: Database, plan: SeedPlan, progress: Callable[[str], None] | None = None) -> SeedReport:
    """Generate and store the plan on a migrated database; returns what was written.

    The channel `plan.channel_name` is created if needed and must have no conversations yet.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0).timestamp()
    if plan.conversations > 1_000_000:
        raise SeedError("at most 1,000,000 conversations (the fictional number range)")

    with db.write() as s:
        channel = channels.by_name(s, plan.channel_name)
        if channel is None:
            channel = channels.add(
                s,
                name=plan.channel_name,
                provider="twilio",
                number=CHANNEL_NUMBER,
                account_sid="AC" + "5eed" * 8,
                base_url=None,
                auth_token_ref="env:INBOX_SEED_TOKEN",
                provider_handles_opt_out=False,
                help_text="Seeded test data.",
            )
        elif s.scalar(
            select(func.count()).select_from(ConversationRow).where(ConversationRow.channel_id == channel.id)
        ):
            raise SeedError(f"channel {plan.channel_name!r} already has conversations; seed another --channel")
        existing = dict(
            s.execute(select(ContactRow.phone, ContactRow.id).where(ContactRow.phone.like(PHONE_PREFIX + "%"))).all()
        )
        next_contact = (s.scalar(select(func.max(ContactRow.id))) or 0) + 1
        next_conv = (s.scalar(select(func.max(ConversationRow.id))) or 0) + 1
        next_msg = (s.scalar(select(func.max(MessageRow.id))) or 0) + 1

    planner = _Planner(plan, now)
    planner.run()
    total = len(planner.ts)
    say(f"planned {plan.conversations:,} conversations / {total:,} messages in {time.perf_counter() - started:.1f} s")
    order = sorted(range(total), key=planner.ts.__getitem__)  # ids follow time
    rank = array("i", bytes(4 * total))
    for position, index in enumerate(order):
        rank[index] = position

    rng = random.Random(plan.random_seed + 1)
    phones = [f"{PHONE_PREFIX}{i:06d}" for i in range(plan.conversations)]
    contact_ids: list[int] = []
    new_contacts = []
    for number in phones:
        found = existing.get(number)
        if found is None:
            found = next_contact
            next_contact += 1
            new_contacts.append(
                {
                    "id": found,
                    "phone": number,
                    "display_name": _name(rng),
                    "notes": "",
                    "created_at": _dt(now - 400 * 86400),
                }
            )
        contact_ids.append(found)

    with db.write() as s:
        for part in _chunks(len(new_contacts), plan.batch):
            s.connection().execute(insert(ContactRow.__table__), [new_contacts[i] for i in part])
        for part in _chunks(plan.conversations, plan.batch):
            s.connection().execute(
                insert(ConversationRow.__table__),
                [_conversation_row(planner, channel.id, contact_ids, next_conv, i) for i in part],
            )
    say(f"stored {len(new_contacts):,} contacts and {plan.conversations:,} conversations")

    bodies = planner.bodies
    per_transaction = plan.batch * 10
    with db.read() as s:
        sqlite = s.get_bind().dialect.name == "sqlite"
    # Raw executemany with positional tuples: SQLAlchemy's per-value bind processing would cost more
    # than the database itself at this volume. Times are stored the way UTCDateTime stores them.
    placeholders = ", ".join(["?" if sqlite else "%s"] * len(MESSAGE_COLUMNS))
    sql = f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({placeholders})"
    stamp = _sqlite_stamp if sqlite else _dt
    for tx_part in _chunks(total, per_transaction):
        with db.write() as s, search.bulk_indexing(s):
            conn = s.connection()
            for part in _chunks(len(tx_part), plan.batch):
                rows = [
                    _message_row(
                        planner, bodies, channel.id, phones, next_conv, next_msg + position, order[position], stamp
                    )
                    for position in range(tx_part.start + part.start, tx_part.start + part.stop)
                ]
                conn.exec_driver_sql(sql, rows)
        say(f"stored {tx_part.stop:,} / {total:,} messages ({time.perf_counter() - started:.0f} s)")

    opted = 0
    with db.write() as s:
        rows_state, rows_event = [], []
        for ci, c in enumerate(planner.conversations):
            if c.opted_out_at is None:
                continue
            at = _dt(planner.ts[c.opted_out_at])
            message_id = next_msg + rank[c.opted_out_at]
            common = {
                "contact_id": contact_ids[ci],
                "channel_id": channel.id,
                "opted_out": True,
                "source": OptOutSource.KEYWORD.value,
                "keyword": "STOP",
                "source_message_id": message_id,
            }
            rows_state.append({**common, "changed_at": at})
            rows_event.append({**common, "at": at})
        if rows_state:
            s.connection().execute(insert(OptOutRow.__table__), rows_state)
            s.connection().execute(insert(OptOutEventRow.__table__), rows_event)
        opted = len(rows_state)
        if s.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them.
            for name in ("contacts", "conversations", "messages"):
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
    if db.is_sqlite:
        raw = db.engine.raw_connection()  # autocommit (isolation_level None): a checkpoint needs no transaction
        try:
            raw.driver_connection.execute("ANALYZE")  # statistics, so the planner picks the paging indexes
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    seconds = time.perf_counter() - started
    say(f"done in {seconds:.1f} s")
    return SeedReport(
        channel_id=channel.id,
        contacts=len(new_contacts),
        conversations=plan.conversations,
        messages=total,
        opted_out=opted,
        long_conversation_id=next_conv,
        seconds=seconds,
    )


def _conversation_row(planner: _Planner, channel_id: int, contact_ids: list[int], first_id: int, ci: int) -> dict:
    c = planner.conversations[ci]
    return {
        "id": first_id + ci,
        "contact_id": contact_ids[ci],
        "channel_id": channel_id,
        "status": c.status,
        "assignee": c.assignee,
        "last_activity_at": _dt(c.last_ts),
        "unread_count": c.unread,
        "snoozed_until": _dt(c.snoozed_until) if c.snoozed_until is not None else None,
        "waiting_since": _dt(c.waiting_since) if c.waiting_since is not None else None,
        "last_message_preview": c.preview,
        "last_message_direction": c.last_direction,
        "flagged": False,
        "flag_reason": None,
        "verified_at": _dt(c.first_ts) if c.verified else None,
        "failed_delivery": c.failed_delivery,
        "created_at": _dt(c.first_ts),
    }


MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "channel_id",
    "direction",
    "body",
    "provider_message_id",
    "status",
    "error_code",
    "error_message",
    "encoding",
    "num_segments",
    "author_kind",
    "author",
    "from_number",
    "to_number",
    "masked",
    "attempts",
    "created_at",
    "sent_at",
    "delivered_at",
    "updated_at",
)
_AUTHORS = {
    CUSTOMER: (AuthorKind.CUSTOMER.value, None),
    STOP: (AuthorKind.CUSTOMER.value, None),
    AGENT: (AuthorKind.AGENT.value, AGENTS),
    AUTOMATION: (AuthorKind.AUTOMATION.value, RULES),
    STOP_REPLY: (AuthorKind.AUTOMATION.value, (OPT_OUT_AUTHOR,)),
}
_INBOUND, _OUTBOUND = Direction.INBOUND.value, Direction.OUTBOUND.value
_RECEIVED, _DELIVERED = MessageStatus.RECEIVED.value, MessageStatus.DELIVERED.value


def _sqlite_stamp(ts: float) -> str:
    """What UTCDateTime stores on SQLite (naive UTC, SQLAlchemy's DATETIME text format)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _message_row(
    planner: _Planner,
    bodies: _Bodies,
    channel_id: int,
    phones: list[str],
    first_conv: int,
    message_id: int,
    index: int,
    stamp: Callable[[float], object],
) -> tuple:
    """One messages row, in MESSAGE_COLUMNS order."""
    kind = planner.kind[index]
    ci = planner.conv[index]
    ts = planner.ts[index]
    b = planner.body[index]
    inbound = kind in (CUSTOMER, STOP)
    status, code, reason = _OUTCOMES[planner.outcome[index]]
    if inbound:
        status = _RECEIVED
    author_kind, authors = _AUTHORS[kind]
    at = stamp(ts)
    return (
        message_id,
        first_conv + ci,
        channel_id,
        _INBOUND if inbound else _OUTBOUND,
        bodies.texts[b],
        f"SM{message_id:032x}",
        status,
        code,
        reason,
        bodies.encoding[b],
        bodies.segments[b],
        author_kind,
        authors[message_id % len(authors)] if authors else None,
        phones[ci] if inbound else CHANNEL_NUMBER,
        CHANNEL_NUMBER if inbound else phones[ci],
        False,
        0 if inbound else 1,
        at,
        at,
        stamp(ts + 3) if status == _DELIVERED else None,
        at,
    )
