"""Sinch adapter: the SMS REST API (XMS) with a service plan id and its API token.

Inbound is a list that can be read again (`GET /xms/v1/{plan}/inbounds`, newest first, paged by
number, kept 14 days), so this is a LIST_WITH_CURSOR provider like Twilio: each poll asks from the
cursor less an overlap up to the moment it began (`end_date` freezes the set, so arrivals during the
walk cannot shift the pages) and dedupe by id makes the overlap harmless. Delivery states are pulled
without webhooks, per batch (`/batches/{id}/delivery_report?type=full`). One send is one batch of one
recipient, and the batch id is the message's provider id.

What was relied on is summarised in docs/providers/sinch/ (the official SDK's models and the public
API reference): paths, the Bearer token, field names, dates, the error body `{code, text}`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from inbox.core.models import InboundMessage, MessageStatus, OutboundRequest, PollCursor, ProviderMessage
from inbox.core.phone import mask
from inbox.providers.base import InboundBatch, InboundSemantics, MalformedResponse, OutcomeUnknown, Rejected
from inbox.providers.inbound_fields import essentials
from inbox.providers.json_http import JsonHttp, Wording, raw_text

logger = logging.getLogger(__name__)

REGIONS = ("us", "eu", "au", "br", "ca")  # https://{region}.sms.api.sinch.com
DEFAULT_REGION = "us"
PAGE_SIZE = 100  # Sinch's largest page
RETENTION = timedelta(days=14)  # Sinch keeps inbounds this long
# Wider than any plausible delay between Sinch stamping `received_at` and the message being listed.
OVERLAP = timedelta(minutes=10)
MAX_INBOUND_RECORDS = 20_000  # one poll reads at most this many records (200 pages)
AUTH_MESSAGE = "Sinch rejected the service plan id or API token (HTTP 401): check both, and the region"
FORBIDDEN_MESSAGE = "Sinch refused this service plan for the request (HTTP 403): check the plan's SMS access"

# Sinch's delivery report statuses as ours. Intermediate: Queued, Dispatched. Final: the others;
# Unknown is "reached the SMSC, no receipt": sent, as far as anyone knows.
STATUSES = {
    "Queued": MessageStatus.QUEUED,
    "Dispatched": MessageStatus.SENT,
    "Delivered": MessageStatus.DELIVERED,
    "Unknown": MessageStatus.SENT,
    "Failed": MessageStatus.UNDELIVERED,
    "Expired": MessageStatus.UNDELIVERED,
    "Deleted": MessageStatus.UNDELIVERED,  # "deleted by a remote SMSC": an invalid or opted-out number
    "Aborted": MessageStatus.FAILED,
    "Rejected": MessageStatus.FAILED,
    "Cancelled": MessageStatus.FAILED,
}


def base_url_for(region: str) -> str:
    if region not in REGIONS:
        raise ValueError(f"unknown Sinch region {region!r}: use one of {', '.join(REGIONS)}")
    return f"https://{region}.sms.api.sinch.com"


def parse_date(value: object) -> datetime:
    """Sinch's '2019-08-24T14:15:22.000Z' (ISO 8601) as aware UTC; ValueError if it is not one."""
    if not isinstance(value, str) or not value:
        raise ValueError("missing date")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sinch_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def e164(number: object) -> str:
    """Sinch writes MSISDNs without the '+' in MO messages and reports; ours are E.164."""
    text = str(number or "").strip()
    return text if not text or text.startswith("+") or not text.isdigit() else "+" + text


