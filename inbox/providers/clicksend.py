"""ClickSend adapter: REST API v3 with Basic auth (username:API key).

Inbound is ACK_AFTER_COMMIT: `GET /v3/sms/inbound` lists the messages not yet marked read; the
engine stores and commits them, then calls `acknowledge`, which marks each read with
`PUT /v3/sms/inbound-read/{message_id}`. A crash (or a failed mark) in between costs a re-read,
and dedupe by the message id drops it: at-least-once, never lost. ClickSend's unread list is one
for the whole account, so only texts to this channel's number are taken, and acknowledged; the
others stay unread for the channel they belong to.

Delivery states come from `GET /v3/sms/receipts/{message_id}`, which answers for a receipt whether
or not it was marked read: nothing is consumed, so a crash anywhere costs nothing. (The unread
receipts list and `PUT /v3/sms/receipts-read` would be the other way; marking receipts read is
left to whoever else reads them.)

What was relied on is summarised in docs/providers/clicksend/ (the official SDK's models and the
public API reference): paths, the envelope `{http_code, response_code, response_msg, data}`,
per-message `status`, Unix timestamps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from inbox.core.models import InboundMessage, MessageStatus, OutboundRequest, PollCursor, ProviderMessage
from inbox.core.phone import mask
from inbox.providers.base import (
    InboundBatch,
    InboundSemantics,
    MalformedResponse,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Retryable,
)
from inbox.providers.inbound_fields import essentials
from inbox.providers.json_http import JsonHttp, Wording, raw_text

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://rest.clicksend.com"
PAGE_LIMIT = 100  # ClickSend's largest page
PAGE_ATTEMPTS = 3  # a page of the unread list is asked for at most this many times per poll
ACK_ERRORS_IN_A_ROW = 3  # marking read gives up after this many failures in a row
MAX_PAGES = 20  # one poll reads at most 2,000 unread messages; the rest wait for the next poll
AUTH_MESSAGE = "ClickSend rejected the username or API key (HTTP 401): check both (Dashboard > API Credentials)"
FORBIDDEN_MESSAGE = "ClickSend refused this account the request (HTTP 403): check the account's permissions"
SOURCE = "inbox-sms"  # ClickSend's `source`: which application sent a message

# Receipt status codes: 201 is "received on handset"; other 2xx "sent on"; 3xx and up failures.
# Errors that mean the number itself is bad are FAILED; the rest UNDELIVERED.


def e164(number: object) -> str:
    text = str(number or "").strip()
    return text if not text or text.startswith("+") or not text.isdigit() else "+" + text


def _unix(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("missing timestamp")
    return datetime.fromtimestamp(int(value), UTC)


def _data(answer: object, what: str) -> Any:
    if not isinstance(answer, dict) or "data" not in answer:
        raise MalformedResponse(f"ClickSend answered {what} without its data envelope", raw=raw_text(answer))
    return answer["data"]


def _error_of(payload: object) -> tuple[str, str]:
    """The envelope's response_code and response_msg."""
    return str(payload["response_code"]), str(payload.get("response_msg") or "")  # type: ignore[index, union-attr]


WORDING = Wording("ClickSend", AUTH_MESSAGE, FORBIDDEN_MESSAGE, _error_of)


