"""Infobip adapter: SMS API v3 for sending, delivery reports and logs; the v1 inbox for inbound.

Inbound and delivery reports are consume-once lists (each record is handed out once, with no
acknowledgement), so this adapter splits each into `take_*` (one HTTP exchange, the body returned
untouched for the engine to journal) and `parse_*` (pure, from the journaled body alone). Sending
and the logs are ordinary requests; every failure becomes one class of the taxonomy in `base`.

What was relied on is kept in docs/providers/infobip/ (the official SDK's models and the public
API reference): field names, the `App <key>` header, status groups, the two error body shapes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from inbox.core.models import InboundMessage, MessageStatus, OutboundRequest, PollCursor, ProviderMessage
from inbox.core.phone import mask
from inbox.providers.base import (
    InboundBatch,
    InboundSemantics,
    MalformedResponse,
    OutcomeUnknown,
    ProviderError,
    RawPage,
    Rejected,
    ReportBatch,
)
from inbox.providers.inbound_fields import essentials
from inbox.providers.json_http import RAW_KEEP, JsonHttp, Wording, raw_text

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.infobip.com"
# Inbound pages are consume-once: a page lost between Infobip's answer and our journal commit is
# lost for good, so pages are small (Infobip's default is 50, its maximum 1000).
INBOUND_LIMIT = 20
REPORTS_LIMIT = 100
LOGS_LIMIT = 1000
AUTH_MESSAGE = "Infobip rejected the API key (HTTP 401): check the key and the base URL of your account"
FORBIDDEN_MESSAGE = "Infobip refused the API key for this request (HTTP 403): give the key the SMS scopes"
OLDEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)


class ConsumeOnceOnly(ProviderError):
    """A list read that would consume messages without the journal (see `fetch_inbound`)."""


def parse_date(value: object) -> datetime:
    """Infobip's '2019-11-09T16:00:00.000+0000' (or ISO 8601) as aware UTC; ValueError if not."""
    if not isinstance(value, str) or not value:
        raise ValueError("missing date")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            moment = datetime.strptime(value, fmt).astimezone(UTC)
            break
        except ValueError:
            continue
    else:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment < OLDEST_PLAUSIBLE or moment > datetime.now(UTC) + timedelta(days=1):
        raise ValueError("implausible date")
    return moment


def _date_or_none(value: object) -> datetime | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def infobip_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def e164(number: object) -> str:
    """Infobip writes numbers without the '+' ("41793026727"); ours are E.164."""
    text = str(number or "")
    return text if not text or text.startswith("+") or not text.isdigit() else "+" + text


def bare(number: str) -> str:
    return number[1:] if number.startswith("+") else number


def message_status(status: object) -> MessageStatus:
    """A status object {groupId, groupName, id, name} as ours; KeyError if it is not one."""
    if not isinstance(status, dict):
        raise KeyError(status)
    group, name = status.get("groupName"), str(status.get("name") or "")
    if group == "PENDING":
        return MessageStatus.SENT if name == "PENDING_WAITING_DELIVERY" else MessageStatus.QUEUED
    if group == "ACCEPTED":
        return MessageStatus.QUEUED
    if group == "DELIVERED":
        return MessageStatus.DELIVERED if name == "DELIVERED_TO_HANDSET" else MessageStatus.SENT
    if group in ("UNDELIVERABLE", "EXPIRED"):
        return MessageStatus.UNDELIVERED
    if group == "REJECTED":
        return MessageStatus.FAILED
    raise KeyError(group)


def _object(body: str, what: str) -> dict[str, object]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise MalformedResponse(
            f"Infobip answered {what} with something that is not JSON", raw=body[:RAW_KEEP]
        ) from None
    if not isinstance(payload, dict):
        raise MalformedResponse(f"Infobip answered {what} with JSON that is not an object", raw=body[:RAW_KEEP])
    return payload


def _results(payload: Mapping[str, object], what: str) -> list[object]:
    results = payload.get("results", [])
    if results is None:
        return []
    if not isinstance(results, list):
        raise MalformedResponse(f"Infobip {what} without a results list", raw=raw_text(payload))
    return results


