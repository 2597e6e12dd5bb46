"""Sinch's SMS REST API (XMS), as its public reference and official Python SDK (`sinch`) describe it.

- Auth: `Authorization: Bearer <API token>`; every path names the service plan:
  /xms/v1/{service_plan_id}/... (`--account-sid` is the service plan id, `--auth-token` the token).
  A wrong token or plan is 401.
- Send: POST /xms/v1/{plan}/batches, JSON `{"from", "to": [...], "body"}`; 201 with the batch
  (`id`, `to`, `from`, `body`, `type: "mt_text"`, `created_at`, `canceled`...). Sinch picks the
  encoding and splits long texts itself. A batch is checked whole before anything is sent: a bad
  recipient, an empty body or a sender not of this plan is a 400 and nothing goes out. A recipient
  who opted out is accepted and reported `Deleted` (Sinch: "deleted by a remote SMSC... opted out
  subscriber"): Sinch has no opt-out error at send time.
- Batches: GET /batches/{id}; GET /batches?from=&start_date=&end_date=&page=&page_size= (newest first).
- Delivery reports without webhooks: GET /batches/{id}/delivery_report?type=summary|full
  (`statuses` of {code, count, status, recipients (full only)}), and
  GET /batches/{id}/delivery_report/{msisdn} (one recipient's report).
- Inbound: GET /xms/v1/{plan}/inbounds?start_date=&end_date=&to=&page=&page_size=: a list read as
  often as asked, newest first, `start_date` defaulting to 24 hours ago, messages kept 14 days;
  page numbers from 0, `count` the total, `page_size` what this page holds (at most 100).
- Errors: `{"code": "syntax_constraint_violation", "text": "..."}` (the XMS error body).
- Dates: ISO 8601 in UTC with milliseconds, `2019-08-24T14:15:22.000Z`; numbers in MO messages and
  recipient reports as MSISDNs without the "+".

What the public material does not fix (the exact `code` strings of 401/404/429 bodies, which
SMPP code an undelivered message gets) is this simulator's choice, named in docs/providers/sinch/.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote

from inbox.simulator.carrier import Carrier, Refusal, SimMessage, is_e164
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
DEFAULT_WINDOW = timedelta(hours=24)  # start_date's default
RETENTION = timedelta(days=14)  # inbounds older than this are gone
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PATH = re.compile(r"^/xms/v1/(?P<plan>[^/]+)/(?P<rest>.*)$")

# Delivery report (status, code) per simulated outcome. Delivered is code 0 in Sinch's examples;
# 400/401/402 are Sinch's own codes (Queued, Dispatched, Message unroutable); 11 is the SMPP code
# for an invalid destination address.
QUEUED = ("Queued", 400)
DISPATCHED = ("Dispatched", 401)
DELIVERED = ("Delivered", 0)
FAILED = ("Failed", 11)
ABORTED = ("Aborted", 402)
DELETED = ("Deleted", 11)  # an opted-out recipient


def sinch_date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_sinch_date(text: str) -> datetime:
    """ISO 8601 as the SDK and curl users write it ('Z' or an offset; a date alone is midnight UTC)."""
    value = text.strip().replace(" ", "+")  # an unencoded '+' in a query arrives as a space
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def error(status: int, code: str, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps({"code": code, "text": text}).encode(), headers)


def _json(payload: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode())


def _msisdn(number: str) -> str:
    return number[1:] if number.startswith("+") else number


def _e164(number: str) -> str:
    return number if number.startswith("+") else "+" + number


def new_batch_id() -> str:
    return "01" + "".join(secrets.choice(_CROCKFORD) for _ in range(24))


@dataclass(slots=True)
class _Recipient:
    number: str  # E.164
    sid: str | None  # the carrier's message; None when the carrier refused it (opted out)
    refused_at: datetime | None = None


@dataclass(slots=True)
class _Batch:
    id: str
    sender: str
    body: str
    created: datetime
    delivery_report: str
    client_reference: str | None
    recipients: list[_Recipient] = field(default_factory=list)


class SinchDialect:
    name = "sinch"

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._plan = carrier.config.account_sid
        self._token = carrier.config.auth_token
        self._ours = frozenset(carrier.config.numbers)
        self._lock = threading.Lock()
        self._batches: dict[str, _Batch] = {}

    def request_kind(self, method: str, path: str) -> str:
        match = _PATH.match(path)
        rest = match.group("rest").rstrip("/") if match else ""
        if rest == "batches":
            return "create" if method == "POST" else "list_batches"
        if rest == "inbounds":
            return "list"
        if rest.startswith("inbounds/"):
            return "fetch_inbound"
        if rest.startswith("batches/"):
            return "reports" if "/delivery_report" in rest else "fetch"
        return "other"

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            return error(429, "too_many_requests", "Too many requests, slow down.", (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            return error(503, "service_unavailable", "Service temporarily unavailable.", (("Retry-After", "1"),))
        return error(500, "internal_error", "An internal error occurred.")

    def _authorized(self, plan: str, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        token_ok = secrets.compare_digest(header[7:].strip().encode(), self._token.encode())
        return token_ok and secrets.compare_digest(plan.encode(), self._plan.encode())

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        match = _PATH.match(path)
        if match is None:
            return error(404, "not_found", f"Resource {path} not found.")
        if not self._authorized(unquote(match.group("plan")), headers.get("Authorization")):
            return error(401, "unauthorized", "Invalid service plan id or API token.")
        rest = match.group("rest").rstrip("/")
        parts = rest.split("/")
        params = parse_qs(query, keep_blank_values=True)
        try:
            if rest == "batches" and method == "POST":
                return self._send(body)
            if method != "GET":
                return error(405, "method_not_allowed", f"{method} is not allowed on {path}.")
            if rest == "batches":
                return self._list_batches(params)
            if rest == "inbounds":
                return self._inbounds(params)
            if parts[0] == "inbounds" and len(parts) == 2:
                return self._inbound(unquote(parts[1]))
            if parts[0] == "batches" and len(parts) == 2:
                return self._batch_reply(unquote(parts[1]))
            if parts[0] == "batches" and len(parts) >= 3 and parts[2] == "delivery_report":
                if len(parts) == 3:
                    return self._batch_report(unquote(parts[1]), params)
                if len(parts) == 4:
                    return self._recipient_report(unquote(parts[1]), unquote(parts[3]))
        except _BadParameter as exc:
            return error(400, "syntax_invalid_parameter_format", str(exc))
        return error(404, "not_found", f"Resource {path} not found.")

    # -- POST /batches ---------------------------------------------------------------------------

    def _send(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            return error(400, "syntax_invalid_json", "The JSON body could not be parsed.")
        sender, to, text = payload.get("from"), payload.get("to"), payload.get("body")
        kind = payload.get("type", "mt_text")
        if kind != "mt_text":
            return error(400, "syntax_constraint_violation", f"type '{kind}' is not supported by this simulator.")
        if not isinstance(to, list) or not to or not all(isinstance(n, str) for n in to):
            return error(400, "syntax_constraint_violation", "to: must contain at least one recipient.")
        if not isinstance(text, str) or not text:
            return error(400, "syntax_constraint_violation", "body: must not be empty.")
        numbers = [_e164(n.strip()) for n in to]
        bad = [n for n in numbers if not is_e164(n)]
        if bad:
            return error(400, "syntax_constraint_violation", f"to: '{_msisdn(bad[0])}' is not a valid MSISDN.")
        if sender is None:
            sender = self._carrier.config.numbers[0]
        if not isinstance(sender, str) or _e164(sender) not in self._ours:
            return error(400, "syntax_constraint_violation", f"from: '{sender}' is not a number of this service plan.")
        now = datetime.now(UTC)
        batch = _Batch(
            id=new_batch_id(),
            sender=_e164(sender),
            body=text,
            created=now,
            delivery_report=str(payload.get("delivery_report") or "none"),
            client_reference=payload.get("client_reference")
            if isinstance(payload.get("client_reference"), str)
            else None,
        )
        for number in numbers:
            try:
                msg = self._carrier.send_message(number, batch.sender, text, {"batch_id": batch.id})
            except Refusal as exc:
                if exc.code != 21610:
                    return error(400, "syntax_constraint_violation", exc.message)
                batch.recipients.append(_Recipient(number, None, now))  # opted out: reported Deleted
                continue
            batch.recipients.append(_Recipient(number, msg.sid))
        with self._lock:
            self._batches[batch.id] = batch
        return _json(self._resource(batch), 201)

    def _resource(self, batch: _Batch) -> dict[str, object]:
        resource: dict[str, object] = {
            "id": batch.id,
            "to": [r.number for r in batch.recipients],
            "from": batch.sender,
            "canceled": False,
            "body": batch.body,
            "type": "mt_text",
            "created_at": sinch_date(batch.created),
            "modified_at": sinch_date(batch.created),
            "delivery_report": batch.delivery_report,
            "expire_at": sinch_date(batch.created + timedelta(days=3)),
            "flash_message": False,
            "feedback_enabled": False,
        }
        if batch.client_reference:
            resource["client_reference"] = batch.client_reference
        return resource

    def _batch(self, batch_id: str) -> _Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def _batch_reply(self, batch_id: str) -> Reply:
        batch = self._batch(batch_id)
        if batch is None:
            return error(404, "not_found", f"Batch {batch_id} not found.")
        return _json(self._resource(batch))

    def _list_batches(self, params: dict[str, list[str]]) -> Reply:
        page, size = _paging(params)
        now = datetime.now(UTC)
        start = _date_param(params, "start_date") or now - DEFAULT_WINDOW
        end = _date_param(params, "end_date")
        senders = {_e164(s) for s in _csv(params, "from")}
        with self._lock:
            batches = list(self._batches.values())
        found = [
            b
            for b in reversed(batches)
            if b.created >= start and (end is None or b.created < end) and (not senders or b.sender in senders)
        ]
        chunk = found[page * size : (page + 1) * size]
        return _json(
            {"count": len(found), "page": page, "page_size": len(chunk), "batches": [self._resource(b) for b in chunk]}
        )

    # -- delivery reports ------------------------------------------------------------------------

    def _states(self, batch: _Batch) -> list[tuple[_Recipient, tuple[str, int], datetime]]:
        sids = frozenset(r.sid for r in batch.recipients if r.sid)
        by_sid = {m.sid: m for m in self._carrier.outbound_log(None, sids, None, len(sids))} if sids else {}
        states = []
        for r in batch.recipients:
            msg = by_sid.get(r.sid) if r.sid else None
            if msg is None:
                states.append((r, DELETED, r.refused_at or batch.created))
            else:
                states.append((r, _outcome(msg), msg.updated))
        return states

    def _batch_report(self, batch_id: str, params: dict[str, list[str]]) -> Reply:
        batch = self._batch(batch_id)
        if batch is None:
            return error(404, "not_found", f"Batch {batch_id} not found.")
        kind = (params.get("type") or ["summary"])[0]
        if kind not in ("summary", "full"):
            raise _BadParameter("type: must be one of summary, full")
        wanted_status = set(_csv(params, "status"))
        wanted_code = set(_csv(params, "code"))
        grouped: dict[tuple[str, int], list[str]] = {}
        for r, (status, code), _ in self._states(batch):
            if wanted_status and status not in wanted_status:
                continue
            if wanted_code and str(code) not in wanted_code:
                continue
            grouped.setdefault((status, code), []).append(r.number)
        statuses = []
        for (status, code), numbers in grouped.items():
            entry: dict[str, object] = {"code": code, "count": len(numbers), "status": status}
            if kind == "full":
                entry["recipients"] = numbers
            statuses.append(entry)
        report: dict[str, object] = {
            "batch_id": batch.id,
            "statuses": statuses,
            "total_message_count": len(batch.recipients),
            "type": "delivery_report_sms",
        }
        if batch.client_reference:
            report["client_reference"] = batch.client_reference
        return _json(report)

    def _recipient_report(self, batch_id: str, msisdn: str) -> Reply:
        batch = self._batch(batch_id)
        if batch is None:
            return error(404, "not_found", f"Batch {batch_id} not found.")
        for r, (status, code), at in self._states(batch):
            if r.number == _e164(msisdn.strip()):
                return _json(
                    {
                        "at": sinch_date(at),
                        "batch_id": batch.id,
                        "code": code,
                        "recipient": _msisdn(r.number),
                        "status": status,
                        "type": "recipient_delivery_report_sms",
                        "operator_status_at": sinch_date(at),
                    }
                )
        return error(404, "not_found", f"No delivery report for recipient {msisdn} in batch {batch_id}.")

    # -- GET /inbounds ---------------------------------------------------------------------------

    def _mo(self, m: SimMessage) -> dict[str, object]:
        return {
            "type": "mo_text",
            "id": m.sid,
            "from": _msisdn(m.from_number),
            "to": _msisdn(m.to_number),
            "body": m.body,
            "received_at": sinch_date(m.created),
        }

    def _inbounds(self, params: dict[str, list[str]]) -> Reply:
        page, size = _paging(params)
        now = datetime.now(UTC)
        start = _date_param(params, "start_date") or now - DEFAULT_WINDOW
        start = max(start, now - RETENTION)  # older messages are gone
        end = _date_param(params, "end_date")
        to = {_e164(n) for n in _csv(params, "to")} or None
        found = self._carrier.received(frozenset(to) if to else self._ours, start, end)
        chunk = found[page * size : (page + 1) * size]
        return _json(
            {"count": len(found), "page": page, "page_size": len(chunk), "inbounds": [self._mo(m) for m in chunk]}
        )

    def _inbound(self, inbound_id: str) -> Reply:
        for m in self._carrier.received(self._ours, datetime.now(UTC) - RETENTION, None):
            if m.sid == inbound_id:
                return _json(self._mo(m))
        return error(404, "not_found", f"Inbound {inbound_id} not found.")


class _BadParameter(ValueError):
    pass


def _outcome(m: SimMessage) -> tuple[str, int]:
    if m.status == "delivered":
        return DELIVERED
    if m.status == "undelivered":
        return FAILED
    if m.status == "failed":
        return ABORTED
    if m.status == "sent":
        return DISPATCHED
    return QUEUED


def _csv(params: dict[str, list[str]], name: str) -> list[str]:
    return [item.strip() for value in params.get(name, []) for item in value.split(",") if item.strip()]


def _paging(params: dict[str, list[str]]) -> tuple[int, int]:
    try:
        page = int((params.get("page") or ["0"])[0])
        size = int((params.get("page_size") or [str(DEFAULT_PAGE_SIZE)])[0])
    except ValueError:
        raise _BadParameter("page and page_size must be integers") from None
    if page < 0:
        raise _BadParameter("page: must be 0 or more")
    if size < 1 or size > MAX_PAGE_SIZE:
        raise _BadParameter(f"page_size: must be between 1 and {MAX_PAGE_SIZE}")
    return page, size


def _date_param(params: dict[str, list[str]], name: str) -> datetime | None:
    values = params.get(name)
    if not values or not values[0]:
        return None
    try:
        return parse_sinch_date(values[0])
    except ValueError:
        raise _BadParameter(f"{name}: '{values[0]}' is not an ISO 8601 date") from None
