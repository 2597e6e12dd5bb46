"""SMS Gateway for Android in local server mode: the business's own phone and SIM, on its local
address (http://192.168.1.5:8080), HTTP Basic with the user and password set in the app.

The phone keeps what it received and lists it again as often as asked (GET /inbox with `from`,
`to`, `limit`, `offset`, newest first), so this is a LIST_WITH_CURSOR provider. The `from` filter
compares with the *phone's* clock, which may differ from ours: the cursor is therefore the newest
`createdAt` the phone reported (its clock), and does not move when a poll finds nothing, so a phone
running late never hides a text behind a cursor set by our clock. Each poll fixes `to` at the
moment it began, so texts arriving while it pages cannot shift the pages it walks.

Sends are POST /messages (one number each), states GET /messages/{id}; reconciliation of a send
whose answer was lost reads GET /messages with its content. Nobody answers STOP on a phone's own
SIM: Inbox does. No DLT fields: a SIM sends person-to-person texts, outside DLT.

What was relied on (the app's OpenAPI and routes, the official client `android-sms-gateway`) is in
docs/providers/android-gateway/README.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx

from inbox.core import segments
from inbox.core.models import InboundMessage, MessageStatus, OutboundRequest, PollCursor, ProviderMessage
from inbox.core.phone import mask
from inbox.providers.base import (
    AuthenticationFailed,
    InboundBatch,
    MalformedResponse,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Retryable,
)
from inbox.providers.http_body import TransportWording, read_capped, send_and_read
from inbox.providers.inbound_fields import essentials
from inbox.providers.twilio import retry_after_seconds

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=2)
FIRST_LOOKBACK = timedelta(days=7)
PAGE_LIMIT = 500  # the app's maximum
MAX_RECORDS = 20_000
MAX_BODY_BYTES = 8 << 20
RAW_KEEP = 64 * 1024
AUTH_MESSAGE = "The phone refused the user and password (HTTP 401): check them in the app's Local Server settings"
UNREACHABLE = "could not reach the phone ({}): is it on, on the same network, with the app's local server started?"

_STATE = {
    "Pending": MessageStatus.QUEUED,
    "Processed": MessageStatus.QUEUED,  # received by the app, not yet handed to the radio
    "Sent": MessageStatus.SENT,
    "Delivered": MessageStatus.DELIVERED,
    "Failed": MessageStatus.FAILED,
    "Cancelling": MessageStatus.QUEUED,
    "Cancelled": MessageStatus.FAILED,
}
TRANSPORT = TransportWording(
    UNREACHABLE,
    "the connection to the phone failed ({})",
    "the connection to the phone failed after the request was sent ({}): it may have been sent",
)


def parse_date(value: object) -> datetime:
    """The app's `2026-12-01T15:04:05.123+05:30` (or Z) as aware UTC; ValueError if not."""
    if not isinstance(value, str) or not value:
        raise ValueError("missing createdAt")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("createdAt without a zone")
    return moment.astimezone(UTC)


def gateway_date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _raw(record: object) -> str:
    try:
        return json.dumps(record, ensure_ascii=False)[:RAW_KEEP]
    except (TypeError, ValueError):
        return repr(record)[:RAW_KEEP]


def _date_or_none(value: object) -> datetime | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


