"""Adapter cases that need a hand-made answer (httpx.MockTransport): bad records, odd headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from inbox.core.models import MessageStatus, OutboundRequest, PollCursor
from inbox.providers.base import AuthenticationFailed, MalformedResponse, OutcomeUnknown, RateLimited, Retryable
from inbox.providers.twilio import (
    MAX_BODY_BYTES,
    MAX_PAGE_BYTES,
    MIN_PAGE_SIZE,
    TwilioProvider,
    parse_date,
    retry_after_seconds,
)

ACCOUNT = "AC" + "1" * 32
OURS = "+15550001111"
NOW = datetime.now(UTC).replace(microsecond=0)


def record(sid: str, body: object = "hi", when: datetime = NOW, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sid": sid,
        "from": "+15557654321",
        "to": OURS,
        "body": body,
        "direction": "inbound",
        "status": "received",
        "date_created": format_datetime(when),
        "date_sent": format_datetime(when),
        "num_segments": "1",
    }
    base.update(extra)
    return base


def provider_answering(handler) -> TwilioProvider:  # type: ignore[no-untyped-def]
    return TwilioProvider(
        ACCOUNT, "t", OURS, base_url="https://api.example.test", transport=httpx.MockTransport(handler)
    )


def page(messages: list[object], next_uri: str | None = None) -> httpx.Response:
    return httpx.Response(200, json={"messages": messages, "next_page_uri": next_uri})


def test_malformed_records_are_quarantined_not_raised() -> None:
    records: list[object] = [
        record("SM" + "a" * 32, body="good"),
        record("SM" + "b" * 32, body=None),
        {k: v for k, v in record("SM" + "c" * 32).items() if k != "sid"},
        {k: v for k, v in record("SM" + "d" * 32).items() if k != "from"},
        record("SM" + "e" * 32, date_sent="yesterday-ish", date_created="nope"),
        record("SM" + "f" * 32, when=NOW + timedelta(days=3)),
        record("SM" + "9" * 32, when=datetime(1999, 12, 31, tzinfo=UTC)),
        "not an object",
        record("SM" + "8" * 32, body=""),  # an empty text is still a text
    ]
    provider = provider_answering(lambda request: page(records))
    batch = provider.fetch_inbound(PollCursor())
    assert [m.body for m in batch.messages] == ["", "good"]  # same second: the provider's order, reversed
    assert batch.skipped == 7
    reasons = [reason for reason, _ in provider.last_quarantined]
    assert reasons == [
        "missing body",
        "missing sid",
        "missing from",
        "unparseable date",
        "implausible date",
        "implausible date",
        "record is not an object",
    ]
    assert json.loads(provider.last_quarantined[0][1])["sid"] == "SM" + "b" * 32


@pytest.mark.parametrize("payload", [b"<html>oops</html>", b'{"message": "no list"}', b"[]"])
def test_page_without_messages_is_malformed(payload: bytes) -> None:
    provider = provider_answering(lambda request: httpx.Response(200, content=payload))
    with pytest.raises(MalformedResponse):
        provider.fetch_inbound(PollCursor())


def test_oversize_answer_is_malformed_and_capped() -> None:
    huge = b'{"messages": [' + b" " * (MAX_PAGE_BYTES + 10) + b"]}"
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(int(request.url.params["PageSize"]))
        return httpx.Response(200, content=huge)

    provider = provider_answering(handler)
    with pytest.raises(MalformedResponse) as info:
        provider.fetch_inbound(PollCursor())
    assert len(info.value.raw) <= 64 * 1024
    assert sizes[0] == 1000 and sizes[-1] == MIN_PAGE_SIZE, "smaller pages were asked for before giving up"


def test_oversize_answer_to_a_send_is_outcome_unknown() -> None:
    provider = provider_answering(lambda request: httpx.Response(201, content=b"x" * (MAX_BODY_BYTES + 1)))
    with pytest.raises(OutcomeUnknown):
        provider.send(OutboundRequest("+15557654321", OURS, "hi"))


def test_next_page_on_another_host_is_not_followed() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return page([record("SM" + "a" * 32)], "https://evil.example/steal?PageToken=PA1")

    with pytest.raises(MalformedResponse, match="another host"):
        provider_answering(handler).fetch_inbound(PollCursor())
    assert len(calls) == 1


def test_request_shape_and_cursor_window() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return page([record("SM" + "a" * 32, when=NOW), record("SM" + "b" * 32, when=NOW - timedelta(hours=1))])

    cursor = PollCursor(NOW - timedelta(seconds=10))
    batch = provider_answering(handler).fetch_inbound(cursor)
    [request] = seen
    assert request.url.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.url.params["To"] == OURS
    assert request.url.params["DateSent>"] == (cursor.newest_date_sent - timedelta(days=1)).date().isoformat()
    assert request.headers["Authorization"].startswith("Basic ")
    assert [m.provider_message_id for m in batch.messages] == ["SM" + "a" * 32]  # the old one is already seen
    assert batch.cursor == PollCursor(NOW)


def test_unknown_status_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        sid = request.url.path.rsplit("/", 1)[1][:-5]
        status = "partially_delivered" if sid.endswith("b") else "read"
        return httpx.Response(200, json=record(sid, status=status, direction="outbound-api", body="secret"))

    with caplog.at_level("WARNING"):
        results = provider_answering(handler).fetch_status(["SM" + "a" * 32, "SM" + "b" * 32])
    assert [(m.provider_message_id, m.status) for m in results] == [("SM" + "a" * 32, MessageStatus.DELIVERED)]
    assert "partially_delivered" in caplog.text and "secret" not in caplog.text


@pytest.mark.parametrize(
    "header, expected",
    [
        ("1", 1.0),
        ("2.5", 2.5),
        ("-3", None),  # not delta-seconds: no usable hint, our backoff decides
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("Wed, 99 Foo 20x1 25:61:00 GMT", None),
        pytest.param(format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0, id="http-date-in-30-s"),
        # Capped: a provider (or a proxy) must not park our replies for years.
        ("99999999", 3600.0),
        ("inf", 3600.0),
        ("1e400", 3600.0),
        (format_datetime(datetime(2030, 1, 1, tzinfo=UTC), usegmt=True), 3600.0),
        ("Tue, 02 Jan 2030 00:00:00 +0000", 3600.0),
        # A date already past means "now".
        pytest.param(format_datetime(NOW - timedelta(days=3), usegmt=True), 0.0, id="http-date-3-days-ago"),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),  # the obsolete RFC 850 form, long past
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == expected


def test_rate_limited_with_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    provider = provider_answering(
        lambda request: httpx.Response(
            429, headers={"Retry-After": format_datetime(when, usegmt=True)}, json={"code": 20429, "status": 429}
        )
    )
    with pytest.raises(RateLimited) as info:
        provider.send(OutboundRequest("+15557654321", OURS, "hi"))
    assert 100 < info.value.retry_after <= 120  # type: ignore[operator]


def test_parse_date_is_aware_utc() -> None:
    local = (NOW - timedelta(hours=2)).astimezone(timezone(timedelta(hours=1)))
    parsed = parse_date(format_datetime(local))
    assert parsed.tzinfo is UTC and parsed == NOW - timedelta(hours=2)


# -- one failed page does not fail the poll ---------------------------------------------------------


def paged_provider(answers: list[httpx.Response], waits: list[float]) -> tuple[TwilioProvider, list[str]]:
    """A provider whose list requests get `answers` in turn (then an empty last page); waits recorded."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return answers.pop(0) if answers else page([])

    provider = TwilioProvider(
        ACCOUNT,
        "t",
        OURS,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
    )
    return provider, asked


