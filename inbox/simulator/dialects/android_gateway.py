"""SMS Gateway for Android (capcom6/android-sms-gateway, Apache-2.0) in *local server mode*: the
business's own phone answers on its local address (http://192.168.1.5:8080), as its app's own
OpenAPI (`app/src/main/assets/api/swagger.json`, copied to docs/providers/android-gateway/) and
its routes (`modules/localserver/WebService.kt`, `routes/MessagesRoutes.kt`, `routes/InboxRoutes.kt`)
describe it.

- Auth: HTTP Basic, the user and password set in the app (`--account-sid`, `--auth-token`); a wrong
  pair is 401 with an empty body (Ktor's basic provider). GET /health needs none.
- Send: POST /message or /messages, JSON `{"id"?, "textMessage": {"text"} | "message", "phoneNumbers":
  [...], "simNumber"?, "withDeliveryReport"?}`; 202 with the message's state `{"id", "deviceId",
  "state": "Pending", "isHashed", "isEncrypted", "recipients": [{"phoneNumber", "state", "error"}],
  "states": {state: time}}`; an id given twice is 409. Errors are `{"message": "..."}`.
- State: GET /message/{id} or /messages/{id}: Pending, Processed, Sent, Delivered, Failed (with the
  recipient's `error`); 404 for an unknown id. GET /messages lists them (from, to, limit, offset,
  includeContent), newest first.
- Inbound: GET /inbox with `from`/`to` (ISO 8601), `limit` (1..500, default 50), `offset`, `type`:
  the phone's received texts, newest first (`ORDER BY createdAt DESC, id DESC`), `X-Total-Count`;
  read again as often as asked (nothing is consumed): a list with a cursor.
- Dates are written as the app's Gson does: `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` (UTC here).

No one answers STOP on a phone's own SIM: opt-out handling is off by default for this dialect.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs

from inbox.simulator.carrier import Carrier, Refusal
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply

MAX_INBOX_LIMIT = 500
DEFAULT_USER = "sms"
_STATE = {"queued": "Pending", "sent": "Sent", "delivered": "Delivered", "undelivered": "Failed", "failed": "Failed"}
_UNAUTHORIZED = (("WWW-Authenticate", 'Basic realm="Access to SMS Gateway", charset=UTF-8'),)


def gateway_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _message(status: int, text: str) -> Reply:
    return Reply(status, json.dumps({"message": text}).encode())


def _json(payload: object, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode(), headers)


def _when(value: object) -> datetime:
    return parsedate_to_datetime(str(value))


def _iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class AndroidGatewayDialect:
    name = "android-gateway"

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._user = carrier.config.account_sid or DEFAULT_USER  # the app's default user
        self._password = carrier.config.auth_token
        self._numbers = tuple(carrier.config.numbers)
        # The app's device id: 21 characters, like the NanoIDs it makes.
        self.device_id = hashlib.sha256(",".join(self._numbers).encode()).hexdigest()[:21]
        self._lock = threading.Lock()
        self._sids: dict[str, tuple[str, str]] = {}  # our message id -> (carrier sid, phone number as sent)

    def request_kind(self, method: str, path: str) -> str:
        parts = [p for p in path.split("/") if p]
        if parts[:1] in (["message"], ["messages"]):
            if len(parts) == 1:
                return "create" if method == "POST" else "logs"
            return "fetch"
        if parts == ["inbox"]:
            return "list"
        if parts == ["health"]:
            return "health"
        return "other"

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            reply = _message(429, "Too many requests")
            return Reply(429, reply.body, (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            reply = _message(503, "Service unavailable")
            return Reply(503, reply.body, (("Retry-After", "1"),))
        return _message(500, "Internal server error")

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user.encode(), self._user.encode()) and secrets.compare_digest(
            password.encode(), self._password.encode()
        )

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        kind = self.request_kind(method, path)
        if kind == "health":
            return _json({"status": "pass", "version": "simulator", "releaseId": 1, "checks": {}})
        if kind == "other":
            return Reply(404, b"")
        if not self._authorized(headers.get("Authorization")):
            return Reply(401, b"", _UNAUTHORIZED)
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items() if v}
        if kind == "create":
            return self._send(body)
        if kind == "fetch":
            return self._state(path.rstrip("/").rsplit("/", 1)[-1])
        if kind == "logs":
            return self._sent(params)
        return self._inbox(params)

    # -- POST /messages ------------------------------------------------------------------------------

    def _send(self, body: bytes) -> Reply:
        try:
            request = json.loads(body)
            if not isinstance(request, dict):
                raise ValueError
        except ValueError:
            return _message(400, "Invalid request body")
        numbers = request.get("phoneNumbers")
        text_message = request.get("textMessage")
        text = text_message.get("text") if isinstance(text_message, dict) else request.get("message")
        if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
            return _message(400, "phoneNumbers is empty")
        if not isinstance(text, str) or not text:
            return _message(400, "Must specify exactly one of message, textMessage or dataMessage")
        wanted = request.get("id")
        message_id = wanted if isinstance(wanted, str) and wanted else secrets.token_urlsafe(16)[:21]
        with self._lock:
            if message_id in self._sids:
                return _message(409, f"Message with ID {message_id} already exists")
        sim = request.get("simNumber")
        index = sim - 1 if isinstance(sim, int) and 1 <= sim <= len(self._numbers) else 0
        recipients: list[dict[str, object]] = []
        for number in numbers:
            to = number if number.startswith("+") else "+" + number
            try:
                msg = self._carrier.send_message(
                    to, self._numbers[index], text, {"deviceId": self.device_id, "messageId": message_id}
                )
            except Refusal as exc:
                if exc.code in (21211, 21604):
                    return _message(400, f"Invalid phone number: {number}")
                recipients.append({"phoneNumber": number, "state": "Failed", "error": exc.message})
                continue
            with self._lock:
                self._sids[message_id if len(numbers) == 1 else f"{message_id}/{number}"] = (msg.sid, number)
            recipients.append({"phoneNumber": number, "state": "Pending", "error": None})
        with self._lock:
            self._sids.setdefault(message_id, ("", numbers[0]))
        now = gateway_date(datetime.now(UTC))
        state = "Failed" if all(r["state"] == "Failed" for r in recipients) else "Pending"
        return _json(
            {
                "id": message_id,
                "deviceId": self.device_id,
                "state": state,
                "isHashed": False,
                "isEncrypted": False,
                "textMessage": {"text": text},
                "recipients": recipients,
                "states": {state: now},
            },
            202,
        )

    # -- GET /messages/{id} and /messages ------------------------------------------------------------

    def _view(self, message_id: str, record: Mapping[str, object], number: str, content: bool) -> dict[str, object]:
        state = _STATE.get(str(record["status"]), "Pending")
        created, updated = _when(record["date_created"]), _when(record["date_updated"])
        states = {"Pending": gateway_date(created)}
        if record.get("date_sent"):
            states["Sent"] = gateway_date(_when(record["date_sent"]))
        if state in ("Delivered", "Failed"):
            states[state] = gateway_date(updated)
        error = record.get("error_message") if state == "Failed" else None
        view: dict[str, object] = {
            "id": message_id,
            "deviceId": self.device_id,
            "state": state,
            "isHashed": False,
            "isEncrypted": False,
            "recipients": [{"phoneNumber": number, "state": state, "error": error}],
            "states": states,
        }
        if content:
            view["textMessage"] = {"text": record["body"]}
        return view

    def _state(self, message_id: str) -> Reply:
        with self._lock:
            known = self._sids.get(message_id)
        if known is None or not known[0]:
            return Reply(404, b"")
        sid, number = known
        record = next((m for m in self._carrier.all_messages() if m["sid"] == sid), None)
        if record is None:
            return Reply(404, b"")
        return _json(self._view(message_id, record, number, True))

    def _sent(self, params: dict[str, str]) -> Reply:
        try:
            since = _iso(params["from"]) if params.get("from") else None
            until = _iso(params["to"]) if params.get("to") else None
            limit, offset = int(params.get("limit") or 50), int(params.get("offset") or 0)
        except ValueError:
            return _message(400, "Invalid request")
        content = params.get("includeContent", "false") == "true"
        with self._lock:
            ours = {sid: (mid, number) for mid, (sid, number) in self._sids.items() if sid and "/" not in mid}
        rows = []
        for record in reversed(self._carrier.all_messages()):
            if record["sid"] not in ours:
                continue
            created = _when(record["date_created"])
            if (since and created < since) or (until and created > until):
                continue
            mid, number = ours[str(record["sid"])]
            rows.append(self._view(mid, record, number, content))
        return _json(rows[offset : offset + limit], headers=(("X-Total-Count", str(len(rows))),))

    # -- GET /inbox ----------------------------------------------------------------------------------

    def _inbox(self, params: dict[str, str]) -> Reply:
        try:
            limit = int(params.get("limit") or 50)
            offset = int(params.get("offset") or 0)
        except ValueError:
            return _message(400, "limit must be between 1 and 500")
        if not 1 <= limit <= MAX_INBOX_LIMIT:
            return _message(400, "limit must be between 1 and 500")
        if offset < 0:
            return _message(400, "offset must be >= 0")
        try:
            since = _iso(params["from"]) if params.get("from") else datetime.fromtimestamp(0, UTC)
        except ValueError:
            return _message(400, "Invalid from datetime")
        try:
            until = _iso(params["to"]) if params.get("to") else datetime.now(UTC)
        except ValueError:
            return _message(400, "Invalid to datetime")
        if params.get("deviceId") not in (None, self.device_id):
            return _message(400, "Invalid device ID")
        if since > until:
            return _message(400, "Start date cannot be after end date")
        if params.get("type") not in (None, "SMS", "DATA_SMS", "MMS", "MMS_DOWNLOADED"):
            return _message(400, "Invalid type")
        if params.get("type") not in (None, "SMS"):
            return _json([], headers=(("X-Total-Count", "0"),))
        found = []
        for record in reversed(self._carrier.all_messages()):  # newest first
            if record["direction"] != "inbound" or record["to"] not in self._numbers:
                continue
            created = _when(record["date_created"])
            if since <= created <= until:
                found.append(
                    {
                        "id": record["sid"],
                        "type": "SMS",
                        "sender": record["from"],
                        "recipient": record["to"],
                        "simNumber": self._numbers.index(str(record["to"])) + 1,
                        "contentPreview": record["body"],
                        "createdAt": gateway_date(created),
                        "attachments": [],
                    }
                )
        return _json(found[offset : offset + limit], headers=(("X-Total-Count", str(len(found))),))