class AndroidGatewayProvider:
    """The Provider contract over the app's local server (or the simulator's android-gateway dialect)."""

    name = "android-gateway"
    sends_india_dlt = False

    def __init__(
        self,
        user: str,
        password: str,
        number: str,
        base_url: str,
        *,
        timeout: httpx.Timeout = httpx.Timeout(15, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.number = number
        self.page_limit = page_limit
        self.last_quarantined: list[tuple[str, str]] = []
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            auth=httpx.BasicAuth(user, password),
            headers={"Accept": "application/json", "User-Agent": "inbox-sms/0.1"},
        )

    # -- transport ---------------------------------------------------------------------------------

    def _exchange(
        self, method: str, url: str, *, idempotent: bool, params: dict[str, str | int] | None = None, payload=None
    ) -> tuple[int, httpx.Headers, bytes]:  # type: ignore[no-untyped-def]
        request = self._client.build_request(method, url, params=params, json=payload)
        response, body = send_and_read(
            self._client,
            request,
            idempotent=idempotent,
            read=lambda r: read_capped(r, MAX_BODY_BYTES, "the phone's"),
            wording=TRANSPORT,
        )
        status = response.status_code
        if 200 <= status < 300 or status in (404, 409):
            return status, response.headers, body
        if status in (401, 403):
            raise AuthenticationFailed(AUTH_MESSAGE)
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited("the phone's gateway is rate limiting us (HTTP 429)", retry_after=retry_after)
        if status >= 500:
            raise Retryable(f"the phone's gateway failed (HTTP {status}): {_said(body)}", retry_after=retry_after)
        raise Rejected(f"the phone's gateway refused the request (HTTP {status}): {_said(body)}", None, status)

    @staticmethod
    def _json(body: bytes, what: str) -> object:
        try:
            return json.loads(body)
        except ValueError:
            raise MalformedResponse(
                f"the phone answered {what} with something that is not JSON", raw=body[:RAW_KEEP]
            ) from None

    # -- sending -----------------------------------------------------------------------------------

    def send(self, request: OutboundRequest) -> ProviderMessage:
        """POST /messages to one number, with a delivery report; the phone splits long texts."""
        payload = {
            "textMessage": {"text": request.body},
            "phoneNumbers": [request.to_number],
            "withDeliveryReport": True,
        }
        try:
            status, _, body = self._exchange("POST", "/messages", idempotent=False, payload=payload)
            if status in (404, 409):
                raise Rejected(f"the phone's gateway refused the send (HTTP {status}): {_said(body)}", None, status)
            answer = self._json(body, "a send")
        except MalformedResponse as exc:
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        try:
            message_id = answer["id"]  # type: ignore[index]
            state = _STATE[answer["state"]]  # type: ignore[index]
            if not isinstance(message_id, str) or not message_id:
                raise ValueError("no id")
        except (KeyError, TypeError, ValueError) as exc:
            raise OutcomeUnknown(
                "the phone accepted the send but its answer is unreadable: it may have been sent"
            ) from exc
        if state is MessageStatus.FAILED:
            error = _recipient_error(answer)
            raise Rejected(f"the phone could not send it: {error or 'failed'}", None, 202)
        logger.info("sent %s to %s", message_id, mask(request.to_number))
        return ProviderMessage(
            provider_message_id=message_id,
            to_number=request.to_number,
            from_number=request.from_number or self.number,
            body=request.body,
            status=state,
            date_created=datetime.now(UTC),
            num_segments=segments.count(request.body),
        )

    # -- inbound: a list read again ----------------------------------------------------------------

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        self.last_quarantined = []
        polled_at = datetime.now(UTC)
        since = cursor.newest_date_sent or polled_at - FIRST_LOOKBACK
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        params: dict[str, str | int] = {
            "type": "SMS",
            "from": gateway_date(since - OVERLAP),
            "to": gateway_date(polled_at + OVERLAP),  # a phone running a little fast is still read
            "limit": self.page_limit,
        }
        messages: list[InboundMessage] = []
        offset = 0
        incomplete = None
        while True:
            _, headers, body = self._exchange("GET", "/inbox", idempotent=True, params={**params, "offset": offset})
            records = self._json(body, "the inbox")
            if not isinstance(records, list):
                raise MalformedResponse("the phone's inbox is not a list", raw=body[:RAW_KEEP])
            for raw in records:
                message = self._inbound(raw)
                if message is not None:
                    messages.append(message)
            offset += len(records)
            total = _int_or_none(headers.get("X-Total-Count"))
            if len(records) < self.page_limit or (total is not None and offset >= total):
                break
            if offset >= MAX_RECORDS:
                incomplete = f"more than {MAX_RECORDS} texts in one poll; the rest is read next time"
                break
        messages.reverse()  # the phone lists newest first; texts of the same millisecond keep its order
        messages.sort(key=lambda m: m.date_sent)
        newest = max((m.date_sent for m in messages), default=cursor.newest_date_sent)
        if incomplete:  # newest first: what was not read is older than what was
            return InboundBatch(messages, PollCursor(cursor.newest_date_sent), len(self.last_quarantined), incomplete)
        return InboundBatch(messages, PollCursor(newest), len(self.last_quarantined))

    def _inbound(self, raw: object) -> InboundMessage | None:
        try:
            if not isinstance(raw, dict):
                raise ValueError("record is not an object")
            message_id, sender, text = essentials(raw, "id", "sender", "contentPreview")
            recipient = raw.get("recipient")
            if isinstance(recipient, str) and recipient.startswith("+") and recipient != self.number:
                raise ValueError(f"received on another SIM of the phone ({mask(recipient)}), not this channel's")
            return InboundMessage(
                provider_message_id=message_id,
                from_number=sender,
                to_number=self.number,
                body=text,
                date_sent=parse_date(raw.get("createdAt")),
                num_segments=segments.count(text),
            )
        except ValueError as exc:
            self.last_quarantined.append((f"unusable inbound record: {exc}", _raw(raw)))
            return None

    # -- states and reconciliation -------------------------------------------------------------------

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        found: list[ProviderMessage] = []
        for message_id in provider_message_ids:
            status, _, body = self._exchange("GET", f"/messages/{message_id}", idempotent=True)
            if status == 404:
                continue  # the phone does not know it (its history was cleared): nothing to say
            state = self._state_of(self._json(body, "a message state"))
            if state is not None:
                found.append(state)
        return found

    def _state_of(self, record: object) -> ProviderMessage | None:
        if not isinstance(record, dict) or record.get("state") not in _STATE:
            return None
        recipients = record.get("recipients") if isinstance(record.get("recipients"), list) else []
        first = recipients[0] if recipients and isinstance(recipients[0], dict) else {}
        states = record.get("states") if isinstance(record.get("states"), dict) else {}
        text = record.get("textMessage") if isinstance(record.get("textMessage"), dict) else {}
        status = _STATE[record["state"]]
        to = str(first.get("phoneNumber") or "")
        return ProviderMessage(
            provider_message_id=str(record.get("id")),
            to_number=to if to.startswith("+") or not to else "+" + to,
            from_number=self.number,
            body=str(text.get("text") or ""),  # type: ignore[union-attr]
            status=status,
            date_created=_date_or_none(states.get("Pending")),  # type: ignore[union-attr]
            date_sent=_date_or_none(states.get("Sent")),  # type: ignore[union-attr]
            error_message=str(first.get("error")) if status is MessageStatus.FAILED and first.get("error") else None,
        )

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """GET /messages since `since` (a day of slack) with their content: did an `unknown` send happen?"""
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        params: dict[str, str | int] = {
            "from": gateway_date(since - timedelta(days=1)),
            "limit": 500,
            "includeContent": "true",
        }
        _, _, body = self._exchange("GET", "/messages", idempotent=True, params=params)
        records = self._json(body, "the sent messages")
        found = [s for s in map(self._state_of, records if isinstance(records, list) else []) if s]
        return [m for m in found if m.to_number == to_number]

    def check(self) -> None:
        """GET /inbox?limit=1: proves the address, the user and the password (GET /health needs none)."""
        self._exchange("GET", "/inbox", idempotent=True, params={"limit": 1})

    def close(self) -> None:
        self._client.close()


def _said(body: bytes) -> str:
    try:
        payload = json.loads(body)
        return str(payload.get("message") or "") if isinstance(payload, dict) else ""
    except ValueError:
        return body[:200].decode("utf-8", "replace")


def _recipient_error(answer: object) -> str | None:
    recipients = answer.get("recipients") if isinstance(answer, dict) else None
    if isinstance(recipients, list) and recipients and isinstance(recipients[0], dict):
        error = recipients[0].get("error")
        return str(error) if error else None
    return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None