def test_a_failed_page_is_retried_with_a_short_wait() -> None:
    first = page([record("SM" + "a" * 32)], next_uri=f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?Page=1")
    waits: list[float] = []
    limited = httpx.Response(429, headers={"Retry-After": "1"})
    provider, asked = paged_provider([first, httpx.Response(500), limited, page([record("SM" + "b" * 32)])], waits)
    batch = provider.fetch_inbound(PollCursor())
    assert {m.provider_message_id for m in batch.messages} == {"SM" + "a" * 32, "SM" + "b" * 32}
    assert len(asked) == 4 and asked[1] == asked[2] == asked[3]  # the second page, three times
    assert len(waits) == 2 and 0 <= waits[0] <= 0.1 and waits[1] == 1.0  # jittered, then Retry-After


def test_retry_after_is_capped_inside_a_poll() -> None:
    waits: list[float] = []
    provider, _ = paged_provider([httpx.Response(429, headers={"Retry-After": "3600"}), page([])], waits)
    provider.fetch_inbound(PollCursor())
    assert waits == [2.0]  # the runner's own backoff handles long outages, not a sleeping poll


def test_a_page_failing_every_try_fails_the_poll() -> None:
    waits: list[float] = []
    provider, asked = paged_provider([httpx.Response(503)] * 3, waits)
    with pytest.raises(Retryable):
        provider.fetch_inbound(PollCursor())
    assert len(asked) == 3 and len(waits) == 2


def test_garbage_page_retried_is_kept_for_diagnosis() -> None:
    waits: list[float] = []
    provider, _ = paged_provider([httpx.Response(200, content=b"<html>oops"), page([record("SM" + "c" * 32)])], waits)
    batch = provider.fetch_inbound(PollCursor())
    assert [m.provider_message_id for m in batch.messages] == ["SM" + "c" * 32]
    [(reason, raw)] = provider.last_quarantined
    assert "malformed page" in reason and raw == "<html>oops"


def test_refusals_are_not_retried() -> None:
    waits: list[float] = []
    provider, asked = paged_provider([httpx.Response(401)], waits)
    with pytest.raises(AuthenticationFailed):
        provider.fetch_inbound(PollCursor())
    assert len(asked) == 1 and waits == []


def test_find_sent_keeps_what_it_cannot_read_for_diagnosis() -> None:
    waits: list[float] = []
    ours = record("SM" + "d" * 32, body="Your order shipped", direction="outbound-api", status="sent")
    bad = record("SM" + "e" * 32, direction="outbound-api", status="teleported")
    provider, _ = paged_provider([httpx.Response(200, content=b"<html>oops"), page([bad, "junk", ours])], waits)
    found = provider.find_sent("+15557654321", NOW - timedelta(minutes=5))
    assert [m.provider_message_id for m in found] == ["SM" + "d" * 32]
    reasons = [reason for reason, _ in provider.sent_quarantined]
    assert len(reasons) == 3 and "malformed page" in reasons[0]
    assert all("unusable sent record" in r for r in reasons[1:])
    assert provider.last_quarantined == []  # a poll's diagnosis list is not touched
