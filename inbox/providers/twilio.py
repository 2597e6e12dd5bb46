"""Twilio (and Twilio-compatible) adapter: a thin httpx translation of the Messages API.

Every failure becomes one class of the taxonomy in `base`, decided by what we know about the
request's fate: never sent (Retryable), maybe processed (OutcomeUnknown), refused (Rejected...).
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from inbox.core import backoff
from inbox.core.models import InboundMessage, MessageStatus, OutboundRequest, PollCursor, ProviderMessage
from inbox.core.phone import mask
from inbox.providers.base import (
    AuthenticationFailed,
    InboundBatch,
    MalformedResponse,
    OutcomeUnknown,
    RateLimited,
    RecipientOptedOut,
    Rejected,
    Retryable,
)

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
MAX_BODY_BYTES = 1 << 20  # one Message resource (a send's or a status answer) is a few KiB; more is not Twilio
# The largest list page Twilio may legitimately send, so that a real backlog is always readable.
# Per record: a body of at most 1,600 characters, each at worst 6 bytes of JSON ("\uXXXX"; an emoji
# counts as two characters and is two escapes) = 9,600 bytes; every other property, the URIs
# included, well under 2 KiB (a full resource without its body is ~920 bytes); list pages carry no
# media, only `num_media` and a Media URI, but we allow 10 media URLs of 256 bytes for compatible
# providers = 2,560 bytes. That is 14,208 bytes a record, and 1,000 records (the largest PageSize)
# plus the envelope ~14.2 MB: the cap below holds any legitimate page, and bounds what one read
# may hold in memory. A page still larger makes the poll ask for smaller pages (MIN_PAGE_SIZE).
WORST_RECORD_BYTES = 1600 * 6 + 2048 + 10 * 256
MAX_PAGE_BYTES = 16 << 20
MIN_PAGE_SIZE = 10
# One poll reads at most this many records (a next_page_uri chain that never ends stops here, and
# what the walk holds in memory stays bounded: ~100 MB at worst for 1,600-character bodies). A walk
# cut short (this bound, or a link back to a page already read) keeps what it read: those messages
# are stored (a STOP among them is honoured), the cursor stays where it was so that the older part
# is asked for again, and the channel's health says why. A first sync past the bound has no older
# part to protect: it imports the newest MAX_INBOUND_RECORDS messages and starts from there.
MAX_INBOUND_RECORDS = 100_000
RAW_KEEP = 64 * 1024  # how much of a bad payload we keep for diagnosis
FIND_SENT_MAX_PAGES = 20
STATUS_LIST_MAX_PAGES = 10  # a status refresh reads at most this many pages of our sends
# How much older than the oldest message we wait for a listed record may be before the walk stops:
# the provider's clock and ours disagree a little, and date_sent comes a moment after our send.
STATUS_LIST_SLACK = timedelta(minutes=10)
# One page request is tried this many times on a transient failure before the whole walk fails:
# a poll reads several pages, and at a 20 % failure rate a walk that needs every page on the first
# try would rarely finish.
PAGE_TRIES = 3
PAGE_RETRY_BASE = 0.1  # seconds; full jitter, doubling per try
PAGE_RETRY_CAP = 2.0  # never wait longer inside one poll, whatever Retry-After says (the runner backs off)
DEFAULT_PAGE_SIZE = 1000  # Twilio's maximum: fewer round trips per poll
# How far before the newest date already seen a poll reads again. A message can become visible to
# the list with a date_sent slightly older than one we have seen; dedupe by provider id makes the
# overlap harmless, so it only needs to be wider than that delay, not a minute of traffic.
DEFAULT_LOOKBACK = timedelta(seconds=15)
OLDEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
AUTH_MESSAGE = "Twilio rejected the credentials (error 20003): check your account SID and auth token"

STATUSES: Mapping[str, MessageStatus] = {
    "queued": MessageStatus.QUEUED,
    "accepted": MessageStatus.QUEUED,
    "scheduled": MessageStatus.QUEUED,
    "sending": MessageStatus.SENDING,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
    "received": MessageStatus.RECEIVED,
    "receiving": MessageStatus.RECEIVED,
}

# The request never left this machine: safe to retry whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class EndlessList(MalformedResponse):
    """The list's next_page_uri chain does not end (it links back to a page already read)."""