class InfobipProvider:
    """The Provider contract over Infobip's HTTP API (or the simulator's infobip dialect)."""

    name = "infobip"
    inbound_semantics = InboundSemantics.CONSUME_ONCE
    sends_india_dlt = True  # the outbox refuses a text matching no DLT template before any request

    def __init__(
        self,
        api_key: str,
        number: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: httpx.Timeout = httpx.Timeout(10, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        inbound_limit: int = INBOUND_LIMIT,
    ) -> None:
        self.number = number
        self.inbound_limit = inbound_limit
        self.last_quarantined: list[tuple[str, str]] = []
        self.status_quarantined: list[tuple[str, str]] = []
        self.sent_quarantined: list[tuple[str, str]] = []
        client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"App {api_key}",
                "Accept": "application/json",
                "User-Agent": "inbox-sms/0.1",
            },
        )
        self._http = JsonHttp(client, Wording("Infobip", AUTH_MESSAGE, FORBIDDEN_MESSAGE, _error_of))

    # -- sending -----------------------------------------------------------------------------------

    def send(self, request: OutboundRequest) -> ProviderMessage:
        """POST /sms/3/messages, one destination. Unicode and long texts need nothing of ours:
        Infobip picks the encoding and splits (the answer's messageCount says into how many parts)."""
        message: dict[str, object] = {
            "sender": bare(request.from_number or self.number),
            "destinations": [{"to": bare(request.to_number)}],
            "content": {"text": request.body},
        }
        if request.dlt is not None:
            india: dict[str, str] = {"principalEntityId": request.dlt.principal_entity_id}
            if request.dlt.content_template_id:
                india["contentTemplateId"] = request.dlt.content_template_id
            if request.dlt.telemarketer_id:
                india["telemarketerId"] = request.dlt.telemarketer_id
            message["options"] = {"regional": {"indiaDlt": india}}
            if request.dlt.sender:
                message["sender"] = request.dlt.sender  # the registered DLT header
        try:
            body = self._http.exchange_bytes(
                "POST", "/sms/3/messages", idempotent=False, payload={"messages": [message]}
            )
        except MalformedResponse as exc:  # an oversize answer to a POST: it may have been sent
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        try:
            payload = json.loads(body)
            entry = payload["messages"][0]
            message_id = entry["messageId"]
            status = entry.get("status")
            if not isinstance(message_id, str) or not message_id:
                raise ValueError("no messageId")
            ours = message_status(status)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise OutcomeUnknown(
                "Infobip accepted the send but its answer is unreadable: it may have been sent"
            ) from exc
        if ours is MessageStatus.FAILED:
            name = str(status.get("name") or "REJECTED")  # type: ignore[union-attr]
            description = str(status.get("description") or "")  # type: ignore[union-attr]
            raise Rejected(
                f"Infobip rejected the message ({name}): {description}".rstrip(": "),
                _int_or_none(status.get("id")),  # type: ignore[union-attr]
                200,
            )
        details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
        logger.info("sent %s to %s", message_id, mask(request.to_number))
        return ProviderMessage(
            provider_message_id=message_id,
            to_number=request.to_number,
            from_number=request.from_number or self.number,
            body=request.body,
            status=ours,
            date_created=datetime.now(UTC),
            num_segments=_int_or_none(details.get("messageCount")),  # type: ignore[union-attr]
        )

    # -- inbound: consume once -----------------------------------------------------------------------

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """Refused: reading Infobip's inbox consumes it, so a caller that keeps no journal would
        lose what it read. The engine uses `take_inbound` and `parse_inbound` (engine.journal)."""
        raise ConsumeOnceOnly(
            "Infobip's inbox is consumed by reading it: poll it through the engine's journal (take_inbound)"
        )

    def take_inbound(self) -> RawPage:
        """GET /sms/1/inbox/reports?limit=N: the next messages, which Infobip forgets once sent."""
        body = self._http.exchange_bytes(
            "GET", "/sms/1/inbox/reports", idempotent=True, params=[("limit", self.inbound_limit)]
        )
        text = body.decode("utf-8", "replace")
        return RawPage(text, *_counts(text, "pendingMessageCount"))

    def parse_inbound(self, body: str) -> InboundBatch:
        self.last_quarantined = []
        payload = _object(body, "the inbox")
        messages: list[InboundMessage] = []
        for raw in _results(payload, "inbox"):
            try:
                if not isinstance(raw, dict):
                    raise ValueError("record is not an object")
                message_id, sender, text = essentials(raw, "messageId", "from", "text")
                to = e164(raw.get("to")) or self.number
                if to != self.number:
                    # Infobip's inbox is one list for the whole account, and it is consumed: a text
                    # to another number of the account is kept in quarantine, never dropped.
                    raise ValueError(f"sent to another number of the account ({mask(to)}), not this channel's")
                messages.append(
                    InboundMessage(
                        provider_message_id=message_id,
                        from_number=e164(sender),
                        to_number=to,
                        body=text,
                        date_sent=parse_date(raw.get("receivedAt")),
                        num_segments=_int_or_none(raw.get("smsCount")) or 1,
                    )
                )
            except ValueError as exc:
                self.last_quarantined.append((f"unusable inbound record: {exc}", raw_text(raw)))
        newest = max((m.date_sent for m in messages), default=None)
        return InboundBatch(messages=messages, cursor=PollCursor(newest), skipped=len(self.last_quarantined))

    # -- delivery reports: consume once ------------------------------------------------------------

    def take_reports(self) -> RawPage:
        """GET /sms/3/reports?limit=N: final states, each handed out once."""
        body = self._http.exchange_bytes("GET", "/sms/3/reports", idempotent=True, params=[("limit", REPORTS_LIMIT)])
        text = body.decode("utf-8", "replace")
        count, _ = _counts(text, None)
        return RawPage(text, count, count >= REPORTS_LIMIT)  # a full page: more may wait

    def parse_reports(self, body: str) -> ReportBatch:
        payload = _object(body, "the delivery reports")
        updates, skipped = self._states(_results(payload, "delivery reports"), "to")
        return ReportBatch(updates, skipped)

    def _states(self, records: list[object], to_key: str) -> tuple[list[ProviderMessage], list[tuple[str, str]]]:
        updates: list[ProviderMessage] = []
        skipped: list[tuple[str, str]] = []
        for raw in records:
            try:
                if not isinstance(raw, dict):
                    raise ValueError("record is not an object")
                message_id = raw.get("messageId")
                if not isinstance(message_id, str) or not message_id:
                    raise ValueError("missing messageId")
                status = message_status(raw.get("status"))
            except (ValueError, KeyError) as exc:
                skipped.append((f"unusable status record: {exc}", raw_text(raw)))
                continue
            error = raw.get("error") if isinstance(raw.get("error"), dict) else {}
            error_id = _int_or_none(error.get("id"))  # type: ignore[union-attr]
            content = raw.get("content") if isinstance(raw.get("content"), dict) else {}
            updates.append(
                ProviderMessage(
                    provider_message_id=message_id,
                    to_number=e164(raw.get(to_key)),
                    from_number=self.number,  # the sender may be a DLT header; it is our channel's send
                    body=str(content.get("text") or ""),  # type: ignore[union-attr]
                    status=status,
                    date_created=_date_or_none(raw.get("sentAt")),
                    date_sent=_date_or_none(raw.get("sentAt")),
                    error_code=error_id or None,
                    error_message=str(error.get("description")) if error_id else None,  # type: ignore[union-attr]
                    num_segments=_int_or_none(raw.get("messageCount")),
                )
            )
        return updates, skipped

    # -- logs: reconciliation and a lost report ------------------------------------------------------

    def check(self) -> None:
        """One log record: proves the key and the address. Never the inbox, which reading consumes."""
        self._logs([("limit", 1)])

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        """States from /sms/3/logs (read as often as asked), for messages no report settled."""
        self.status_quarantined = []
        found: list[ProviderMessage] = []
        ids = list(provider_message_ids)
        for start in range(0, len(ids), 100):
            params: list[tuple[str, str | int]] = [("messageId", i) for i in ids[start : start + 100]]
            params.append(("limit", LOGS_LIMIT))
            updates, skipped = self._logs(params)
            found.extend(updates)
            self.status_quarantined.extend(skipped)
        return found

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """Our sends to `to_number` since `since` (a day of slack), from /sms/3/logs: whether an
        `unknown` send happened. Logs go back 48 hours."""
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        params: list[tuple[str, str | int]] = [
            ("destination", bare(to_number)),
            ("sentSince", infobip_date(max(since - timedelta(days=1), datetime.now(UTC) - timedelta(hours=48)))),
            ("limit", LOGS_LIMIT),
        ]
        found, self.sent_quarantined = self._logs(params)
        return found

    def _logs(self, params: list[tuple[str, str | int]]) -> tuple[list[ProviderMessage], list[tuple[str, str]]]:
        body = self._http.exchange_bytes("GET", "/sms/3/logs", idempotent=True, params=params)
        payload = _object(body.decode("utf-8", "replace"), "the logs")
        return self._states(_results(payload, "logs"), "destination")

    def close(self) -> None:
        self._http.close()


def _counts(body: str, more_key: str | None) -> tuple[int, bool]:
    """How many records a raw answer holds, and whether more wait, without trusting it further:
    an answer that does not say is journaled all the same (count -1)."""
    try:
        payload = json.loads(body)
        results = payload.get("results")
        count = len(results) if isinstance(results, list) else (0 if results is None else -1)
        more = bool(more_key and isinstance(payload.get(more_key), int) and payload[more_key] > 0)
    except (ValueError, AttributeError, TypeError):
        return -1, False
    return count, more


def _error_of(payload: object) -> tuple[str, str]:
    """The code and text of either Infobip error body (v3 `errorCode`, v1 `requestError`)."""
    if not isinstance(payload, dict):
        raise TypeError("error body is not an object")
    if "errorCode" in payload:
        violations = "; ".join(
            f"{v.get('property')}: {v.get('violation')}" for v in payload.get("violations") or [] if isinstance(v, dict)
        )
        text = str(payload.get("description") or "")
        return str(payload["errorCode"]), f"{text} {violations}".strip()
    exc = payload["requestError"]["serviceException"]
    return str(exc.get("messageId") or "error"), str(exc.get("text") or "")


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError, OverflowError):
        return None
