"""Textlocal adapter (India: api.textlocal.in; UK: api.txtlocal.com): send, inbox, status.

Textlocal's inbox is a list that can be read again (`get_messages` with `inbox_id` and a Unix
`min_time`), so this is a LIST_WITH_CURSOR provider: each poll asks from the cursor less an
overlap, and dedupe by Textlocal's message id makes the overlap harmless.

Two things the documentation leaves open shape this adapter:
- the zone of the `date` strings is not stated. The cursor therefore never comes from them: it is
  the moment the poll began (our clock, sent back as a Unix time, which has no zone), and a date
  later than that moment (a zone ahead of UTC, India's or the UK's summer) is read as that moment.
- Textlocal answers errors with HTTP 200 and `{"errors": [{"code", "message"}], "status":
  "failure"}`: the code, not the HTTP status, decides the class of the taxonomy.

India DLT: Textlocal matches each text against the templates registered with it and refuses
what matches none, so this adapter does not set `sends_india_dlt` (no local template check); it
sends the DLT header as `sender` and reports Textlocal's refusal as it is.

What was relied on is in docs/providers/textlocal/README.md.
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
from inbox.providers.twilio import retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.textlocal.in"
UK_BASE_URL = "https://api.txtlocal.com"
# Wider than any delay between a text reaching Textlocal and its listing, and than the clock skew
# between us and Textlocal (min_time is compared with their clock).
OVERLAP = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=7)  # a new channel shows the last week, not Textlocal's 6 months
PAGE_LIMIT = 1000
MAX_RECORDS = 20_000  # a poll that would read more stops, stores what it read, and says so
MAX_BODY_BYTES = 8 << 20
MAX_MESSAGE = 766  # Textlocal's documented limit on `message`
RAW_KEEP = 64 * 1024
CREDITS_WAIT = 300.0
AUTH_MESSAGE = "Textlocal rejected the login (error 3, invalid login details): check the API key"

# Textlocal's error codes -> what they mean for us.
AUTH_CODES = frozenset({3})
CREDIT_CODES = frozenset({7})  # insufficient credits: nothing goes until someone tops up
WAIT_CODES = frozenset({191, 192})  # outside the hours allowed for this kind of text (TRAI)
TEMPLATE_CODES = frozenset({80})  # no registered DLT template matches the text
DLT_HINT = "Textlocal found no approved DLT template matching this text (Textlocal checks templates, not Inbox)"

# Delivery receipt letters. Documented (api.txtlocal.com/docs/handlingreceipts: "D, U, I or ?";
# textlocal.com knowledge base "Checking your delivery receipts" adds E): D delivered, U expired at
# the operator after the default 48 h (phone off or abroad), E expired after the validity set on
# sending, I invalid number, ? waiting for a receipt. P and B are read too but rest on no source.
_STATUS = {
    "D": MessageStatus.DELIVERED,
    "U": MessageStatus.UNDELIVERED,
    "E": MessageStatus.UNDELIVERED,
    "I": MessageStatus.FAILED,
    "?": MessageStatus.SENT,
    "B": MessageStatus.UNDELIVERED,  # undocumented: said to be India's DND block
    "P": MessageStatus.QUEUED,  # undocumented: pending
}

TRANSPORT = TransportWording.of("Textlocal")


def parse_date(value: object) -> datetime:
    """'2026-12-01 15:04:05' read as UTC (see the module's note on zones); ValueError if not."""
    if not isinstance(value, str) or not value:
        raise ValueError("missing date")
    moment = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    return moment.replace(tzinfo=UTC)


def bare(number: str) -> str:
    return number[1:] if number.startswith("+") else number


def e164(number: object) -> str:
    text = str(number or "").strip()
    return text if not text or text.startswith("+") else "+" + text


def _raw(record: object) -> str:
    try:
        return json.dumps(record, ensure_ascii=False)[:RAW_KEEP]
    except (TypeError, ValueError):
        return repr(record)[:RAW_KEEP]


class TextlocalProvider:
    """The Provider contract over Textlocal's API (or the simulator's textlocal dialect).

    `secret` is the API key; `username:hash` (an email, a colon, the account's hash) logs in with
    username and hash instead, as Textlocal also allows."""

    name = "textlocal"
    sends_india_dlt = False  # Textlocal matches DLT templates itself: no local refusal

    def __init__(
        self,
        secret: str,
        inbox_id: str,
        number: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sender: str | None = None,
        timeout: httpx.Timeout = httpx.Timeout(15, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.inbox_id = inbox_id
        self.number = number
        self.sender = sender
        self.page_limit = page_limit
        self.last_quarantined: list[tuple[str, str]] = []
        self.status_quarantined: list[tuple[str, str]] = []
        user, sep, hash_ = secret.partition(":")
        self._login = {"username": user, "hash": hash_} if sep and "@" in user else {"apikey": secret}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "inbox-sms/0.1"},
        )

    # -- transport ---------------------------------------------------------------------------------

    def _call(self, command: str, fields: dict[str, str | int], *, idempotent: bool = True) -> dict[str, object]:
        """POST one command (form fields; POST keeps the key out of URLs and logs); the success
        payload, or the taxonomy's error for a failure."""
        data = {**self._login, **{k: str(v) for k, v in fields.items()}}
        response, body = send_and_read(
            self._client,
            self._client.build_request("POST", f"/{command}/", data=data),
            idempotent=idempotent,
            read=lambda r: read_capped(r, MAX_BODY_BYTES, "Textlocal's"),
            wording=TRANSPORT,
        )
        status = response.status_code
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if status in (401, 403):
            raise AuthenticationFailed(AUTH_MESSAGE)
        if status == 429:
            raise RateLimited("Textlocal is rate limiting us (HTTP 429)", retry_after=retry_after)
        if status >= 500:
            raise Retryable(f"Textlocal server error (HTTP {status})", retry_after=retry_after)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            raise MalformedResponse(
                f"Textlocal answered {command} with something that is not a JSON object (HTTP {status})",
                raw=body[:RAW_KEEP],
            ) from None
        if payload.get("status") == "failure" or (status >= 400 and "errors" in payload):
            self._raise_failure(command, payload)
        if status >= 400:
            raise MalformedResponse(f"unexpected HTTP {status} from Textlocal", raw=body[:RAW_KEEP])
        return payload

    @staticmethod
    def _raise_failure(command: str, payload: dict[str, object]) -> None:
        # Textlocal's answers carry "errors" and "warnings", both [{"code", "message"}]
        # (lindar-open/textlocal-java-client TextlocalResponse.java); a failure that names only
        # warnings is explained by its first warning.
        errors = payload.get("errors") or payload.get("warnings")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        try:
            code = int(first.get("code"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            code = None
        text = str(first.get("message") or "unknown error")
        if code in AUTH_CODES:
            raise AuthenticationFailed(AUTH_MESSAGE)
        if code in CREDIT_CODES:
            raise Retryable("Textlocal says the account has insufficient credits: top it up", CREDITS_WAIT)
        if code in WAIT_CODES:
            raise Retryable(f"Textlocal will not send this now (error {code}: {text}); trying later", 600.0)
        if code in TEMPLATE_CODES:
            raise Rejected(f"{DLT_HINT} (error {code}: {text})", code, 200)
        if code is not None and code >= 500:
            raise Retryable(f"Textlocal error {code}: {text}")
        if code == 429:
            raise RateLimited(f"Textlocal is rate limiting us ({text})")
        raise Rejected(f"Textlocal refused {command} (error {code}: {text})", code, 200)

    # -- sending -----------------------------------------------------------------------------------

    def send(self, request: OutboundRequest) -> ProviderMessage:
        """/send/ to one number. `unicode=true` when the text needs more than GSM-7 (without it
        Textlocal would send '?' for those characters); Textlocal splits long texts itself."""
        sender = (request.dlt.sender if request.dlt and request.dlt.sender else None) or self.sender
        fields: dict[str, str | int] = {
            "numbers": bare(request.to_number),
            "sender": sender or bare(request.from_number or self.number),
            "message": request.body,
        }
        if not segments.is_gsm7(request.body):
            fields["unicode"] = "true"
        try:
            payload = self._call("send", fields, idempotent=False)
        except MalformedResponse as exc:  # an unreadable answer to a send: it may have gone
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        try:
            entry = payload["messages"][0]  # type: ignore[index]
            message_id = str(entry["id"])
            if not message_id or message_id == "None":
                raise ValueError("no id")
            parts = payload.get("message", {}).get("num_parts")  # type: ignore[union-attr]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise OutcomeUnknown(
                "Textlocal accepted the send but its answer is unreadable: it may have been sent"
            ) from exc
        logger.info("sent %s to %s", message_id, mask(request.to_number))
        return ProviderMessage(
            provider_message_id=message_id,
            to_number=request.to_number,
            from_number=request.from_number or self.number,
            body=request.body,
            status=MessageStatus.QUEUED,
            date_created=datetime.now(UTC),
            num_segments=parts if isinstance(parts, int) else None,
        )

    # -- inbound: a list read again ----------------------------------------------------------------

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """get_messages from the cursor less OVERLAP up to now, oldest first, in pages of
        `page_limit`; the cursor returned is the moment this poll began."""
        self.last_quarantined = []
        polled_at = datetime.now(UTC).replace(microsecond=0)
        since = cursor.newest_date_sent
        if since is None:
            since = polled_at - FIRST_LOOKBACK
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        min_time = int((min(since, polled_at) - OVERLAP).timestamp())
        max_time = int(polled_at.timestamp()) + 1
        messages: list[InboundMessage] = []
        start = 0
        incomplete = None
        while True:
            payload = self._call(
                "get_messages",
                {
                    "inbox_id": self.inbox_id,
                    "min_time": min_time,
                    "max_time": max_time,
                    "sort_order": "asc",
                    "start": start,
                    "limit": self.page_limit,
                },
            )
            records = payload.get("messages") or []
            if not isinstance(records, list):
                raise MalformedResponse("Textlocal get_messages without a messages list", raw=_raw(payload))
            for raw in records:
                message = self._inbound(raw, polled_at)
                if message is not None:
                    messages.append(message)
            start += len(records)
            total = payload.get("num_messages")
            if len(records) < self.page_limit or (isinstance(total, int) and start >= total):
                break
            if start >= MAX_RECORDS:
                incomplete = f"more than {MAX_RECORDS} texts in one poll; the rest is read next time"
                break
        if incomplete:  # asc order: what was not read is newer than what was
            newest = max((m.date_sent for m in messages), default=cursor.newest_date_sent)
            return InboundBatch(messages, PollCursor(newest), len(self.last_quarantined), incomplete)
        return InboundBatch(messages, PollCursor(polled_at), len(self.last_quarantined))

    def _inbound(self, raw: object, polled_at: datetime) -> InboundMessage | None:
        try:
            if not isinstance(raw, dict):
                raise ValueError("record is not an object")
            message_id, sender, text = raw.get("id"), raw.get("number"), raw.get("message")
            if message_id in (None, ""):
                raise ValueError("missing id")
            if sender in (None, ""):
                raise ValueError("missing number")
            if not isinstance(text, str):
                raise ValueError("missing message")
            return InboundMessage(
                provider_message_id=str(message_id),
                from_number=e164(sender),
                to_number=self.number,
                body=text,
                date_sent=min(parse_date(raw.get("date")), polled_at),
                num_segments=segments.count(text),
            )
        except ValueError as exc:
            self.last_quarantined.append((f"unusable inbound record: {exc}", _raw(raw)))
            return None

    # -- states and reconciliation -------------------------------------------------------------------

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        """status_message for each id (one request each: Textlocal has no batch form)."""
        self.status_quarantined = []
        found: list[ProviderMessage] = []
        for message_id in provider_message_ids:
            payload = self._call("status_message", {"message_id": message_id})
            record = payload.get("message")
            try:
                if not isinstance(record, dict):
                    raise KeyError("message")
                status = _STATUS[str(record.get("status"))]
            except KeyError as exc:
                self.status_quarantined.append((f"unusable status record: {exc}", _raw(payload)))
                continue
            when = _date_or_none(record.get("date"))
            found.append(
                ProviderMessage(
                    provider_message_id=str(record.get("id") or message_id),
                    to_number=e164(record.get("recipient")),
                    from_number=self.number,
                    body="",
                    status=status,
                    date_sent=when if status is not MessageStatus.QUEUED else None,
                    error_message=_error_text(str(record.get("status"))),
                )
            )
        return found

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """Our sends to `to_number` since `since` (a day of slack), from get_history_single:
        whether an `unknown` send happened.

        Textlocal documents `start`, `limit`, `min_time` and `max_time` for this command (its PHP
        class sends exactly those) and no filter by number: the answer lists every single-number
        send of the account in the window, so the rows of `to_number` are picked here. Without
        that, a same-text send to another customer would be taken for this one."""
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        wanted = bare(to_number)
        fields: dict[str, str | int] = {
            "min_time": int((since - timedelta(days=1)).timestamp()),
            "max_time": int(datetime.now(UTC).timestamp()) + 1,
            "sort_order": "desc",
            "limit": self.page_limit,
        }
        found: list[ProviderMessage] = []
        start = 0
        while True:
            payload = self._call("get_history_single", {**fields, "start": start})
            rows = payload.get("messages") or []
            if not isinstance(rows, list):
                raise MalformedResponse("Textlocal get_history_single without a messages list", raw=_raw(payload))
            for raw in rows:
                if not isinstance(raw, dict) or raw.get("id") in (None, ""):
                    continue
                if bare(str(raw.get("number") or "").strip()) != wanted:
                    continue
                found.append(
                    ProviderMessage(
                        provider_message_id=str(raw["id"]),
                        to_number=e164(raw.get("number")),
                        from_number=self.number,
                        body=str(raw.get("content") or ""),
                        status=_STATUS.get(str(raw.get("status")), MessageStatus.SENT),
                        date_created=_date_or_none(raw.get("datetime")),
                    )
                )
            start += len(rows)
            total = payload.get("total")
            if len(rows) < self.page_limit or (isinstance(total, int) and start >= total):
                return found
            if start >= MAX_RECORDS:  # stay unknown rather than read an account's whole history
                raise Retryable(f"more than {MAX_RECORDS} sends in Textlocal's history window; trying later")

    def check(self) -> list[dict[str, object]]:
        """get_inboxes: proves the login and the address, and says which inboxes the account has."""
        payload = self._call("get_inboxes", {})
        boxes = payload.get("inboxes") or []
        return [b for b in boxes if isinstance(b, dict)] if isinstance(boxes, list) else []

    def close(self) -> None:
        self._client.close()


def _date_or_none(value: object) -> datetime | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _error_text(letter: str) -> str | None:
    return {
        "U": "Undelivered: expired at the operator, the phone was off or abroad (Textlocal receipt U)",
        "E": "Expired before delivery, after the validity set on sending (Textlocal receipt E)",
        "B": "Blocked: the number is on India's Do Not Disturb register (Textlocal receipt B)",
        "I": "Invalid number (Textlocal receipt I)",
    }.get(letter)
