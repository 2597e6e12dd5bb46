"""Textlocal's API (api.textlocal.in, api.txtlocal.com), as its public documentation describes it.

- Every command is a URL `/<command>/` taking GET query or POST form fields; login is `apikey`
  (the simulator's `--auth-token`) or `username` + `hash` (`--account-sid` + `--auth-token`).
- Answers are HTTP 200 JSON with `"status": "success"`, or `"status": "failure"` and
  `{"errors": [{"code", "message"}]}` (code 3: invalid login details), also with HTTP 200.
- Send: /send/ with `numbers` (comma separated, international format without '+'), `sender`,
  `message` (at most 766 characters), `unicode=true` for text beyond GSM-7 (without it the
  phone sees '?' for those characters), `test=true` to validate only.
- Inbound: /get_inboxes/ lists the account's inboxes (one per number here, ids from 100001);
  /get_messages/ with `inbox_id`, `min_time`/`max_time` (Unix seconds, inclusive), `sort_order`,
  `start`/`limit`: a list that can be read again (nothing is consumed).
- Status: /status_message/ with `message_id` (Textlocal's documented receipt letters: D delivered,
  U undelivered (expired at the operator), I invalid number, ? waiting for a receipt; E, expired
  after the validity set on sending, exists but the simulator has no validity to expire);
  /get_history_single/ with `start`, `limit`, `min_time`, `max_time`, `sort_order` (the
  parameters Textlocal's own PHP class sends): every single-number send of the account in the
  window, rows `id`, `number`, `content`, `datetime`, `status` and a `total`. It takes no number
  filter: a `number` field is ignored, so a client must pick its recipient's rows itself.

Textlocal matches India DLT templates on its side; the simulator does not know templates and
takes any text. What the documentation does not fix (the error codes of an unknown inbox or
message id, the zone of the `date` strings) is this simulator's choice, named in
docs/providers/textlocal/README.md.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs

from inbox.core import segments
from inbox.simulator.carrier import Carrier, Refusal
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply

MAX_MESSAGE = 766
DEFAULT_LIMIT = 1000
INBOX_BASE = 100000
START_BALANCE = 10000
_SENDER = re.compile(r"^[A-Za-z0-9]{3,11}$")
_DIGITS = re.compile(r"^[0-9]{8,15}$")
COMMANDS = ("send", "get_messages", "get_inboxes", "status_message", "get_history_single", "balance")

# Textlocal's documented error codes the simulator uses.
INVALID_LOGIN = (3, "Invalid login details")
NO_RECIPIENTS = (4, "No recipients specified")
NO_CONTENT = (5, "No message content")
TOO_LONG = (6, "Message too long")
NO_CREDITS = (7, "Insufficient credits")
INVALID_SENDER = (43, "Invalid sender name")
NO_SENDER = (44, "No sender name specified")
NO_VALID_NUMBERS = (51, "No valid numbers specified")
UNRECOGNISED = (2, "Unrecognised command")
# Not in the public list: the simulator's choice for an unknown inbox or message id. Codes 12 and
# 13, used here before, are Textlocal's "No group name specified" / "Group name is too long"
# (shailahir/textlocal-api, TextlocalConstants.java), so they are not reused.
INVALID_INBOX = (90, "Invalid inbox ID")
INVALID_MESSAGE_ID = (91, "Invalid message ID")

_REFUSED = {21211: NO_VALID_NUMBERS, 21604: NO_RECIPIENTS, 21606: INVALID_SENDER, 21617: TOO_LONG}
# Only documented letters: a queued text has no receipt yet, "?" like a sent one (there is no "P").
_LETTER = {"queued": "?", "sent": "?", "delivered": "D", "undelivered": "U", "failed": "I"}


def failure(*errors: tuple[int, str], status: int = 200) -> Reply:
    body = {"errors": [{"code": c, "message": m} for c, m in errors], "status": "failure"}
    return Reply(status, json.dumps(body).encode())


def _ok(payload: dict[str, object]) -> Reply:
    return Reply(200, json.dumps({**payload, "status": "success"}, ensure_ascii=False).encode())


def textlocal_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _bare(number: str) -> str:
    return number[1:] if number.startswith("+") else number


def _gsm_only(text: str) -> str:
    """What a phone shows of a text sent without unicode=true: '?' for what GSM-7 cannot carry."""
    return "".join(ch if segments.is_gsm7(ch) else "?" for ch in text)


class TextlocalDialect:
    name = "textlocal"

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._key = carrier.config.auth_token
        self._user = carrier.config.account_sid
        self._numbers = tuple(carrier.config.numbers)
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}  # carrier sid -> Textlocal's numeric message id
        self._sids: dict[int, str] = {}
        self._next_id = 1151346216  # the documentation's first example id
        self._balance = START_BALANCE

    @staticmethod
    def inbox_id(index: int) -> str:
        """The inbox id of the account's `index`-th number."""
        return str(INBOX_BASE + index + 1)

    def _command(self, path: str) -> str | None:
        name = path.strip("/")
        return name if name in COMMANDS else None

    def request_kind(self, method: str, path: str) -> str:
        return {
            "send": "create",
            "get_messages": "list",
            "status_message": "fetch",
            "get_history_single": "logs",
            "get_inboxes": "inboxes",
            "balance": "balance",
        }.get(self._command(path) or "", "other")

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            reply = failure((429, "Too many requests"), status=429)
            return Reply(429, reply.body, (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            reply = failure((503, "Service unavailable"), status=503)
            return Reply(503, reply.body, (("Retry-After", "1"),))
        return failure((500, "Internal error"), status=500)

    def _authorized(self, params: Mapping[str, str]) -> bool:
        key = params.get("apikey") or params.get("apiKey")
        if key:
            return secrets.compare_digest(key.encode(), self._key.encode())
        user, hash_ = params.get("username"), params.get("hash")
        if user and hash_ and self._user:
            return secrets.compare_digest(user.encode(), self._user.encode()) and secrets.compare_digest(
                hash_.encode(), self._key.encode()
            )
        return False

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        fields = parse_qs(query, keep_blank_values=True)
        if method == "POST":
            for name, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                fields.setdefault(name, []).extend(values)
        params = {name: values[0] for name, values in fields.items() if values}
        command = self._command(path)
        if command is None:
            return failure(UNRECOGNISED)
        if not self._authorized(params):
            return failure(INVALID_LOGIN)
        if command == "send":
            return self._send(params)
        if command == "get_inboxes":
            return self._inboxes()
        if command == "get_messages":
            return self._messages(params)
        if command == "status_message":
            return self._status(params)
        if command == "get_history_single":
            return self._history(params)
        with self._lock:
            return _ok({"balance": {"sms": self._balance, "mms": 0}})

    # -- ids -----------------------------------------------------------------------------------------

    def _id_of(self, sid: str) -> int:
        with self._lock:
            known = self._ids.get(sid)
            if known is None:
                known = self._next_id
                self._next_id += 1
                self._ids[sid] = known
                self._sids[known] = sid
            return known

    # -- /send/ --------------------------------------------------------------------------------------

    def _send(self, params: dict[str, str]) -> Reply:
        numbers = [n.strip() for n in params.get("numbers", "").split(",") if n.strip()]
        text, sender = params.get("message", ""), params.get("sender", "").strip()
        if not numbers:
            return failure(NO_RECIPIENTS)
        if not text:
            return failure(NO_CONTENT)
        if len(text) > MAX_MESSAGE:
            return failure(TOO_LONG)
        if not sender:
            return failure(NO_SENDER)
        ours = {_bare(n): n for n in self._numbers}
        if sender not in ours and not _SENDER.match(sender):
            return failure(INVALID_SENDER)
        valid = [n for n in numbers if _DIGITS.match(n)]
        if not valid:
            return failure(NO_VALID_NUMBERS)
        unicode = params.get("unicode", "").lower() in ("true", "1")
        shown = text if unicode else _gsm_only(text)
        parts = segments.count(shown)
        with self._lock:
            if self._balance < parts * len(valid):
                return failure(NO_CREDITS)
        if params.get("test", "").lower() in ("true", "1"):
            return _ok(self._sent_body([], sender, shown, parts, test=True))
        from_number = ours.get(sender, self._numbers[0])
        extra = {"sender": sender} if sender not in ours else {}
        if unicode:
            extra["unicode"] = True
        sent: list[dict[str, object]] = []
        for number in valid:
            with self._lock:
                message_id = self._next_id  # Textlocal's id, kept in `extra` for the control API
                self._next_id += 1
            try:
                msg = self._carrier.send_message(
                    "+" + number, from_number, shown, {**extra, "messageId": str(message_id)}
                )
            except Refusal as exc:
                if len(valid) == 1:
                    return failure(_REFUSED.get(exc.code, NO_VALID_NUMBERS))
                continue
            with self._lock:
                self._ids[msg.sid] = message_id
                self._sids[message_id] = msg.sid
            # Numeric, as in shailahir/textlocal-api SentMessage.java (int id) and the send fixture
            # of n7st/netsplit-textlocal tests/Unit/Factory/SMS/ResponseFactoryTest.php.
            sent.append({"id": message_id, "recipient": int(number)})
        if not sent:
            return failure(NO_VALID_NUMBERS)
        with self._lock:
            self._balance -= parts * len(sent)
        return _ok(self._sent_body(sent, sender, shown, parts))

    def _sent_body(
        self, sent: list[dict[str, object]], sender: str, text: str, parts: int, test: bool = False
    ) -> dict[str, object]:
        with self._lock:
            balance = self._balance
        body: dict[str, object] = {
            "test_mode": test,
            "balance": balance,
            "batch_id": secrets.randbelow(900000000) + 100000000,
            "cost": parts * len(sent),
            "num_messages": len(sent),
            "message": {"num_parts": parts, "sender": sender, "content": text},
            "receipt_url": "",
            "custom": "",
            "messages": sent,
        }
        if test:
            del body["batch_id"]
        return body

    # -- /get_inboxes/ and /get_messages/ ------------------------------------------------------------

    def _all(self) -> list[dict[str, object]]:
        return self._carrier.all_messages()

    def _inboxes(self) -> Reply:
        inbound = [m for m in self._all() if m["direction"] == "inbound"]
        boxes = []
        for i, number in enumerate(self._numbers):
            mine = [m for m in inbound if m["to"] == number]
            boxes.append(
                {
                    "id": int(self.inbox_id(i)),
                    "number": int(_bare(number)),
                    "keyword": None,
                    "num_messages": len(mine),
                    "num_contacts": len({m["from"] for m in mine}),
                    "newMsgs": 0,
                }
            )
        return _ok({"num_inboxes": len(boxes), "inboxes": boxes})

    def _messages(self, params: dict[str, str]) -> Reply:
        box = params.get("inbox_id", "")
        index = next((i for i in range(len(self._numbers)) if self.inbox_id(i) == box), None)
        if index is None:
            return failure(INVALID_INBOX)
        try:
            now = int(datetime.now(UTC).timestamp())
            min_time = int(params.get("min_time") or now - 183 * 86400)  # "defaults to 6 months ago"
            max_time = int(params.get("max_time") or now)
            start = int(params.get("start") or 0)
            limit = int(params.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            return failure(INVALID_INBOX)
        order = params.get("sort_order", "asc")
        number = self._numbers[index]
        found = []
        for m in self._all():  # oldest first, which orders texts of the same second
            if m["direction"] != "inbound" or m["to"] != number:
                continue
            moment = parsedate_to_datetime(str(m["date_created"]))
            if min_time <= int(moment.timestamp()) <= max_time:
                found.append((moment, m))
        if order == "desc":
            found.reverse()
        page = found[start : start + max(limit, 0)]
        return _ok(
            {
                "inbox_id": box,
                "num_messages": len(found),
                "min_time": min_time,
                "max_time": max_time,
                "sort_order": order,
                "sort_field": params.get("sort_field", "date"),
                "start": start,
                "limit": limit,
                "messages": [
                    {
                        "id": str(self._id_of(str(m["sid"]))),
                        "number": int(_bare(str(m["from"]))),
                        "message": m["body"],
                        "date": textlocal_date(moment),
                        "isNew": True,
                        "status": "?",
                    }
                    for moment, m in page
                ],
            }
        )

    # -- /status_message/ and /get_history_single/ ---------------------------------------------------

    def _status(self, params: dict[str, str]) -> Reply:
        try:
            wanted = int(params.get("message_id", ""))
        except ValueError:
            return failure(INVALID_MESSAGE_ID)
        with self._lock:
            sid = self._sids.get(wanted)
        found = next((m for m in self._all() if m["sid"] == sid), None) if sid else None
        if found is None or found["direction"] != "outbound-api":
            return failure(INVALID_MESSAGE_ID)
        return _ok(
            {
                "message": {
                    "id": wanted,
                    "recipient": int(_bare(str(found["to"]))),
                    "type": "sms",
                    "status": _LETTER.get(str(found["status"]), "?"),
                    "date": textlocal_date(parsedate_to_datetime(str(found["date_updated"]))),
                }
            }
        )

    def _history(self, params: dict[str, str]) -> Reply:
        try:
            min_time = int(params.get("min_time") or 0)
            max_time = int(params.get("max_time") or datetime.now(UTC).timestamp())
            start = int(params.get("start") or 0)
            limit = int(params.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            return failure(INVALID_MESSAGE_ID)
        rows = []
        for m in self._all():
            if m["direction"] != "outbound-api":
                continue
            moment = parsedate_to_datetime(str(m["date_created"]))
            if min_time <= int(moment.timestamp()) <= max_time:
                extra = m.get("extra") if isinstance(m.get("extra"), dict) else {}
                rows.append(
                    {
                        "id": str(self._id_of(str(m["sid"]))),
                        "number": int(_bare(str(m["to"]))),
                        "content": m["body"],
                        "datetime": textlocal_date(moment),
                        "status": _LETTER.get(str(m["status"]), "?"),
                        "sender": extra.get("sender") or _bare(str(m["from"])),  # type: ignore[union-attr]
                    }
                )
        if params.get("sort_order", "desc") == "desc":
            rows.reverse()
        return _ok({"start": start, "limit": limit, "total": len(rows), "messages": rows[start : start + limit]})
