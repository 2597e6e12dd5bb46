"""Infobip's SMS API, as its public reference and official Python SDK describe it.

- Auth: `Authorization: App <API key>` (the key is `--auth-token`; Infobip has no account id in
  requests, so `--account-sid` is ignored). A wrong key is 401.
- Send: POST /sms/3/messages, JSON `{"messages": [{"sender", "destinations": [{"to"}], "content":
  {"text"}, "options": {"regional": {"indiaDlt": {...}}}}]}`; 200 with a `bulkId` and one entry per
  destination, whose `status` says PENDING_ACCEPTED or, for a destination refused, a REJECTED one.
- Inbound: GET /sms/1/inbox/reports?limit=N (default 50, at most 1000): each message handed out
  once, no acknowledgement; `pendingMessageCount` says how many still wait.
- Delivery: GET /sms/3/reports?limit=N[&messageId=]: each final state handed out once.
- Logs: GET /sms/3/logs?destination=&messageId=&sentSince=&limit=: our sends, read as often as
  asked (not consumed), for reconciliation.
- Errors: the v3 endpoints answer `{"errorCode", "description", "action", "violations",
  "resources"}`; the v1 inbox the older `{"requestError": {"serviceException": {"messageId",
  "text"}}}`.
- Numbers go out without the leading "+" (Infobip's examples: "41793026727"); both are accepted in.

What the public material does not fix (which REJECTED status a given refusal gets, the exact
descriptions) is this simulator's choice, named in docs/providers/infobip/README.md.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs

from inbox.simulator.carrier import Carrier, Refusal, SimMessage
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_NUMBERISH = re.compile(r"^\+?[0-9]{6,15}$")

# Status objects {groupId, groupName, id, name, description} (Infobip's response status codes).
PENDING_ACCEPTED = (1, "PENDING", 26, "PENDING_ACCEPTED", "Message sent to next instance")
PENDING_WAITING_DELIVERY = (1, "PENDING", 3, "PENDING_WAITING_DELIVERY", "Message sent, waiting for delivery report")
DELIVERED_TO_HANDSET = (3, "DELIVERED", 5, "DELIVERED_TO_HANDSET", "Message delivered to handset")
UNDELIVERABLE_NOT_DELIVERED = (2, "UNDELIVERABLE", 9, "UNDELIVERABLE_NOT_DELIVERED", "Message sent not delivered")
UNDELIVERABLE_REJECTED_OPERATOR = (
    2,
    "UNDELIVERABLE",
    4,
    "UNDELIVERABLE_REJECTED_OPERATOR",
    "Message rejected by operator",
)
REJECTED_DESTINATION = (5, "REJECTED", 14, "REJECTED_DESTINATION", "Message rejected: destination blocked")
REJECTED_INVALID_DESTINATION = (5, "REJECTED", 52, "REJECTED_INVALID_DESTINATION", "Invalid destination address")
REJECTED_SENDER = (5, "REJECTED", 13, "REJECTED_SENDER", "Sender is not allowed")
REJECTED_MESSAGE_TOO_LONG = (5, "REJECTED", 25, "REJECTED_MESSAGE_TOO_LONG", "Message too long")
NO_ERROR = {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error", "permanent": False}
HANDSET_ERROR = {
    "groupId": 1,
    "groupName": "HANDSET_ERRORS",
    "id": 1,
    "name": "EC_UNKNOWN_SUBSCRIBER",
    "description": "Unknown subscriber",
    "permanent": True,
}
_REFUSED = {  # a carrier refusal (Twilio's code) as the status Infobip gives that destination
    21610: REJECTED_DESTINATION,
    21211: REJECTED_INVALID_DESTINATION,
    21604: REJECTED_INVALID_DESTINATION,
    21606: REJECTED_SENDER,
    21617: REJECTED_MESSAGE_TOO_LONG,
}


def _status(group: tuple[int, str, int, str, str]) -> dict[str, object]:
    gid, gname, sid, name, description = group
    return {"groupId": gid, "groupName": gname, "id": sid, "name": name, "description": description}


def infobip_date(moment: datetime | None) -> str | None:
    """Infobip's timestamps: '2019-11-09T16:00:00.000+0000'."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _bare(number: str) -> str:
    return number[1:] if number.startswith("+") else number