class SinchProvider:
    """The Provider contract over Sinch's SMS REST API (or the simulator's sinch dialect)."""

    name = "sinch"
    inbound_semantics = InboundSemantics.LIST_WITH_CURSOR

    def __init__(
        self,
        service_plan_id: str,
        api_token: str,
        number: str,
        base_url: str | None = None,
        *,
        timeout: httpx.Timeout = httpx.Timeout(10, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.number = number
        self.page_size = page_size
        self.last_quarantined: list[tuple[str, str]] = []
        self.status_quarantined: list[tuple[str, str]] = []
        self.sent_quarantined: list[tuple[str, str]] = []
        client = httpx.Client(
            base_url=(base_url or base_url_for(DEFAULT_REGION)).rstrip("/") + f"/xms/v1/{service_plan_id}",
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_token}",
                "Accept": "application/json",
                "User-Agent": "inbox-sms/0.1",
            },
        )
        self._http = JsonHttp(client, WORDING)

    def _exchange(self, method: str, url: str, **kwargs: Any) -> Any:
        return self._http.exchange(method, url, **kwargs)

    # -- sending -----------------------------------------------------------------------------------

    def send(self, request: OutboundRequest) -> ProviderMessage:
        """POST /batches with one recipient. Unicode and long texts need nothing of ours: Sinch
        picks the encoding (GSM-7 or UCS-2) and splits. Sinch has no opt-out error at send time:
        an opted-out recipient's report comes back `Deleted`."""
        sender = request.from_number or self.number
        payload = {"from": sender, "to": [request.to_number], "body": request.body}
        try:
            answer = self._exchange("POST", "/batches", idempotent=False, payload=payload)
        except MalformedResponse as exc:  # a 2xx we cannot read: it may have been sent
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        batch_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(batch_id, str) or not batch_id:
            raise OutcomeUnknown("Sinch accepted the send but its answer has no batch id: it may have been sent")
        logger.info("sent batch %s to %s", batch_id, mask(request.to_number))
        return ProviderMessage(
            provider_message_id=batch_id,
            to_number=request.to_number,
            from_number=sender,
            body=request.body,
            status=MessageStatus.QUEUED,
            date_created=_date_or_none(answer.get("created_at")) or datetime.now(UTC),  # type: ignore[union-attr]
        )

    # -- inbound: a list with a cursor -------------------------------------------------------------

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """Inbound messages to our number received since cursor - OVERLAP (the whole 14 days Sinch
        keeps on a first sync), up to the moment this poll began, oldest first."""
        self.last_quarantined = []
        polled_at = datetime.now(UTC)
        oldest_kept = polled_at - RETENTION + timedelta(minutes=1)
        newest = cursor.newest_date_sent
        if newest is not None:
            newest = min(newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest.astimezone(UTC), polled_at)
            if newest - OVERLAP < oldest_kept:
                logger.warning("the last poll was more than 14 days ago: Sinch no longer keeps older texts")
        start = max(newest - OVERLAP, oldest_kept) if newest is not None else oldest_kept
        found: dict[str, InboundMessage] = {}
        incomplete: str | None = None
        read = 0
        page = 0
        while True:
            params: list[tuple[str, str | int]] = [
                ("to", self.number),
                ("start_date", sinch_date(start)),
                ("end_date", sinch_date(polled_at + timedelta(milliseconds=1))),
                ("page", page),
                ("page_size", self.page_size),
            ]
            answer = self._exchange("GET", "/inbounds", idempotent=True, params=params)
            if not isinstance(answer, dict) or not isinstance(answer.get("inbounds", []), list):
                raise MalformedResponse("Sinch inbounds answer without an inbounds list", raw=raw_text(answer))
            records = answer.get("inbounds") or []
            for raw in records:
                msg = self._inbound(raw)
                if msg is not None:
                    found.setdefault(msg.provider_message_id, msg)
            read += len(records)
            count = answer.get("count")
            page += 1
            if not records or not isinstance(count, int) or page * self.page_size >= count:
                break
            if read >= MAX_INBOUND_RECORDS:
                incomplete = f"Sinch's inbound list goes on past {MAX_INBOUND_RECORDS} messages in one poll"
                break
        # Sinch lists newest first with millisecond dates: reversed, then a stable sort, keeps its
        # order for texts received within the same millisecond.
        messages = sorted(reversed(list(found.values())), key=lambda m: m.date_sent)
        top = max((min(m.date_sent, polled_at) for m in messages), default=None)
        if incomplete and newest is not None:
            new_cursor = PollCursor(newest)  # the older part was not reached: ask for it again
        else:
            new_cursor = PollCursor(max(top, newest) if top and newest else (top or newest))
            incomplete = None
        if self.last_quarantined:
            logger.warning("skipped %d malformed inbound record(s)", len(self.last_quarantined))
        return InboundBatch(
            messages=messages, cursor=new_cursor, skipped=len(self.last_quarantined), incomplete=incomplete
        )

    def _inbound(self, raw: object) -> InboundMessage | None:
        try:
            if not isinstance(raw, dict):
                raise ValueError("record is not an object")
            if raw.get("type") not in (None, "mo_text"):
                raise ValueError(f"not a text message ({raw.get('type')})")
            message_id, sender, text = essentials(raw, "id", "from", "body")
            return InboundMessage(
                provider_message_id=message_id,
                from_number=e164(sender),
                to_number=e164(raw.get("to")) or self.number,
                body=text,
                date_sent=parse_date(raw.get("received_at")),
            )
        except ValueError as exc:
            self.last_quarantined.append((f"unusable inbound record: {exc}", raw_text(raw)))
            return None

    # -- delivery states: pulled per batch ---------------------------------------------------------

    def check(self) -> None:
        """One page of one inbound: proves the plan, the token and the region (the list is not consumed)."""
        self._exchange("GET", "/inbounds", idempotent=True, params=[("page_size", 1)])

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        """GET /batches/{id}/delivery_report?type=full for each batch (one recipient each)."""
        self.status_quarantined = []
        found: list[ProviderMessage] = []
        for batch_id in provider_message_ids:
            try:
                report = self._exchange(
                    "GET", f"/batches/{batch_id}/delivery_report", idempotent=True, params=[("type", "full")]
                )
            except Rejected as exc:
                if exc.status == 404:  # not Sinch's (any more): nothing to say about it
                    self.status_quarantined.append((f"no delivery report for batch {batch_id}", str(exc)))
                    continue
                raise
            update = self._state(batch_id, report)
            if update is not None:
                found.append(update)
        return found

    def _state(self, batch_id: str, report: object) -> ProviderMessage | None:
        statuses = report.get("statuses") if isinstance(report, dict) else None
        if not isinstance(statuses, list):
            self.status_quarantined.append(("delivery report without statuses", raw_text(report)))
            return None
        if not statuses:
            return None  # nothing reported yet
        entry = statuses[0]
        status = STATUSES.get(entry.get("status")) if isinstance(entry, dict) else None
        if status is None:
            self.status_quarantined.append(("unusable delivery report status", raw_text(entry)))
            return None
        recipients = entry.get("recipients") if isinstance(entry.get("recipients"), list) else []
        code = _int_or_none(entry.get("code"))
        failed = status in (MessageStatus.UNDELIVERED, MessageStatus.FAILED)
        return ProviderMessage(
            provider_message_id=batch_id,
            to_number=e164(recipients[0]) if recipients else "",
            from_number=self.number,
            body="",
            status=status,
            error_code=code if failed else None,
            error_message=f"Sinch: {entry.get('status')} (code {code})" if failed else None,
        )

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """Our batches to `to_number` created since `since` (a day of slack, at most 14 days back):
        whether an `unknown` send happened."""
        self.sent_quarantined = []
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        start = max(since - timedelta(days=1), datetime.now(UTC) - RETENTION + timedelta(minutes=1))
        found: list[ProviderMessage] = []
        for page in range(200):
            params: list[tuple[str, str | int]] = [
                ("from", self.number),
                ("start_date", sinch_date(start)),
                ("page", page),
                ("page_size", PAGE_SIZE),
            ]
            answer = self._exchange("GET", "/batches", idempotent=True, params=params)
            batches = answer.get("batches") if isinstance(answer, dict) else None
            if not isinstance(batches, list):
                raise MalformedResponse("Sinch batches answer without a batches list", raw=raw_text(answer))
            for raw in batches:
                if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                    self.sent_quarantined.append(("unusable batch record", raw_text(raw)))
                    continue
                if to_number not in [e164(n) for n in raw.get("to") or []]:
                    continue
                found.append(
                    ProviderMessage(
                        provider_message_id=raw["id"],
                        to_number=to_number,
                        from_number=e164(raw.get("from")) or self.number,
                        body=str(raw.get("body") or ""),
                        status=MessageStatus.QUEUED,
                        date_created=_date_or_none(raw.get("created_at")),
                    )
                )
            count = answer.get("count")  # type: ignore[union-attr]
            if not batches or not isinstance(count, int) or (page + 1) * PAGE_SIZE >= count:
                break
        return found

    def close(self) -> None:
        self._http.close()


def _error_of(payload: object) -> tuple[str, str]:
    """The code and text of Sinch's error body `{"code", "text"}`."""
    return str(payload["code"]), str(payload.get("text") or "")  # type: ignore[index, union-attr]


WORDING = Wording("Sinch", AUTH_MESSAGE, FORBIDDEN_MESSAGE, _error_of)


def _date_or_none(value: object) -> datetime | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError, OverflowError):
        return None