class BadRecord(ValueError):
    """One record of a page we cannot use; the reason is kept with the raw record."""


class PageTooLarge(MalformedResponse):
    """An answer over the size cap: asking again for the same page is pointless, a smaller one may do."""


def parse_date(value: object) -> datetime:
    """An RFC 2822 date as an aware UTC datetime; raises BadRecord if missing or implausible."""
    if not isinstance(value, str) or not value:
        raise BadRecord("missing date")
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadRecord("unparseable date") from None
    if moment < OLDEST_PLAUSIBLE or moment > datetime.now(UTC) + timedelta(days=1):
        raise BadRecord("implausible date")
    return moment


def _optional_date(value: object) -> datetime | None:
    try:
        return parse_date(value) if value else None
    except BadRecord:
        return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 allows both).

    Capped at `backoff.RETRY_AFTER_CAP_SECONDS`: a header of 99999999 or a date in 2030 must not
    park replies for years. A date in the past means "now" (0); junk (words, NaN, negative
    numbers) means the provider gave no usable hint (None), and our own backoff decides.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if math.isnan(seconds) or seconds < 0:
            return None
        return min(seconds, backoff.RETRY_AFTER_CAP_SECONDS)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None for junk
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), backoff.RETRY_AFTER_CAP_SECONDS)


def _int_or(value: object, default: int | None) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity, which json accepts
        return default


