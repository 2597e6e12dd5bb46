"""Property: whatever JSON pages and records a provider sends, a poll through the Twilio adapter and
ingest raises nothing but `MalformedResponse` (for a bad page), loses no valid record, and leaves a
cursor that no later valid message can fall behind.

Pages come from httpx.MockTransport, records are a mix of valid ones (some dated hours ahead, some
with NUL or lone surrogates in the text), valid ones with one field replaced by arbitrary JSON, and
arbitrary JSON; one page of the chain may be malformed (not JSON, no list, a bad or looping
next_page_uri). Both backends; the real runner path (`Runner.poll_channel`) with a given provider.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inbox.core.events import EventBus
from inbox.engine.connections import ProviderPool
from inbox.engine.runner import Runner
from inbox.providers.base import MalformedResponse
from inbox.providers.twilio import TwilioProvider
from inbox.store import cursors
from inbox.store.models import MessageRow
from tests.conftest import add_channel

ACCOUNT = "AC" + "3" * 32
OURS = "+15550001111"
LIST = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SENDERS = ["+15553000001", "+15553000002", "+447700900123", "+15553008888"]
DELETE = object()
_names = itertools.count()

any_char = st.characters(exclude_categories=())  # lone surrogates and NUL included
odd_text = st.text(any_char, max_size=24) | st.sampled_from(["STOP", "START", "HELP", "\x00", "SM" + "1" * 80, ""])
leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | odd_text
)
json_value = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3), max_leaves=8
)
FIELDS = ["sid", "from", "to", "body", "direction", "status", "date_sent", "date_created", "num_segments"]


@st.composite
def entry(draw, newest_offset: int = 6 * 3600, oldest_offset: int = -2 * 86400):  # type: ignore[no-untyped-def]
    """(kind, offset in seconds from the poll's base time, changes): kind valid | mutated | junk."""
    kind = draw(st.sampled_from(["valid", "valid", "mutated", "junk"]))
    offset = draw(st.integers(min_value=oldest_offset, max_value=newest_offset))
    body = draw(st.text(any_char, max_size=60) | st.sampled_from(["STOP", "START", "HELP", "where is my order?"]))
    sender = draw(st.sampled_from(SENDERS))
    if kind == "mutated":
        field = draw(st.sampled_from(FIELDS))
        value = draw(json_value | st.just(DELETE))
        return kind, offset, {"body": body, "from": sender, field: value}
    if kind == "junk":
        return kind, offset, {"junk": draw(json_value)}
    return kind, offset, {"body": body, "from": sender}


BAD_PAGES = ["not json", "array", "no list", "list not a list", "next not a string", "other host", "loop"]


def _record(sid: str, when: datetime, changes: dict[str, object]) -> object:
    if "junk" in changes:
        return changes["junk"]
    stamp = format_datetime(when)
    rec: dict[str, object] = {
        "sid": sid,
        "from": SENDERS[0],
        "to": OURS,
        "body": "hi",
        "direction": "inbound",
        "status": "received",
        "date_created": stamp,
        "date_sent": stamp,
        "num_segments": "1",
    }
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not DELETE}


class Pages:
    """A chain of pages, newest record first, `Page=n` in each next_page_uri; one may be bad."""

    def __init__(self, records: list[object], cuts: list[int], bad: tuple[int, str] | None) -> None:
        self.pages: list[list[object]] = []
        rest = list(records)
        for cut in cuts:
            self.pages.append(rest[:cut])
            rest = rest[cut:]
        self.pages.append(rest)
        self.bad = bad if bad is not None and bad[0] < len(self.pages) else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("Page", "0"))
        if n >= len(self.pages):
            return httpx.Response(200, content=b'{"messages": [], "next_page_uri": null}')
        nxt: object = f"{LIST}?Page={n + 1}" if n + 1 < len(self.pages) else None
        envelope: object = {"messages": self.pages[n], "next_page_uri": nxt}
        if self.bad is not None and self.bad[0] == n:
            kind = self.bad[1]
            if kind == "not json":
                return httpx.Response(200, content=b"\xff<html>oops")
            envelope = {
                "array": [self.pages[n]],
                "no list": {"next_page_uri": nxt},
                "list not a list": {"messages": {"0": self.pages[n]}},
                "next not a string": {"messages": self.pages[n], "next_page_uri": 42},
                "other host": {"messages": self.pages[n], "next_page_uri": "https://evil.example/x?Page=1"},
                "loop": {"messages": self.pages[n], "next_page_uri": f"{LIST}?Page={n}" if n else LIST},
            }[kind]
        return httpx.Response(200, content=json.dumps(envelope).encode())  # Infinity and NaN as Python writes them


