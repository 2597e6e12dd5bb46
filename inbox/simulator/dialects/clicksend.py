"""ClickSend's REST API v3 (SMS), as its public reference and official SDK (`clicksend-client`) describe it.

- Auth: HTTP Basic, `username:api_key` (`--account-sid` is the username, `--auth-token` the API key);
  wrong credentials are 401.
- Every answer is the envelope `{"http_code", "response_code", "response_msg", "data"}`; errors use
  it too (`"response_code": "UNAUTHORIZED"`, `"BAD_REQUEST"`, `"NOT_FOUND"`, `"TOO_MANY_REQUESTS"`...).
- Send: POST /v3/sms/send `{"messages": [{"to", "from", "body", "source", "custom_string"}]}`;
  200 with `data.messages[]` each carrying its own `status` ("SUCCESS", or why not:
  "INVALID_RECIPIENT", "EMPTY_MESSAGE", "INVALID_SENDER_ID"...), `message_id` (an upper-case UUID),
  `message_parts`, `date` (Unix seconds). ClickSend picks the encoding and splits long texts.
- Inbound: GET /v3/sms/inbound?page=&limit= (page from 1, limit 15 to 100): the messages not yet
  marked read, account-wide, paged in the usual `data` envelope (`total`, `per_page`,
  `current_page`, `last_page`, `next_page_url`, `data`); a message stays listed until
  PUT /v3/sms/inbound-read/{message_id} (one) or PUT /v3/sms/inbound-read `{"date_before"}` (all
  received before that Unix time) marks it read. GET /v3/sms/inbound/{id} still shows a read one.
- Receipts: GET /v3/sms/receipts (the unread delivery receipts, same paging), PUT
  /v3/sms/receipts-read `{"date_before"}`, GET /v3/sms/receipts/{message_id} (one, read or not).
- History: GET /v3/sms/history?date_from=&date_to=&page=&limit= (our sends, for reconciliation).
- The SMS API bypasses ClickSend's opt-out list (it applies to campaigns and contact lists), so
  `--opt-out-handling` is off by default; on, a refused recipient says INVALID_RECIPIENT.

What the public material does not fix (the receipt status codes other than 201 "received on
handset", the exact response_msg sentences, the order of the unread list) is this simulator's
choice, named in docs/providers/clicksend/.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote

from inbox.simulator.carrier import Carrier, Refusal, SimMessage
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply

DEFAULT_LIMIT = 15
MIN_LIMIT, MAX_LIMIT = 15, 100
# Receipt (status_code, status_text, error_code, error_text) per simulated outcome.
DELIVERED = (201, "Success: Message received on handset.", None, None)
UNDELIVERED = (301, "Failed: Message not delivered.", 9, "Unknown subscriber")
FAILED = (302, "Failed: Message rejected by the network.", 4, "Rejected by operator")
_REFUSED = {  # the carrier's (Twilio) code as ClickSend's per-message status
    21211: "INVALID_RECIPIENT",
    21604: "INVALID_RECIPIENT",
    21610: "INVALID_RECIPIENT",
    21602: "EMPTY_MESSAGE",
    21603: "INVALID_SENDER_ID",
    21606: "INVALID_SENDER_ID",
    21617: "MESSAGE_TOO_LONG",
}
_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def envelope(status: int, message: str, data: object = None, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    code = "SUCCESS" if status == 200 else _ERROR_CODES.get(status, "ERROR")
    body = {"http_code": status, "response_code": code, "response_msg": message, "data": data}
    return Reply(status, json.dumps(body, ensure_ascii=False).encode(), headers)


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


class ClickSendDialect:
    name = "clicksend"

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._username = carrier.config.account_sid
        self._key = carrier.config.auth_token
        self._ours = frozenset(carrier.config.numbers)
        self._lock = threading.Lock()
        self._read: set[str] = set()  # inbound sids marked read
        self._receipts_read: set[str] = set()  # outbound sids whose receipt was marked read
        self._ids: dict[str, str] = {}  # ClickSend message_id -> carrier sid
        self._by_sid: dict[str, str] = {}  # carrier sid -> ClickSend message_id

    def request_kind(self, method: str, path: str) -> str:
        path = path.rstrip("/")
        if path == "/v3/sms/send":
            return "create"
        if path == "/v3/sms/inbound":
            return "list"
        if path.startswith("/v3/sms/inbound-read"):
            return "mark_read"
        if path.startswith("/v3/sms/receipts"):
            return "reports"
        if path == "/v3/sms/history":
            return "logs"
        if path.startswith("/v3/account"):
            return "account"
        return "other"

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            return envelope(429, "Too many requests.", None, (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            return envelope(503, "Service unavailable.", None, (("Retry-After", "1"),))
        return envelope(500, "Internal server error.")

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, key = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user.encode(), self._username.encode()) and secrets.compare_digest(
            key.encode(), self._key.encode()
        )

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        if not self._authorized(headers.get("Authorization")):
            return envelope(401, "Unauthorized: check your username and API key.")
        path = path.rstrip("/")
        params = parse_qs(query, keep_blank_values=True)
        try:
            if method == "POST" and path == "/v3/sms/send":
                return self._send(body)
            if method == "GET" and path == "/v3/sms/inbound":
                return self._inbound(params)
            if method == "GET" and path.startswith("/v3/sms/inbound/"):
                return self._one_inbound(unquote(path.rsplit("/", 1)[1]))
            if method == "PUT" and path == "/v3/sms/inbound-read":
                return self._mark_inbound_before(body)
            if method == "PUT" and path.startswith("/v3/sms/inbound-read/"):
                return self._mark_inbound(unquote(path.rsplit("/", 1)[1]))
            if method == "GET" and path == "/v3/sms/receipts":
                return self._receipts(params)
            if method == "GET" and path.startswith("/v3/sms/receipts/"):
                return self._one_receipt(unquote(path.rsplit("/", 1)[1]))
            if method == "PUT" and path == "/v3/sms/receipts-read":
                return self._mark_receipts_before(body)
            if method == "GET" and path == "/v3/sms/history":
                return self._history(params)
            if method == "GET" and path == "/v3/account":
                return envelope(200, "Here's your account", {"username": self._username, "active": 1})
        except _BadRequest as exc:
            return envelope(400, str(exc))
        return envelope(404, f"Resource {path} not found.")

    # -- POST /v3/sms/send -----------------------------------------------------------------------

    def _send(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body)
            messages = payload["messages"]
            if not isinstance(messages, list) or not messages:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise _BadRequest("messages: at least one message is required.") from None
        answers = []
        for message in messages:
            if not isinstance(message, dict):
                raise _BadRequest("messages: each message must be an object.")
            answers.append(self._one_send(message))
        queued = sum(1 for a in answers if a["status"] == "SUCCESS")
        data = {
            "total_price": round(0.07 * sum(int(a.get("message_parts") or 0) for a in answers), 4),
            "total_count": len(answers),
            "queued_count": queued,
            "messages": answers,
            "_currency": {"currency_name_short": "USD", "currency_prefix_d": "$", "currency_prefix_c": "¢"},
            "blocked_count": len(answers) - queued,
        }
        return envelope(200, "Messages queued for delivery.", data)

    def _one_send(self, message: dict[str, object]) -> dict[str, object]:
        to, sender, text = message.get("to"), message.get("from"), message.get("body")
        shown: dict[str, object] = {
            "direction": "out",
            "date": _unix(datetime.now(UTC)),
            "to": to,
            "body": text,
            "from": sender,
            "schedule": 0,
            "custom_string": message.get("custom_string") or "",
        }
        message_id = str(uuid.uuid4()).upper()
        try:
            msg = self._carrier.send_message(
                to if isinstance(to, str) else None,
                sender if isinstance(sender, str) and sender else self._carrier.config.numbers[0],
                text if isinstance(text, str) else None,
                {"message_id": message_id},  # kept so tests can tie the phone's message to ClickSend's id
            )
        except Refusal as exc:
            return {
                **shown,
                "message_id": message_id,
                "status": _REFUSED.get(exc.code, "INVALID_RECIPIENT"),
            }
        with self._lock:
            self._ids[message_id] = msg.sid
            self._by_sid[msg.sid] = message_id
        return {
            **shown,
            "from": msg.from_number,
            "message_id": message_id,
            "message_parts": msg.num_segments,
            "message_price": f"{0.07 * msg.num_segments:.4f}",
            "user_id": 1,
            "subaccount_id": 1,
            "country": "US",
            "carrier": "Simulated",
            "status": "SUCCESS",
        }

    # -- inbound: unread until marked read --------------------------------------------------------

    def _mo(self, m: SimMessage) -> dict[str, object]:
        words = m.body.split()
        return {
            "timestamp": _unix(m.created),
            "from": m.from_number,
            "body": m.body,
            "original_body": "",
            "original_message_id": "",
            "to": m.to_number,
            "custom_string": "",
            "message_id": m.sid,
            "_keyword": words[0].lower() if words else "",
        }

    def _inbound(self, params: dict[str, list[str]]) -> Reply:
        page, limit = _paging(params)
        with self._lock:
            read = set(self._read)
        unread = [m for m in reversed(self._carrier.received(self._ours, None, None)) if m.sid not in read]
        return envelope(200, "Here are your data.", self._page(unread, page, limit, "/v3/sms/inbound", self._mo))

    def _one_inbound(self, message_id: str) -> Reply:
        for m in self._carrier.received(self._ours, None, None):
            if m.sid == message_id:
                return envelope(200, "Here is your inbound message.", self._mo(m))
        return envelope(404, f"Inbound message {message_id} not found.")

    def _mark_inbound(self, message_id: str) -> Reply:
        known = {m.sid for m in self._carrier.received(self._ours, None, None)}
        if message_id not in known:
            return envelope(404, f"Inbound message {message_id} not found.")
        with self._lock:
            self._read.add(message_id)
        return envelope(200, "Inbound messages have been marked as read.", 1)

    def _mark_inbound_before(self, body: bytes) -> Reply:
        before = _date_before(body)
        found = self._carrier.received(self._ours, None, before)
        with self._lock:
            self._read.update(m.sid for m in found)
        return envelope(200, "Inbound messages have been marked as read.", {"date_before": _unix(before)})

    # -- receipts --------------------------------------------------------------------------------

    def _finals(self) -> list[SimMessage]:
        """Our sends with a final state, oldest first."""
        sent = self._carrier.outbound_log(None, frozenset(), None, 1 << 30)
        return [m for m in reversed(sent) if m.status in ("delivered", "undelivered", "failed")]

    def _receipt(self, m: SimMessage) -> dict[str, object] | None:
        with self._lock:
            message_id = self._by_sid.get(m.sid)
        if message_id is None:
            return None  # a provider auto-reply, not one of the API's sends
        code, text, error_code, error_text = {"delivered": DELIVERED, "undelivered": UNDELIVERED}.get(m.status, FAILED)
        return {
            "timestamp_send": _unix(m.created),
            "timestamp": _unix(m.updated),
            "message_id": message_id,
            "status_code": code,
            "status_text": text,
            "error_code": error_code,
            "error_text": error_text,
            "custom_string": None,
            "subaccount_id": 1,
            "message_type": "sms",
        }

    def _receipts(self, params: dict[str, list[str]]) -> Reply:
        page, limit = _paging(params)
        with self._lock:
            read = set(self._receipts_read)
        records = [r for m in self._finals() if m.sid not in read and (r := self._receipt(m)) is not None]
        return envelope(200, "Here are your delivery receipts.", self._page(records, page, limit, "/v3/sms/receipts"))

    def _one_receipt(self, message_id: str) -> Reply:
        with self._lock:
            sid = self._ids.get(message_id)
        for m in self._finals():
            if m.sid == sid and (record := self._receipt(m)) is not None:
                return envelope(200, "Here is your receipt.", record)
        return envelope(404, f"Receipt for message {message_id} not found.")

    def _mark_receipts_before(self, body: bytes) -> Reply:
        before = _date_before(body)
        done = [m.sid for m in self._finals() if m.updated < before]
        with self._lock:
            self._receipts_read.update(done)
        return envelope(200, "Receipts have been marked as read.", {"date_before": _unix(before)})

    # -- history ---------------------------------------------------------------------------------

    def _history(self, params: dict[str, list[str]]) -> Reply:
        page, limit = _paging(params)
        start = _unix_param(params, "date_from")
        end = _unix_param(params, "date_to")
        records = []
        for m in reversed(self._carrier.outbound_log(None, frozenset(), start, 1 << 30)):
            with self._lock:
                message_id = self._by_sid.get(m.sid)
            if message_id is None or (end is not None and m.created > end):
                continue
            records.append(
                {
                    "direction": "out",
                    "date": _unix(m.created),
                    "to": m.to_number,
                    "body": m.body,
                    "from": m.from_number,
                    "message_id": message_id,
                    "message_parts": m.num_segments,
                    "status": "Delivered" if m.status == "delivered" else "Sent",
                }
            )
        return envelope(200, "Here is your history.", self._page(records, page, limit, "/v3/sms/history"))

    @staticmethod
    def _page(records: list, page: int, limit: int, path: str, shape=lambda r: r) -> dict[str, object]:  # type: ignore[no-untyped-def]
        last = max(1, -(-len(records) // limit))
        chunk = records[(page - 1) * limit : page * limit]
        first = (page - 1) * limit + 1 if chunk else None
        return {
            "total": len(records),
            "per_page": limit,
            "current_page": page,
            "last_page": last,
            "next_page_url": f"{path}?page={page + 1}" if page < last else None,
            "prev_page_url": f"{path}?page={page - 1}" if page > 1 else None,
            "from": first,
            "to": first + len(chunk) - 1 if first else None,
            "data": [shape(r) for r in chunk],
        }


class _BadRequest(ValueError):
    pass


def _paging(params: dict[str, list[str]]) -> tuple[int, int]:
    try:
        page = int((params.get("page") or ["1"])[0])
        limit = int((params.get("limit") or [str(DEFAULT_LIMIT)])[0])
    except ValueError:
        raise _BadRequest("page and limit must be integers.") from None
    if page < 1:
        raise _BadRequest("page must be 1 or more.")
    if limit < MIN_LIMIT or limit > MAX_LIMIT:
        raise _BadRequest(f"limit must be between {MIN_LIMIT} and {MAX_LIMIT}.")
    return page, limit


def _unix_param(params: dict[str, list[str]], name: str) -> datetime | None:
    values = params.get(name)
    if not values or not values[0]:
        return None
    try:
        return datetime.fromtimestamp(int(values[0]), UTC)
    except (ValueError, OverflowError, OSError):
        raise _BadRequest(f"{name} must be a Unix timestamp.") from None


def _date_before(body: bytes) -> datetime:
    """The optional `date_before` (Unix seconds) of a mark-read request; none means everything."""
    try:
        payload = json.loads(body) if body.strip() else {}
        value = payload.get("date_before") if isinstance(payload, dict) else None
        if value is None:
            return datetime.max.replace(tzinfo=UTC)
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        raise _BadRequest("date_before must be a Unix timestamp.") from None