def _text(raw: Mapping[str, object], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or (key != "body" and not value):
        raise BadRecord(f"missing {key}")
    return value


def _provider_message(raw: Mapping[str, object], fallback: MessageStatus | None = None) -> ProviderMessage:
    """A Message resource as our DTO; raises BadRecord (unusable) or KeyError (unknown status and
    no `fallback`)."""
    status = raw.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        if fallback is None:
            raise KeyError(status)
        status = fallback.value
    return ProviderMessage(
        provider_message_id=_text(raw, "sid"),
        to_number=str(raw.get("to") or ""),
        from_number=str(raw.get("from") or ""),
        body=str(raw.get("body") or ""),
        status=STATUSES.get(status, fallback or MessageStatus.QUEUED),
        date_created=_optional_date(raw.get("date_created")),
        date_sent=_optional_date(raw.get("date_sent")),
        error_code=_int_or(raw.get("error_code"), None),
        error_message=error_message if isinstance(error_message := raw.get("error_message"), str) else None,
        num_segments=_int_or(raw.get("num_segments"), None),
        direction=direction if isinstance(direction := raw.get("direction"), str) and direction else "outbound-api",
    )


def _decode(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace")[:RAW_KEEP] if isinstance(raw, bytes) else raw[:RAW_KEEP]


def _raw_text(raw: object) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False)[:RAW_KEEP]
    except (TypeError, ValueError):
        return repr(raw)[:RAW_KEEP]


class TwilioProvider:
    """The Provider protocol over Twilio's REST API (or the simulator, which speaks the same)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        number: str,
        base_url: str = "https://api.twilio.com",
        timeout: httpx.Timeout = httpx.Timeout(10, connect=5),  # noqa: B008 - immutable
        transport: httpx.BaseTransport | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_tries: int = PAGE_TRIES,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.number = number
        self.lookback = lookback
        self.page_size = page_size
        self._inbound_page_size = page_size  # halved for this client when a page is over the cap
        self._interrupted = threading.Event()
        self.page_tries = max(1, page_tries)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.last_quarantined: list[tuple[str, str]] = []
        self.status_quarantined: list[tuple[str, str]] = []
        self.sent_quarantined: list[tuple[str, str]] = []  # what find_sent (reconciliation) set aside
        self._origin = urlsplit(base_url)
        self._client = httpx.Client(
            base_url=base_url,
            auth=(account_sid, auth_token),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "inbox-sms/0.1"},
        )

    # -- transport -------------------------------------------------------------------------------

    @property
    def _messages_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        limit: int = MAX_BODY_BYTES,
    ) -> tuple[int, httpx.Headers, bytes]:
        """One HTTP exchange with transport errors mapped by whether the request may have acted."""
        request = self._client.build_request(method, url, params=params, data=data)
        try:
            response = self._client.send(request, stream=True)
            try:
                body = self._read_capped(response, limit)
            finally:
                response.close()
        except _NOT_SENT as exc:
            raise Retryable(f"could not reach Twilio ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            if idempotent:
                raise Retryable(f"Twilio connection failed ({type(exc).__name__})") from exc
            raise OutcomeUnknown(
                f"connection to Twilio failed after the request was sent ({type(exc).__name__}): "
                "it may have been processed"
            ) from exc
        return response.status_code, response.headers, body

    @staticmethod
    def _read_capped(response: httpx.Response, cap: int = MAX_BODY_BYTES) -> bytes:
        declared = _int_or(response.headers.get("Content-Length"), 0) or 0
        # Announced too big: read only the head we keep for diagnosis.
        limit = RAW_KEEP if declared > cap else cap
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                break
        else:
            if declared <= cap:
                return b"".join(chunks)
        head = b"".join(chunks)[:RAW_KEEP]
        raise PageTooLarge(f"Twilio answer larger than {cap} bytes", raw=head)

    @staticmethod
    def _raise_for_status(status: int, headers: httpx.Headers, body: bytes) -> None:
        if 200 <= status < 300:
            return
        if status == 401:
            raise AuthenticationFailed(AUTH_MESSAGE)
        if status == 429:
            raise RateLimited(
                "Twilio is rate limiting us (HTTP 429)", retry_after=retry_after_seconds(headers.get("Retry-After"))
            )
        if status >= 500:
            raise Retryable(
                f"Twilio server error (HTTP {status})", retry_after=retry_after_seconds(headers.get("Retry-After"))
            )
        code, message = None, body[:200].decode("utf-8", "replace")
        try:
            payload = json.loads(body)
            code = _int_or(payload.get("code"), None)
            message = str(payload.get("message") or message)
        except (ValueError, AttributeError):
            pass
        if code == 21610:
            raise RecipientOptedOut(
                "the recipient has opted out of messages from this number (Twilio error 21610)", 21610, status
            )
        if 400 <= status < 500:
            raise Rejected(f"Twilio refused the request (error {code}, HTTP {status}): {message}", code, status)
        raise MalformedResponse(f"unexpected HTTP {status} from Twilio", raw=body[:RAW_KEEP])

    def _get_json(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        limit: int = MAX_BODY_BYTES,
        sizes: list[int] | None = None,
    ) -> dict[str, object]:
        status, headers, body = self._exchange("GET", url, idempotent=True, params=params, limit=limit)
        if sizes is not None:
            sizes.append(len(body))
        self._raise_for_status(status, headers, body)
        try:
            payload = json.loads(body)
        except ValueError:
            raise MalformedResponse("Twilio answered with something that is not JSON", raw=body[:RAW_KEEP]) from None
        if not isinstance(payload, dict):
            raise MalformedResponse("Twilio answered with JSON that is not an object", raw=body[:RAW_KEEP])
        return payload

    def _get_page(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        sink: list[tuple[str, str]],
        sizes: list[int] | None = None,
    ) -> dict[str, object]:
        """One page, retried a few times on transient failures (short jittered waits, Retry-After
        honoured up to a cap). A malformed page is kept in `sink` before the retry, so the caller
        can still save it for diagnosis."""
        for attempt in range(1, self.page_tries + 1):
            try:
                return self._get_json(url, params, limit=MAX_PAGE_BYTES, sizes=sizes)
            except Retryable as exc:
                if attempt >= self.page_tries or isinstance(exc, PageTooLarge):
                    raise  # the caller records this one (the same page would be as large again)
                if isinstance(exc, MalformedResponse):
                    sink.append((f"malformed page: {exc}", _decode(exc.raw)))
                wait = self._rng.uniform(0, PAGE_RETRY_BASE * 2 ** (attempt - 1))
                if exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                wait = min(wait, PAGE_RETRY_CAP)
                logger.debug("page request failed (%s); try %d in %.2f s", exc, attempt + 1, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(
        self,
        params: Mapping[str, str | int],
        sink: list[tuple[str, str]],
        max_pages: int | None = None,
        sizes: list[int] | None = None,
    ) -> Iterator[list[object]]:
        """Yield each page's `messages` list, following next_page_uri (same origin only: the
        client sends our credentials with every request). A next_page_uri naming a page already
        read would loop for ever: it is a malformed answer. `interrupt()` stops between pages."""
        url: str | None = self._messages_path
        first = True
        pages = 0
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        while url and (max_pages is None or pages < max_pages):
            if self._interrupted.is_set():
                raise Retryable("stopped reading Twilio pages: Inbox is shutting down")
            request_url = self._client.build_request("GET", url, params=params if first else None).url
            key = (request_url.path, tuple(sorted(request_url.params.multi_items())))
            if key in seen:
                raise EndlessList(
                    "next_page_uri repeats a page already read (the list would never end)", raw=url.encode()[:RAW_KEEP]
                )
            seen.add(key)
            payload = self._get_page(url, params if first else None, sink, sizes)
            first = False
            pages += 1
            records = payload.get("messages")
            if not isinstance(records, list):
                raise MalformedResponse("Twilio page without a messages list", raw=_raw_text(payload).encode())
            yield records
            url = self._next_url(payload.get("next_page_uri"))

    def _next_url(self, value: object) -> str | None:
        if not value:
            return None
        if not isinstance(value, str):
            raise MalformedResponse("next_page_uri is not a string", raw=_raw_text(value).encode())
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            if (parts.scheme, parts.netloc) != (self._origin.scheme, self._origin.netloc):
                raise MalformedResponse("next_page_uri points to another host", raw=value.encode()[:RAW_KEEP])
            return value
        if not value.startswith("/"):
            raise MalformedResponse("next_page_uri is not an absolute path", raw=value.encode()[:RAW_KEEP])
        return value

    # -- Provider ----------------------------------------------------------------------------------

    def interrupt(self) -> None:
        """Make a walk in progress (another thread's) stop at the next page: shutdown stays prompt."""
        self._interrupted.set()

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """Inbound messages not older than cursor - lookback, oldest first.

        Twilio filters DateSent by whole GMT days, so we ask from the day before the cursor and
        walk pages newest-first until we reach already-seen territory. The cursor returned is never
        later than the moment this poll began, whatever a record's date says (clock skew, a
        provider bug): a message that arrives after the poll can never be dated before it, so it
        cannot fall behind the cursor; a record dated in the future is stored all the same.

        A walk cut short (see MAX_INBOUND_RECORDS) returns what it read with `incomplete` set and
        the cursor unchanged, except a first sync past the bound, which starts from the newest.
        """
        self.last_quarantined = []
        polled_at = datetime.now(UTC)
        newest = cursor.newest_date_sent
        if newest is not None:
            newest = newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest.astimezone(UTC)
            newest = min(newest, polled_at)
        while True:
            size = self._inbound_page_size
            sizes: list[int] = []
            try:
                messages, incomplete, endless = self._walk_inbound(newest, size, sizes)
                break
            except PageTooLarge:
                if size <= MIN_PAGE_SIZE:
                    raise
                self._inbound_page_size = max(MIN_PAGE_SIZE, size // 2)
                logger.warning(
                    "a page of %d messages was larger than %d bytes; asking for %d at a time",
                    size,
                    MAX_PAGE_BYTES,
                    self._inbound_page_size,
                )
        if size < self.page_size and max(sizes, default=0) < MAX_PAGE_BYTES // 4:
            self._inbound_page_size = min(self.page_size, size * 2)  # pages of twice the size fit again
        top = max((min(m.date_sent, polled_at) for m in messages), default=None)
        if incomplete and (newest is not None or endless):
            # What the walk did not reach is older than what it read: ask for it again.
            new_cursor = PollCursor(newest)
        else:
            new_cursor = PollCursor(max(top, newest) if top and newest else (top or newest))
            if incomplete:
                logger.warning("first sync: %s; older history is not imported", incomplete)
                incomplete = None
        if self.last_quarantined:
            logger.warning("skipped %d malformed inbound record(s)", len(self.last_quarantined))
        logger.debug("fetched %d inbound message(s) for %s", len(messages), mask(self.number))
        return InboundBatch(
            messages=messages, cursor=new_cursor, skipped=len(self.last_quarantined), incomplete=incomplete
        )

    def _walk_inbound(
        self, newest: datetime | None, size: int, sizes: list[int]
    ) -> tuple[list[InboundMessage], str | None, bool]:
        """One newest-first walk with pages of `size`: the messages read, why the walk stopped
        before already-seen territory if it did, and whether that was a chain of pages that links
        back to itself (rather than one past the bound)."""
        params: dict[str, str | int] = {"To": self.number, "PageSize": size}
        threshold = None
        if newest is not None:
            params["DateSent>"] = (newest - timedelta(days=1)).date().isoformat()
            threshold = newest - self.lookback
        max_pages = -(-MAX_INBOUND_RECORDS // size) + 1
        self.last_quarantined = []  # a walk started again with smaller pages sets aside the same records
        found: dict[str, InboundMessage] = {}
        read = 0
        incomplete: str | None = None
        endless = False
        walk = self._pages(params, self.last_quarantined, sizes=sizes)
        pages = 0
        while True:
            try:
                records = next(walk)
            except StopIteration:
                break
            except EndlessList as exc:
                incomplete, endless = str(exc), True
                break
            pages += 1
            read += len(records)
            if pages > max_pages or read > MAX_INBOUND_RECORDS:
                incomplete = (
                    f"Twilio's list goes on past {MAX_INBOUND_RECORDS} messages or {max_pages} pages in one poll"
                )
                break
            reached_seen = False
            for raw in records:
                msg = self._inbound(raw)
                if msg is None:
                    continue
                if threshold is not None and msg.date_sent < threshold:
                    reached_seen = True
                    continue
                found.setdefault(msg.provider_message_id, msg)
            if reached_seen:
                break
        walk.close()
        # Oldest first. Dates have one-second resolution, so ties keep the provider's own order
        # (pages are newest first): "STOP" then "START" within a second must stay in that order.
        messages = list(found.values())[::-1]
        messages.sort(key=lambda m: m.date_sent)
        return messages, incomplete, endless

    def _inbound(self, raw: object) -> InboundMessage | None:
        """The record as an InboundMessage, None if it is not inbound or is quarantined."""
        try:
            if not isinstance(raw, dict):
                raise BadRecord("record is not an object")
            direction = raw.get("direction")
            if direction is None:
                raise BadRecord("missing direction")
            if direction != "inbound":
                return None
            return InboundMessage(
                provider_message_id=_text(raw, "sid"),
                from_number=_text(raw, "from"),
                to_number=str(raw.get("to") or self.number),
                body=_text(raw, "body"),
                date_sent=parse_date(raw.get("date_sent") or raw.get("date_created")),
                num_segments=_int_or(raw.get("num_segments"), 1) or 1,
            )
        except BadRecord as exc:
            self.last_quarantined.append((str(exc), _raw_text(raw)))
            return None

    def send(self, request: OutboundRequest) -> ProviderMessage:
        data = {"To": request.to_number, "From": request.from_number or self.number, "Body": request.body}
        try:
            status, headers, body = self._exchange("POST", self._messages_path, idempotent=False, data=data)
        except MalformedResponse as exc:  # oversize answer to a POST: it may have been sent
            raise OutcomeUnknown(f"unreadable answer to a send: {exc}") from exc
        self._raise_for_status(status, headers, body)
        try:
            payload = json.loads(body)
            message = _provider_message(payload, fallback=MessageStatus.QUEUED)  # 201: it was accepted
        except (ValueError, AttributeError, KeyError, BadRecord) as exc:
            raise OutcomeUnknown(
                "Twilio accepted the send but its answer is unreadable: it may have been sent"
            ) from exc
        logger.info("sent %s to %s", message.provider_message_id, mask(request.to_number))
        return message

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]:
        """Current state of our messages; unusable answers are skipped and set aside in
        `status_quarantined` (reason, raw) for the caller to keep."""
        results: list[ProviderMessage] = []
        self.status_quarantined = []
        for sid in provider_message_ids:
            url = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{quote(sid, safe='')}.json"
            try:
                payload = self._get_json(url)
            except Rejected as exc:
                if exc.status == 404:
                    logger.warning("status refresh: %s is unknown to Twilio", sid)
                    continue
                raise
            try:
                results.append(_provider_message(payload))
            except KeyError as exc:
                logger.warning("status refresh: %s has unknown status %r; skipped", sid, exc.args[0])
                self.status_quarantined.append((f"unknown status {str(exc.args[0])[:60]!r}", _raw_text(payload)))
            except BadRecord as exc:
                logger.warning("status refresh: %s unusable (%s); skipped", sid, exc)
                self.status_quarantined.append((f"unusable status record: {exc}", _raw_text(payload)))
        return results

    def statuses_since(self, since: datetime) -> Iterator[list[ProviderMessage]]:
        """Our sent messages (From our number, DateSent on or after `since`'s GMT day, with a day
        of slack), page by page, newest first: one request answers for up to a page of messages.

        Pages are yielded as they arrive so the caller keeps what it got before a failure. The walk
        stops at records older than `since` minus a little slack. A message still queued at the
        provider has no date_sent and is not listed: ask for it with `fetch_status`. Unusable
        records are set aside in `status_quarantined`.
        """
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        floor = since - STATUS_LIST_SLACK
        params: dict[str, str | int] = {
            "From": self.number,
            "DateSent>": (since - timedelta(days=1)).date().isoformat(),
            "PageSize": self.page_size,
        }
        self.status_quarantined = []
        for records in self._pages(params, self.status_quarantined, max_pages=STATUS_LIST_MAX_PAGES):
            found: list[ProviderMessage] = []
            done = False
            for raw in records:
                try:
                    if not isinstance(raw, dict):
                        raise BadRecord("record is not an object")
                    if raw.get("direction") == "inbound":
                        continue
                    message = _provider_message(raw)
                except KeyError as exc:
                    self.status_quarantined.append((f"unknown status {str(exc.args[0])[:60]!r}", _raw_text(raw)))
                    continue
                except BadRecord as exc:
                    self.status_quarantined.append((f"unusable status record: {exc}", _raw_text(raw)))
                    continue
                when = message.date_sent or message.date_created
                if when is not None and when < floor:
                    done = True
                    continue
                found.append(message)
            yield found
            if done:
                break

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """Our MT messages to `to_number` created since `since` (with a day of slack for clock skew).

        Walks To+From pages newest-first by date_created rather than filtering on DateSent: a
        message still queued has no date_sent yet, and it is exactly the one reconciliation needs.
        Unusable records and malformed pages retried past are left in `sent_quarantined`.
        """
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        floor = since - timedelta(days=1)
        params: dict[str, str | int] = {"To": to_number, "From": self.number, "PageSize": self.page_size}
        found: list[ProviderMessage] = []
        self.sent_quarantined = []
        for records in self._pages(params, self.sent_quarantined, max_pages=FIND_SENT_MAX_PAGES):
            done = False
            for raw in records:
                try:
                    if not isinstance(raw, dict):
                        raise BadRecord("record is not an object")
                    message = _provider_message(raw)
                except (KeyError, BadRecord) as exc:
                    self.sent_quarantined.append((f"unusable sent record: {exc}", _raw_text(raw)))
                    continue
                created = message.date_created or message.date_sent
                if created is not None and created < floor:
                    done = True
                    continue
                found.append(message)
            if done:
                break
        return found

    def owns_number(self) -> bool | None:
        """Whether the account owns our number: IncomingPhoneNumbers for a phone number,
        SMS/ShortCodes for a short code, filtered on the number. The filter matches part of a
        number, so a record must carry exactly ours. None when the provider has no such resource
        (a Twilio-compatible one answering 404): it cannot tell, which is not a "no"."""
        if self.number.startswith("+"):
            path, key, field, name = (
                "IncomingPhoneNumbers.json",
                "incoming_phone_numbers",
                "phone_number",
                "PhoneNumber",
            )
        else:
            path, key, field, name = "SMS/ShortCodes.json", "short_codes", "short_code", "ShortCode"
        url = f"/{API_VERSION}/Accounts/{self.account_sid}/{path}"
        try:
            payload = self._get_json(url, {name: self.number, "PageSize": 50})
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise
        records = payload.get(key)
        if not isinstance(records, list):
            raise MalformedResponse(f"Twilio's {path} answer has no {key} list", raw=_raw_text(payload).encode())
        return any(isinstance(r, dict) and r.get(field) == self.number for r in records)

    def close(self) -> None:
        self._client.close()