class ClickSendProvider:
    """The Provider contract over ClickSend's REST API v3 (or the simulator's clicksend dialect)."""

    name = "clicksend"
    inbound_semantics = InboundSemantics.ACK_AFTER_COMMIT

    def __init__(
        self,
        username: str,
        api_key: str,
        number: str,
        base_url: str | None = None,
        *,
        timeout: httpx.Timeout = httpx.Timeout(10, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.number = number
        self.page_limit = page_limit
        self.last_quarantined: list[tuple[str, str]] = []
        self.status_quarantined: list[tuple[str, str]] = []
        self.sent_quarantined: list[tuple[str, str]] = []
        client = httpx.Client(
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            timeout=timeout,
            transport=transport,
            auth=httpx.BasicAuth(username, api_key),
            headers={"Accept": "application/json", "User-Agent": "inbox-sms/0.1"},
        )
        self._http = JsonHttp(client, WORDING)

    def _exchange(self, method: str, url: str, **kwargs: Any) -> Any:
        return self._http.exchange(method, url, **kwargs)

    # -- sending -----------------------------------------------------------------------------------

    def send(self, request: OutboundRequest) -> ProviderMessage:
        """POST /v3/sms/send, one message. ClickSend picks the encoding and splits (the answer's
        message_parts says into how many). A refusal comes back per message, in `status`."""
        sender = request.from_number or self.number
        payload = {"messages": [{"to": request.to_number, "from": sender, "body": request.body, "source": SOURCE}]}
        try:
            answer = self._exchange("POST", "/v3/sms/send", idempotent=False, payload=payload)
        except MalformedResponse as exc:
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        try:
            entry = _data(answer, "a send")["messages"][0]
            status = str(entry["status"])
            message_id = entry.get("message_id")
        except (MalformedResponse, KeyError, TypeError, IndexError) as exc:
            raise OutcomeUnknown(
                "ClickSend accepted the send but its answer is unreadable: it may have been sent"
            ) from exc
        if status != "SUCCESS":
            raise Rejected(f"ClickSend refused the message ({status})", None, 200)
        if not isinstance(message_id, str) or not message_id:
            raise OutcomeUnknown("ClickSend queued the send but gave no message_id: it may have been sent")
        logger.info("sent %s to %s", message_id, mask(request.to_number))
        parts = entry.get("message_parts")
        return ProviderMessage(
            provider_message_id=message_id,
            to_number=request.to_number,
            from_number=sender,
            body=request.body,
            status=MessageStatus.QUEUED,
            date_created=datetime.now(UTC),
            num_segments=parts if isinstance(parts, int) and not isinstance(parts, bool) else None,
        )

    # -- inbound: unread until acknowledged -------------------------------------------------------

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """The unread messages to our number, oldest first (the cursor is not needed: unread is the
        cursor). Nothing is marked read here; `acknowledge` does it once they are committed."""
        self.last_quarantined = []
        found: dict[str, InboundMessage] = {}
        incomplete = None
        for page in range(1, MAX_PAGES + 1):
            answer = self._inbound_page(page)
            data = _data(answer, "the inbound list")
            records = data.get("data") if isinstance(data, dict) else None
            if not isinstance(records, list):
                raise MalformedResponse("ClickSend inbound list without records", raw=raw_text(answer))
            for raw in records:
                msg = self._inbound(raw)
                if msg is not None:
                    found.setdefault(msg.provider_message_id, msg)
            last = data.get("last_page")
            if not records or not isinstance(last, int) or page >= last:
                break
        else:
            incomplete = f"more than {MAX_PAGES * self.page_limit} unread messages: the rest come next poll"
        # Timestamps are whole seconds: a stable sort keeps ClickSend's own order within one.
        messages = sorted(found.values(), key=lambda m: m.date_sent)
        newest = max((m.date_sent for m in messages), default=cursor.newest_date_sent)
        return InboundBatch(messages, PollCursor(newest), skipped=len(self.last_quarantined), incomplete=incomplete)

    def _inbound_page(self, page: int) -> Any:
        """One page of the unread list, asked again on a stray failure (500, 503, a dropped
        connection): the list is newest first, so only a whole walk can be stored (a part of it
        could hold a "Help!" without the older STOP). Under a sustained partial outage a walk of
        twenty pages, each failing a quarter of the time, would otherwise almost never complete
        and the unread texts would wait for the outage to end. A 429 or an unreadable page ends
        the walk at once (wait as told; the page is quarantined by the engine)."""
        for attempt in range(PAGE_ATTEMPTS):
            try:
                return self._exchange(
                    "GET", "/v3/sms/inbound", idempotent=True, params=[("page", page), ("limit", self.page_limit)]
                )
            except (RateLimited, MalformedResponse):
                raise
            except Retryable:
                if attempt == PAGE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _inbound(self, raw: object) -> InboundMessage | None:
        try:
            if not isinstance(raw, dict):
                raise ValueError("record is not an object")
            to = e164(raw.get("to"))
            if to and to != self.number:
                return None  # another number of the account: left unread for its own channel
            message_id, sender, text = essentials(raw, "message_id", "from", "body")
            return InboundMessage(
                provider_message_id=message_id,
                from_number=e164(sender),
                to_number=to or self.number,
                body=text,
                date_sent=_unix(raw.get("timestamp")),
            )
        except (ValueError, OverflowError, OSError) as exc:
            self.last_quarantined.append((f"unusable inbound record: {exc}", raw_text(raw)))
            return None

    def acknowledge(self, provider_message_ids: Sequence[str]) -> None:
        """PUT /v3/sms/inbound-read/{id} for each committed message. One that ClickSend no longer
        knows (404) is done. A stray failure (500, 503, a dropped connection) skips that one and
        goes on: under a partial outage, stopping at the first would leave nearly all of a large
        batch unread, read again every poll. A 429, anything else, or a few failures in a row stop
        here. Whatever failed is raised at the end (the engine logs it; what is still unread is
        read again next poll and dropped by dedupe)."""
        first: ProviderError | None = None
        in_a_row = 0
        for message_id in provider_message_ids:
            try:
                self._exchange("PUT", f"/v3/sms/inbound-read/{message_id}", idempotent=True)
                in_a_row = 0
            except Rejected as exc:
                if exc.status != 404:
                    raise
            except RateLimited:
                raise
            except Retryable as exc:
                first, in_a_row = first or exc, in_a_row + 1
                if in_a_row >= ACK_ERRORS_IN_A_ROW:
                    raise
        if first is not None:
            raise first

    # -- delivery states and reconciliation ---------------------------------------------------------

    def check(self) -> None:
        """GET /v3/account: proves the username, the key and the address, reading no message."""
        _data(self._exchange("GET", "/v3/account", idempotent=True), "the account")

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        """GET /v3/sms/receipts/{id} per message: re-readable, read or unread. No receipt yet (404)
        says nothing."""
        self.status_quarantined = []
        found: list[ProviderMessage] = []
        for message_id in provider_message_ids:
            try:
                answer = self._exchange("GET", f"/v3/sms/receipts/{message_id}", idempotent=True)
            except Rejected as exc:
                if exc.status == 404:
                    continue
                raise
            receipt = _data(answer, "a receipt")
            code = receipt.get("status_code") if isinstance(receipt, dict) else None
            if not isinstance(code, int) or isinstance(code, bool):
                self.status_quarantined.append(("unusable receipt", raw_text(receipt)))
                continue
            found.append(self._state(message_id, code, receipt))
        return found

    def _state(self, message_id: str, code: int, receipt: dict[str, Any]) -> ProviderMessage:
        if code == 201:
            status = MessageStatus.DELIVERED
        elif 200 <= code < 300:
            status = MessageStatus.SENT
        else:
            status = MessageStatus.UNDELIVERED
        error = receipt.get("error_code") if status is MessageStatus.UNDELIVERED else None
        text = receipt.get("error_text") or receipt.get("status_text")
        return ProviderMessage(
            provider_message_id=message_id,
            to_number="",
            from_number=self.number,
            body="",
            status=status,
            error_code=error if isinstance(error, int) and not isinstance(error, bool) else None,
            error_message=f"ClickSend: {text} (status {code})" if status is MessageStatus.UNDELIVERED else None,
        )

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """Our sends to `to_number` since `since` (a day of slack), from /v3/sms/history."""
        self.sent_quarantined = []
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        start = int((since - timedelta(days=1)).timestamp())
        found: list[ProviderMessage] = []
        for page in range(1, MAX_PAGES + 1):
            params: list[tuple[str, str | int]] = [("date_from", start), ("page", page), ("limit", PAGE_LIMIT)]
            data = _data(self._exchange("GET", "/v3/sms/history", idempotent=True, params=params), "the history")
            records = data.get("data") if isinstance(data, dict) else None
            if not isinstance(records, list):
                raise MalformedResponse("ClickSend history without records", raw=raw_text(data))
            for raw in records:
                if not isinstance(raw, dict) or not isinstance(raw.get("message_id"), str):
                    self.sent_quarantined.append(("unusable history record", raw_text(raw)))
                    continue
                if raw.get("direction") != "out" or e164(raw.get("to")) != to_number:
                    continue
                try:
                    created = _unix(raw.get("date"))
                except (ValueError, OverflowError, OSError):
                    created = None
                found.append(
                    ProviderMessage(
                        provider_message_id=raw["message_id"],
                        to_number=to_number,
                        from_number=e164(raw.get("from")) or self.number,
                        body=str(raw.get("body") or ""),
                        status=MessageStatus.QUEUED,
                        date_created=created,
                    )
                )
            last = data.get("last_page")
            if not records or not isinstance(last, int) or page >= last:
                break
        return found

    def close(self) -> None:
        self._http.close()