class GivenProvider(ProviderPool):
    def __init__(self, provider: TwilioProvider) -> None:
        super().__init__(resolve_token=lambda channel: "t")
        self.provider = provider

    def get(self, channel):  # type: ignore[no-untyped-def, override]
        return self.provider


def _build(entries: list[tuple[str, int, dict[str, object]]], base: datetime, prefix: str):  # type: ignore[no-untyped-def]
    """(date, record) newest first, and the sids of the valid ones."""
    ordered = sorted(enumerate(entries), key=lambda item: item[1][1], reverse=True)
    dated, valid = [], set()
    for i, (kind, offset, changes) in ordered:
        sid = f"SM{prefix}{i:030d}"
        when = base + timedelta(seconds=offset)
        dated.append((when, _record(sid, when, changes)))
        if kind == "valid":
            valid.add(sid)
    return dated, valid


def _stored(db, channel_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return set(
            s.scalars(
                select(MessageRow.provider_message_id).where(
                    MessageRow.channel_id == channel_id, MessageRow.direction == "inbound"
                )
            )
        )


def _poll(runner: Runner, channel, expect_bad: bool) -> None:  # type: ignore[no-untyped-def]
    try:
        report = runner.poll_channel(channel, force=True)
    except MalformedResponse:
        assert expect_bad, "only a bad page may fail the poll"
        return
    # A page linking back to itself ends the walk: what it read is stored, the poll is reported failed.
    assert (report is not None and report.problem is not None) == expect_bad, "a bad page on the walk fails the poll"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    first=st.lists(entry(), max_size=14),
    cuts=st.lists(st.integers(min_value=0, max_value=5), max_size=4),
    bad=st.none() | st.tuples(st.integers(min_value=0, max_value=4), st.sampled_from(BAD_PAGES)),
    later=st.lists(entry(oldest_offset=0), max_size=8),
    later_cuts=st.lists(st.integers(min_value=1, max_value=4), max_size=3),
)
def test_no_valid_record_is_lost_whatever_the_provider_sends(db, first, cuts, bad, later, later_cuts) -> None:
    with db.write() as s:
        n = next(_names)  # one database for every example: one provider account each (numbers are unique per account)
        channel = add_channel(s, name=f"prop{n}", account_sid=f"AC{n:032d}")
    base = datetime.now(UTC).replace(microsecond=0)
    dated, valid = _build(first, base, "a")
    pages = Pages([r for _, r in dated], cuts, bad)
    transport = httpx.MockTransport(lambda request: pages(request))
    provider = TwilioProvider(
        ACCOUNT, "t", OURS, base_url="https://api.example.test", transport=transport, sleep=lambda s: None
    )
    runner = Runner(db, pool=GivenProvider(provider), events=EventBus())

    _poll(runner, channel, expect_bad=pages.bad is not None)
    if pages.bad is not None:
        with db.read() as s:
            assert cursors.get(s, channel.id).newest_date_sent is None, "a failed poll does not move the cursor"
        pages.bad = None  # the provider recovers
        _poll(runner, channel, expect_bad=False)
    assert valid <= _stored(db, channel.id), "every valid record is stored"
    with db.read() as s:
        cursor = cursors.get(s, channel.id).newest_date_sent
    after_first = datetime.now(UTC)
    assert cursor is None or cursor <= after_first, "no record moves the cursor past the poll"

    # Messages that arrive after the first poll, dated anywhere from then to hours ahead.
    base2 = after_first.replace(microsecond=0) + timedelta(seconds=1)
    new_dated, new_valid = _build(later, base2, "b")
    everything = sorted([*new_dated, *dated], key=lambda pair: pair[0], reverse=True)
    pages2 = Pages([r for _, r in everything], later_cuts, None)
    pages.pages, pages.bad = pages2.pages, None
    _poll(runner, channel, expect_bad=False)
    assert new_valid <= _stored(db, channel.id), "no message arriving after a poll falls behind its cursor"
    runner.pool.provider.close()
