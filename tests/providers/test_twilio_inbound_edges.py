"""The inbound walk at its edges (httpx.MockTransport): page size, skewed dates, endless chains."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from inbox.core.models import PollCursor
from inbox.providers import twilio
from inbox.providers.base import Retryable
from inbox.providers.twilio import MAX_PAGE_BYTES, WORST_RECORD_BYTES, TwilioProvider

ACCOUNT = "AC" + "2" * 32
OURS = "+15550001111"
LIST = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def record(sid: str, when: datetime, body: object = "hi", **extra: object) -> dict[str, object]:
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


def page(messages: list[object], next_uri: object = None) -> httpx.Response:
    # json.dumps, not httpx's json=: a provider may send Infinity, which Python's json reads
    return httpx.Response(200, content=json.dumps({"messages": messages, "next_page_uri": next_uri}).encode())


def test_the_cap_holds_the_largest_page_twilio_may_send() -> None:
    """1,000 records of 1,600 characters that JSON escapes at 6 bytes each, with 10 media URLs."""
    assert 1000 * WORST_RECORD_BYTES + 64 * 1024 < MAX_PAGE_BYTES
    body = "\u00e9" * 1600  # json.dumps escapes it: \\u00e9
    media = [f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{i:032d}/Media/ME{i:032d}.json" for i in range(10)]
    one = record("SM" + "a" * 32, datetime.now(UTC), body=body, num_media="10", media=media)
    one.update({k: "x" * 34 for k in ("account_sid", "messaging_service_sid", "api_version", "price")})
    big = httpx.Response(200, content=json.dumps({"messages": [one] * 1000, "next_page_uri": None}).encode())
    assert len(big.content) > 10 * (1 << 20), "the worst case is far above 1 MiB"
    assert len(big.content) < MAX_PAGE_BYTES
    provider = provider_answering(lambda request: big)
    assert len(provider.fetch_inbound(PollCursor()).messages) == 1  # the same sid a thousand times


def test_a_page_over_the_cap_is_asked_again_in_smaller_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twilio, "MAX_PAGE_BYTES", 300_000)  # 125 of these records fit, 250 do not
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    records = [record(f"SM{i:032d}", now - timedelta(seconds=i), body="y" * 1500) for i in range(300)]
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("PageSize", "50"))
        start = int(request.url.params.get("Page", "0")) * size
        asked.append(size)
        chunk = records[start : start + size]
        more = start + size < len(records)
        return page(chunk, f"{LIST}?PageSize={size}&Page={start // size + 1}" if more else None)

    provider = provider_answering(handler)
    batch = provider.fetch_inbound(PollCursor())
    assert {m.provider_message_id for m in batch.messages} == {r["sid"] for r in records}, "nothing lost"
    assert asked[:3] == [1000, 500, 250] and set(asked[3:]) == {125}
    asked.clear()
    records[:] = [record("SMsmall", datetime.now(UTC))]  # the backlog is read: pages are small again
    provider.fetch_inbound(batch.cursor)
    provider.fetch_inbound(batch.cursor)
    assert asked == [125, 250], "pages grow back once they fit easily"


def test_a_record_dated_in_the_future_moves_the_cursor_no_further_than_the_poll() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    provider = provider_answering(lambda request: page([record("SMahead", now + timedelta(hours=6))]))
    before = datetime.now(UTC)
    batch = provider.fetch_inbound(PollCursor(now - timedelta(minutes=1)))
    assert [m.provider_message_id for m in batch.messages] == ["SMahead"], "the record itself is kept"
    assert batch.cursor.newest_date_sent is not None
    assert before <= batch.cursor.newest_date_sent <= datetime.now(UTC)


def test_a_cursor_already_in_the_future_is_read_from_the_poll_time() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    provider = provider_answering(lambda request: page([record("SMnow", now)]))
    batch = provider.fetch_inbound(PollCursor(now + timedelta(hours=6)))
    assert [m.provider_message_id for m in batch.messages] == ["SMnow"]


@pytest.mark.parametrize(
    "chain",
    [
        {None: f"{LIST}?To=%2B15550001111&PageSize=1000"},  # back to the first page, same query
        {None: f"{LIST}?PageSize=1000&To=%2B15550001111"},  # the same, parameters in another order
        {None: f"{LIST}?Page=1", "1": f"{LIST}?Page=1"},  # a page naming itself
        {None: f"{LIST}?Page=1", "1": f"{LIST}?Page=2", "2": f"{LIST}?Page=1"},  # a cycle
        {None: f"https://api.example.test{LIST}?Page=1", "1": f"{LIST}?Page=1"},  # absolute, then relative
    ],
)
def test_a_next_page_already_read_ends_the_walk_keeping_what_it_read(chain: dict[object, str]) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return page([record("SM" + "a" * 32, datetime.now(UTC))], chain[request.url.params.get("Page")])

    seen = PollCursor(datetime.now(UTC) - timedelta(minutes=5))
    batch = provider_answering(handler).fetch_inbound(seen)
    assert batch.incomplete and "repeats" in batch.incomplete
    assert [m.provider_message_id for m in batch.messages] == ["SM" + "a" * 32], "what was read is kept"
    assert batch.cursor == seen, "the cursor does not move past what was not read"
    assert len(calls) <= 3


def test_an_endless_chain_stops_at_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twilio, "MAX_INBOUND_RECORDS", 2500)
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("Page", "0"))
        calls.append(n)
        return page([record(f"SM{n:032d}", datetime.now(UTC) - timedelta(seconds=n))], f"{LIST}?Page={n + 1}")

    seen = PollCursor(datetime.now(UTC) - timedelta(days=1))
    batch = provider_answering(handler).fetch_inbound(seen)
    assert batch.incomplete and "pages" in batch.incomplete
    assert batch.cursor == seen
    assert len(calls) == 5, "2,500 records of pages of 1,000: 4 pages, and the fifth is refused"
    first = provider_answering(handler).fetch_inbound(PollCursor())
    assert first.incomplete is None, "a first sync imports the newest messages and starts from there"
    assert first.cursor.newest_date_sent is not None


def test_interrupt_stops_a_walk_at_the_next_page() -> None:
    reached = threading.Event()
    release = threading.Event()
    calls: list[int] = []
    provider: TwilioProvider

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("Page", "0"))
        calls.append(n)
        if n == 3:
            reached.set()
            release.wait(10)
        return page([record(f"SM{n:032d}", datetime.now(UTC))], f"{LIST}?Page={n + 1}")

    provider = provider_answering(handler)
    outcome: list[BaseException] = []

    def walk() -> None:
        try:
            provider.fetch_inbound(PollCursor())
        except BaseException as exc:  # noqa: BLE001 - looked at below
            outcome.append(exc)

    thread = threading.Thread(target=walk)
    thread.start()
    assert reached.wait(10)
    provider.interrupt()
    release.set()
    thread.join(10)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Retryable) and "shutting down" in str(outcome[0])
    assert calls == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "changes",
    [
        {"num_segments": float("inf")},  # json accepts Infinity
        {"num_segments": 10**40},
        {"date_sent": "Mon, 01 Jan 99999999999999999999 00:00:00 +0000", "date_created": None},
        {"date_sent": "Mon, 01 Jan 2024 00:00:00 +9999", "date_created": None},
    ],
)
def test_odd_numbers_and_dates_never_escape_as_exceptions(changes: dict[str, object]) -> None:
    rec = {**record("SM" + "b" * 32, datetime.now(UTC)), **changes}
    provider = provider_answering(lambda request: page([rec]))
    batch = provider.fetch_inbound(PollCursor())
    assert len(batch.messages) + batch.skipped == 1