def _e164(number: str) -> str:
    return number if number.startswith("+") else "+" + number


def api_error(status: int, code: str, description: str, action: str = "", violations: list | None = None) -> Reply:
    """The v3 endpoints' error body."""
    body = {
        "errorCode": code,
        "description": description,
        "action": action or "Check the request and try again.",
        "violations": violations or [],
        "resources": [],
    }
    return Reply(status, json.dumps(body).encode())


def service_exception(status: int, message_id: str, text: str) -> Reply:
    """The v1 endpoints' error body."""
    return Reply(
        status, json.dumps({"requestError": {"serviceException": {"messageId": message_id, "text": text}}}).encode()
    )


def _json(payload: object) -> Reply:
    return Reply(200, json.dumps(payload, ensure_ascii=False).encode())


class InfobipDialect:
    name = "infobip"

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._key = carrier.config.auth_token
        self._ours = frozenset(carrier.config.numbers)

    def request_kind(self, method: str, path: str) -> str:
        return {
            ("POST", "/sms/3/messages"): "create",
            ("GET", "/sms/1/inbox/reports"): "list",
            ("GET", "/sms/3/reports"): "reports",
            ("GET", "/sms/3/logs"): "logs",
        }.get((method, path), "other")

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            reply = api_error(429, "E429", "Too many requests.", "Slow down and retry later.")
            return Reply(429, reply.body, (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            reply = api_error(503, "E503", "Service unavailable.", "Retry later.")
            return Reply(503, reply.body, (("Retry-After", "1"),))
        return api_error(500, "E500", "Something went wrong.", "Retry later.")

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("App "):
            return False
        return secrets.compare_digest(header[4:].strip().encode(), self._key.encode())

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        kind = self.request_kind(method, path)
        v1 = path.startswith("/sms/1/")
        if kind == "other":
            return api_error(404, "E404", f"Resource {path} not found.", "Check the path.")
        if not self._authorized(headers.get("Authorization")):
            if v1:
                return service_exception(401, "UNAUTHORIZED", "Invalid login details")
            return api_error(401, "E401", "Unauthorized access.", "Check your API key.")
        params = parse_qs(query, keep_blank_values=True)
        try:
            limit = self._limit(params)
        except ValueError as exc:
            if v1:
                return service_exception(400, "BAD_REQUEST", str(exc))
            return api_error(
                400, "E400", "Request cannot be processed.", violations=[{"property": "limit", "violation": str(exc)}]
            )
        if kind == "create":
            return self._send(body)
        if kind == "list":
            return self._inbox(limit)
        if kind == "reports":
            return self._reports(limit, _first(params, "messageId"))
        return self._logs(params, limit)

    @staticmethod
    def _limit(params: dict[str, list[str]]) -> int:
        text = _first(params, "limit")
        if text is None:
            return DEFAULT_LIMIT
        try:
            value = int(text)
        except ValueError:
            raise ValueError("limit must be an integer") from None
        if value < 1 or value > MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        return value

    # -- POST /sms/3/messages --------------------------------------------------------------------

    def _send(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body)
            messages = payload["messages"]
            if not isinstance(messages, list) or not messages:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return api_error(
                400,
                "E400",
                "Request cannot be processed.",
                violations=[{"property": "messages", "violation": "must not be empty"}],
            )
        bulk_id = secrets.token_hex(12)
        answers: list[dict[str, object]] = []
        for message in messages:
            if not isinstance(message, dict):
                return api_error(400, "E400", "Request cannot be processed.")
            content = message.get("content") or {}
            text = content.get("text") if isinstance(content, dict) else None
            sender = message.get("sender")
            options = message.get("options") if isinstance(message.get("options"), dict) else {}
            extra: dict[str, object] = {}
            regional = options.get("regional") if isinstance(options, dict) else None
            if isinstance(regional, dict) and isinstance(regional.get("indiaDlt"), dict):
                extra["indiaDlt"] = regional["indiaDlt"]
            # Without a sender, or with an alphanumeric header (India: the DLT header), the text
            # goes out of the account's first number as far as the phones are concerned.
            from_number = self._carrier.config.numbers[0]
            if isinstance(sender, str) and sender:
                if _NUMBERISH.match(sender):
                    from_number = _e164(sender)
                else:
                    extra["sender"] = sender
            for dest in message.get("destinations") or []:
                to = dest.get("to") if isinstance(dest, dict) else None
                answers.append(self._one(to, from_number, text, extra))
        return _json({"bulkId": bulk_id, "messages": answers})

    def _one(self, to: object, from_number: str | None, text: object, extra: dict[str, object]) -> dict[str, object]:
        shown = str(to or "")
        try:
            msg = self._carrier.send_message(
                _e164(shown) if isinstance(to, str) and to else None,
                from_number,
                text if isinstance(text, str) else None,
                dict(extra),
            )
        except Refusal as exc:
            status = _REFUSED.get(exc.code, REJECTED_INVALID_DESTINATION)
            return {"messageId": secrets.token_hex(16), "status": _status(status), "destination": shown}
        return {
            "messageId": msg.sid,
            "status": _status(PENDING_ACCEPTED),
            "destination": _bare(msg.to_number),
            "details": {"messageCount": msg.num_segments},
        }

    # -- GET /sms/1/inbox/reports ----------------------------------------------------------------

    def _inbox(self, limit: int) -> Reply:
        taken, waiting = self._carrier.take_inbound(self._ours, limit)
        results = [
            {
                "messageId": m.sid,
                "from": _bare(m.from_number),
                "to": _bare(m.to_number),
                "text": m.body,
                "cleanText": m.body,
                "keyword": m.body.split()[0].upper() if m.body.split() else "",
                "receivedAt": infobip_date(m.created),
                "smsCount": m.num_segments,
                "price": {"pricePerMessage": 0, "currency": "EUR"},
                "callbackData": None,
            }
            for m in taken
        ]
        return _json({"results": results, "messageCount": len(results), "pendingMessageCount": waiting})

    # -- GET /sms/3/reports and /sms/3/logs --------------------------------------------------------

    def _outcome(self, m: SimMessage) -> tuple[dict[str, object], dict[str, object]]:
        if m.status == "delivered":
            return _status(DELIVERED_TO_HANDSET), NO_ERROR
        if m.status == "undelivered":
            return _status(UNDELIVERABLE_NOT_DELIVERED), HANDSET_ERROR
        if m.status == "failed":
            return _status(UNDELIVERABLE_REJECTED_OPERATOR), HANDSET_ERROR
        if m.status == "sent":
            return _status(PENDING_WAITING_DELIVERY), NO_ERROR
        return _status(PENDING_ACCEPTED), NO_ERROR

    def _record(self, m: SimMessage) -> dict[str, object]:
        status, error = self._outcome(m)
        sender = (m.extra or {}).get("sender") or _bare(m.from_number)
        return {
            "bulkId": None,
            "messageId": m.sid,
            "to": _bare(m.to_number),
            "sender": sender,
            "sentAt": infobip_date(m.created),
            "doneAt": infobip_date(m.updated),
            "messageCount": m.num_segments,
            "price": {"pricePerMessage": 0, "currency": "EUR"},
            "status": status,
            "error": error,
        }

    def _reports(self, limit: int, message_id: str | None) -> Reply:
        return _json({"results": [self._record(m) for m in self._carrier.take_reports(limit, message_id)]})

    def _logs(self, params: dict[str, list[str]], limit: int) -> Reply:
        destination = _first(params, "destination")
        since_text = _first(params, "sentSince")
        since = None
        if since_text:
            try:
                since = _parse_date(since_text)
            except ValueError:
                return api_error(
                    400,
                    "E400",
                    "Request cannot be processed.",
                    violations=[{"property": "sentSince", "violation": "invalid date"}],
                )
        ids = frozenset(params.get("messageId", []))
        found = self._carrier.outbound_log(_e164(destination) if destination else None, ids, since, limit)
        results = []
        for m in found:
            record = self._record(m)
            record["destination"] = record.pop("to")
            record["content"] = {"text": m.body}
            results.append(record)
        return _json({"results": results, "cursor": None})


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _parse_date(text: str) -> datetime:
    """'2026-12-01T15:00:00.000+0000' or with microseconds (the SDK's format), or ISO 8601."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt).astimezone(UTC)
        except ValueError:
            continue
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
