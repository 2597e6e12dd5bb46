"""The simulated carrier: every message, every phone, opt-out state and delivery progression.

One lock guards all of it; HTTP threads call in, do a small amount of work and leave. Status
progression is lazy: each call first applies every transition that has fallen due, so what any
observer sees is exactly what a timer would have produced, without a timer thread.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import phonenumbers

from inbox.core import keywords, segments
from inbox.core.phone import mask
from inbox.simulator.config import SimulatorConfig
from inbox.simulator.resource import API_VERSION, message_path, new_sid, twilio_date

STOP_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this number. "
    "Reply START to resubscribe."
)
START_REPLY = (
    "You have successfully been re-subscribed to messages from this number. Reply HELP for help. "
    "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
)
HELP_REPLY = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."

MAX_BODY = 1600
# (error_code, error_message) drawn for messages that do not make it.
UNDELIVERED_ERRORS = ((30003, "Unreachable destination handset"), (30005, "Unknown destination handset"))
FAILED_ERRORS = ((30008, "Unknown error"),)

_SENT, _FINAL = 1, 2


class Refusal(Exception):
    """A request the provider answers with a Twilio error code instead of doing it."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def is_e164(number: str) -> bool:
    """Twilio accepts only E.164 in `To`: '+', a country code, a possible national number."""
    if not number.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed) and (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    )


@dataclass(slots=True)
class SimMessage:
    seq: int
    sid: str
    from_number: str
    to_number: str
    body: str
    direction: str
    status: str
    created: datetime
    updated: datetime
    sent: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    num_segments: int = 1
    messaging_service_sid: str | None = None
    outcome: str = "delivered"  # what the progression will end in (outbound only)
    # What a dialect's request carried beyond Twilio's fields (Infobip: the DLT header and
    # `regional.indiaDlt`), kept so tests can see what reached the provider.
    extra: dict[str, object] | None = None

    def resource(self, account_sid: str) -> dict[str, object]:
        """Every property of api.v2010.account.message, as Twilio serialises it."""
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": twilio_date(self.created),
            "date_sent": twilio_date(self.sent),
            "date_updated": twilio_date(self.updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_number,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {
                "media": message_path(account_sid, self.sid, "/Media.json"),
                "feedback": message_path(account_sid, self.sid, "/Feedback.json"),
            },
            "to": self.to_number,
            "uri": message_path(account_sid, self.sid),
        }

    def seen(self, account_sid: str) -> dict[str, object]:
        """The control API's view: the Twilio resource plus what a dialect kept (`extra`)."""
        resource = self.resource(account_sid)
        if self.extra:
            resource["extra"] = self.extra
        return resource

    def on_phone(self) -> dict[str, object]:
        """What the handset shows: who it came from, the text, when."""
        return {
            "sid": self.sid,
            "from": self.from_number,
            "body": self.body,
            "status": self.status,
            "date": twilio_date(self.sent),
        }


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The list filters and the paging position of one Messages.json GET."""

    to: str | None = None
    from_: str | None = None
    sent_on: date | None = None
    sent_on_or_before: date | None = None
    sent_on_or_after: date | None = None
    page_size: int = 50
    page: int = 0
    page_token: str | None = None

    def matches(self, msg: SimMessage) -> bool:
        if self.to is not None and msg.to_number != self.to:
            return False
        if self.from_ is not None and msg.from_number != self.from_:
            return False
        if self.sent_on or self.sent_on_or_before or self.sent_on_or_after:
            if msg.sent is None:
                return False
            day = msg.sent.date()
            if self.sent_on and day != self.sent_on:
                return False
            if self.sent_on_or_before and day > self.sent_on_or_before:
                return False
            if self.sent_on_or_after and day < self.sent_on_or_after:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Page:
    resources: list[dict[str, object]]
    has_next: bool
    first_sid: str | None
    last_sid: str | None


class Carrier:
    """All simulated state for one account. Every public method takes the lock."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock  # replaceable so tests and demos can seed history in the past
        self._lock = threading.Lock()
        self._rng = random.Random(config.seed)
        self._ours = frozenset(config.numbers)
        self._clear()

    def _clear(self) -> None:
        self._messages: list[SimMessage] = []
        self._seq_by_sid: dict[str, int] = {}
        self._by_to: dict[str, list[int]] = defaultdict(list)
        self._by_from: dict[str, list[int]] = defaultdict(list)
        self._due: list[tuple[float, int, int]] = []  # (when, seq, step) heap
        self._received: dict[str, list[int]] = defaultdict(list)
        self._opted_out: set[tuple[str, str]] = set()  # (phone, our number)
        self._stats: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()
        # Consume-once queues (Infobip's inbox and delivery reports): handed out once, then gone.
        self._unread: list[int] = []  # inbound seqs not yet taken
        self._reports: list[int] = []  # outbound seqs whose final state was not yet taken

    # -- bookkeeping -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every message, opt-out and counter (the numbers and settings stay)."""
        with self._lock:
            self._rng = random.Random(self.config.seed)
            self._clear()

    def count_request(self, kind: str) -> None:
        with self._lock:
            self._requests[kind] += 1

    def count(self, what: str) -> None:
        with self._lock:
            self._stats[what] += 1

    def stats(self) -> dict[str, object]:
        with self._lock:
            self._advance(self.clock())
            return {
                "api_requests": sum(self._requests.values()),
                "api_requests_by_kind": dict(self._requests),
                "sends_accepted": self._stats["sends_accepted"],
                "sends_refused_opt_out": self._stats["sends_refused_opt_out"],
                "sends_rejected": self._stats["sends_rejected"],
                "inbound_texts": self._stats["inbound_texts"],
                "inbound_waiting": len(self._unread),  # consume-once dialects: not yet handed out
                "faults": {k[6:]: v for k, v in self._stats.items() if k.startswith("fault_")},
                "received_by_phone": {phone: len(seqs) for phone, seqs in self._received.items()},
                "messages": len(self._messages),
            }

    def _store(self, msg: SimMessage) -> None:
        self._messages.append(msg)
        self._seq_by_sid[msg.sid] = msg.seq
        self._by_to[msg.to_number].append(msg.seq)
        self._by_from[msg.from_number].append(msg.seq)

    def _new(self, now: float, **kw: object) -> SimMessage:
        moment = datetime.fromtimestamp(now, UTC)
        prefix = "SM"
        sid = new_sid(prefix)
        while sid in self._seq_by_sid:  # pragma: no cover - 128 random bits
            sid = new_sid(prefix)
        return SimMessage(seq=len(self._messages), sid=sid, created=moment, updated=moment, **kw)  # type: ignore[arg-type]

    # -- progression -----------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Apply every status transition due by `now`, stamped with its due time."""
        while self._due and self._due[0][0] <= now:
            when, seq, step = heapq.heappop(self._due)
            msg = self._messages[seq]
            moment = datetime.fromtimestamp(when, UTC)
            msg.updated = moment
            if msg.outcome == "failed":
                msg.status = "failed"
                msg.error_code, msg.error_message = self._rng.choice(FAILED_ERRORS)
                if msg.direction == "outbound-api":
                    self._reports.append(seq)
            elif step == _SENT:
                msg.status = "sent"
                msg.sent = moment
                if msg.outcome == "delivered":
                    self._received[msg.to_number].append(seq)
            else:
                msg.status = msg.outcome
                if msg.outcome == "undelivered":
                    msg.error_code, msg.error_message = self._rng.choice(UNDELIVERED_ERRORS)
                if msg.direction == "outbound-api":
                    self._reports.append(seq)

    def _schedule(self, msg: SimMessage, now: float) -> None:
        delay = max(0.0, self.config.delivery_delay)
        heapq.heappush(self._due, (now + delay / 2, msg.seq, _SENT))
        if msg.outcome != "failed":
            heapq.heappush(self._due, (now + delay, msg.seq, _FINAL))

    def _draw_outcome(self) -> str:
        roll = self._rng.random()
        if roll < self.config.failed_rate:
            return "failed"
        if roll < self.config.failed_rate + self.config.undelivered_rate:
            return "undelivered"
        return "delivered"

    def _send(
        self,
        from_number: str,
        to: str,
        body: str,
        direction: str,
        now: float,
        messaging_service_sid: str | None = None,
        outcome: str | None = None,
    ) -> SimMessage:
        msg = self._new(
            now,
            from_number=from_number,
            to_number=to,
            body=body,
            direction=direction,
            status="queued",
            num_segments=segments.count(body),
            messaging_service_sid=messaging_service_sid,
            outcome=outcome or self._draw_outcome(),
        )
        self._store(msg)
        self._schedule(msg, now)
        return msg

    # -- the Twilio API -----------------------------------------------------------------------------

    def send(
        self, to: str | None, from_number: str | None, body: str | None, messaging_service_sid: str | None = None
    ) -> dict[str, object]:
        """Create an outbound message (POST Messages.json) or raise Refusal with Twilio's code."""
        with self._lock:
            return self._accept(to, from_number, body, messaging_service_sid).resource(self.config.account_sid)

    def send_message(
        self, to: str | None, from_number: str | None, body: str | None, extra: dict[str, object] | None = None
    ) -> SimMessage:
        """Create an outbound message for a dialect that shapes the answer itself; Refusal carries
        Twilio's code for why not (each dialect says it in its own words)."""
        with self._lock:
            msg = self._accept(to, from_number, body, None)
            msg.extra = extra or None
            return self._copy(msg)

    def _accept(
        self, to: str | None, from_number: str | None, body: str | None, messaging_service_sid: str | None
    ) -> SimMessage:
        now = self.clock()
        self._advance(now)
        try:
            sender = self._check_send(to, from_number, body, messaging_service_sid)
        except Refusal as exc:
            self._stats["sends_refused_opt_out" if exc.code == 21610 else "sends_rejected"] += 1
            raise
        assert to is not None and body is not None
        msg = self._send(sender, to, body, "outbound-api", now, messaging_service_sid)
        self._stats["sends_accepted"] += 1
        return msg

    @staticmethod
    def _copy(msg: SimMessage) -> SimMessage:
        """A snapshot a dialect may read outside the lock."""
        return SimMessage(**{name: getattr(msg, name) for name in SimMessage.__slots__})  # type: ignore[arg-type]

    # -- consume-once lists (Infobip) --------------------------------------------------------------

    def take_inbound(self, to_numbers: frozenset[str] | None, limit: int) -> tuple[list[SimMessage], int]:
        """Hand out up to `limit` inbound messages not taken before, oldest first, and forget them
        (Infobip's inbox: each message once, no acknowledgement). Returns them and how many wait."""
        with self._lock:
            self._advance(self.clock())
            taken: list[SimMessage] = []
            kept: list[int] = []
            for seq in self._unread:
                msg = self._messages[seq]
                if len(taken) < limit and (to_numbers is None or msg.to_number in to_numbers):
                    taken.append(self._copy(msg))
                else:
                    kept.append(seq)
            self._unread = kept
            self._stats["inbound_taken"] += len(taken)
            return taken, len(kept)

    def take_reports(self, limit: int, message_id: str | None = None) -> list[SimMessage]:
        """Hand out up to `limit` final delivery states not taken before (each once)."""
        with self._lock:
            self._advance(self.clock())
            taken: list[SimMessage] = []
            kept: list[int] = []
            for seq in self._reports:
                msg = self._messages[seq]
                if len(taken) < limit and (message_id is None or msg.sid == message_id):
                    taken.append(self._copy(msg))
                else:
                    kept.append(seq)
            self._reports = kept
            return taken

    def received(
        self, to_numbers: frozenset[str] | None, since: datetime | None, until: datetime | None
    ) -> list[SimMessage]:
        """Inbound messages received in [since, until), newest first, not consumed: the re-readable
        lists of the Sinch and ClickSend dialects (each dialect pages and filters them itself)."""
        with self._lock:
            self._advance(self.clock())
            found: list[SimMessage] = []
            for msg in reversed(self._messages):
                if msg.direction != "inbound":
                    continue
                if to_numbers is not None and msg.to_number not in to_numbers:
                    continue
                if since is not None and msg.created < since:
                    continue
                if until is not None and msg.created >= until:
                    continue
                found.append(self._copy(msg))
            return found

    def outbound_log(
        self, destination: str | None, message_ids: frozenset[str], since: datetime | None, limit: int
    ) -> list[SimMessage]:
        """Our sends (not consumed), newest first, filtered like Infobip's /sms/3/logs."""
        with self._lock:
            self._advance(self.clock())
            found: list[SimMessage] = []
            for msg in reversed(self._messages):
                if len(found) >= limit:
                    break
                if msg.direction != "outbound-api":
                    continue
                if destination is not None and msg.to_number != destination:
                    continue
                if message_ids and msg.sid not in message_ids:
                    continue
                if since is not None and msg.created < since:
                    continue
                found.append(self._copy(msg))
            return found

    def _check_send(
        self, to: str | None, from_number: str | None, body: str | None, messaging_service_sid: str | None
    ) -> str:
        if not to:
            raise Refusal(21604, "A 'To' phone number is required.")
        if not from_number and not messaging_service_sid:
            raise Refusal(21603, "A 'From' phone number is required.")
        if not body:
            raise Refusal(21602, "Message body is required.")
        if not is_e164(to):
            raise Refusal(21211, f"The 'To' number {to} is not a valid phone number.")
        if from_number:
            if from_number not in self._ours:
                raise Refusal(
                    21606,
                    f"The From phone number {from_number} is not a valid, SMS-capable inbound "
                    "phone number or short code for your account.",
                )
            sender = from_number
        else:
            sender = self.config.numbers[0]
        if len(body) > MAX_BODY:
            raise Refusal(21617, "The concatenated message body exceeds the 1600 character limit.")
        if (to, sender) in self._opted_out:
            raise Refusal(21610, "Attempt to send to unsubscribed recipient")
        return sender

    def fetch(self, sid: str) -> dict[str, object]:
        with self._lock:
            self._advance(self.clock())
            seq = self._seq_by_sid.get(sid)
            if seq is None:
                raise Refusal(
                    20404, f"The requested resource {message_path(self.config.account_sid, sid)} was not found", 404
                )
            return self._messages[seq].resource(self.config.account_sid)

    def page(self, query: ListQuery) -> Page:
        """One page, newest first. PA<sid> tokens continue below that message, PB<sid> above it,
        so messages arriving at the head never shift the pages a client is walking."""
        with self._lock:
            self._advance(self.clock())
            candidates = self._candidates(query)
            size = query.page_size
            token = query.page_token
            if token:
                anchor = self._seq_by_sid.get(token[2:])
                if anchor is None or token[:2] not in ("PA", "PB"):
                    raise Refusal(20001, f"Invalid PageToken: {token}")
                if token.startswith("PA"):
                    found = self._walk_down(candidates, bisect_left(candidates, anchor) - 1, query, size + 1)
                    has_next = len(found) > size
                else:
                    found = self._walk_up(candidates, bisect_right(candidates, anchor), query, size)
                    found.reverse()
                    has_next = True  # the anchor itself is below this page
            else:
                skip = query.page * size
                found = self._walk_down(candidates, len(candidates) - 1, query, skip + size + 1)[skip:]
                has_next = len(found) > size
            msgs = found[:size]
            return Page(
                resources=[m.resource(self.config.account_sid) for m in msgs],
                has_next=has_next,
                first_sid=msgs[0].sid if msgs else None,
                last_sid=msgs[-1].sid if msgs else None,
            )

    def _candidates(self, query: ListQuery) -> Sequence[int]:
        lists = []
        if query.to is not None:
            lists.append(self._by_to.get(query.to, []))
        if query.from_ is not None:
            lists.append(self._by_from.get(query.from_, []))
        if not lists:
            return range(len(self._messages))
        return min(lists, key=len)

    def _walk_down(self, candidates: Sequence[int], start: int, query: ListQuery, want: int) -> list[SimMessage]:
        found: list[SimMessage] = []
        for i in range(start, -1, -1):
            if len(found) >= want:
                break
            msg = self._messages[candidates[i]]
            if query.matches(msg):
                found.append(msg)
        return found

    def _walk_up(self, candidates: Sequence[int], start: int, query: ListQuery, want: int) -> list[SimMessage]:
        found: list[SimMessage] = []
        for i in range(start, len(candidates)):
            if len(found) >= want:
                break
            msg = self._messages[candidates[i]]
            if query.matches(msg):
                found.append(msg)
        return found

    # -- the phones -------------------------------------------------------------------------------

    def text_in(self, from_phone: str, to_number: str, body: str) -> str:
        """A customer texts one of our numbers; the provider answers compliance keywords itself."""
        if to_number not in self._ours:
            raise ValueError(f"{mask(to_number)} is not one of this account's numbers")
        if not is_e164(from_phone):
            raise ValueError(f"{mask(from_phone)} is not an E.164 phone number")
        with self._lock:
            now = self.clock()
            self._advance(now)
            msg = self._new(
                now,
                from_number=from_phone,
                to_number=to_number,
                body=body,
                direction="inbound",
                status="received",
                num_segments=segments.count(body),
            )
            msg.sent = msg.created
            self._store(msg)
            self._unread.append(msg.seq)
            self._stats["inbound_texts"] += 1
            if self.config.opt_out_handling:
                self._answer_keyword(from_phone, to_number, body, now)
            return msg.sid

    def _answer_keyword(self, phone: str, ours: str, body: str, now: float) -> None:
        word = keywords.provider_exact_keyword(body)
        if word is None:
            return
        if word in keywords.OPT_OUT_KEYWORDS:
            self._opted_out.add((phone, ours))
            reply = STOP_REPLY
        elif word in keywords.OPT_IN_KEYWORDS:
            self._opted_out.discard((phone, ours))
            reply = START_REPLY
        else:
            reply = HELP_REPLY
        self._send(ours, phone, reply, "outbound-reply", now, outcome="delivered")

    def phone(self, number: str) -> dict[str, object]:
        with self._lock:
            self._advance(self.clock())
            return {
                "number": number,
                "received": [self._messages[s].on_phone() for s in self._received.get(number, [])],
                "opted_out_from": sorted(ours for phone, ours in self._opted_out if phone == number),
            }

    def all_messages(self) -> list[dict[str, object]]:
        """Every message, oldest first (the control API's view, not Twilio's)."""
        with self._lock:
            self._advance(self.clock())
            return [m.seen(self.config.account_sid) for m in self._messages]
