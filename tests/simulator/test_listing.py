"""Messages.json GET: filters, the page envelope, and paging that holds still under inserts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import ACCOUNT, CUSTOMER, CUSTOMER_2, MESSAGES, OURS, OURS_2, TOKEN, config

ENVELOPE = {
    "messages",
    "end",
    "first_page_uri",
    "next_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "start",
    "uri",
}


def walk(api: httpx.Client, params: dict[str, object]) -> list[dict]:
    pages = [api.get(MESSAGES, params=params).json()]
    while pages[-1]["next_page_uri"]:
        pages.append(api.get(pages[-1]["next_page_uri"]).json())
    return pages


def test_default_page_and_envelope(api: httpx.Client, sim: SimulatorClient) -> None:
    sids = [sim.text(CUSTOMER, OURS, f"m{i}") for i in range(60)]
    page = api.get(MESSAGES).json()
    assert set(page) == ENVELOPE
    assert page["page_size"] == 50 and page["page"] == 0 and page["start"] == 0 and page["end"] == 49
    assert [m["sid"] for m in page["messages"]] == sids[::-1][:50]  # newest first
    assert page["previous_page_uri"] is None
    assert page["first_page_uri"] == f"{MESSAGES}?PageSize=50&Page=0"
    assert page["next_page_uri"].startswith(f"{MESSAGES}?PageSize=50&Page=1&PageToken=PA")
    second = api.get(page["next_page_uri"]).json()
    assert [m["sid"] for m in second["messages"]] == sids[::-1][50:]
    assert (second["page"], second["start"], second["end"], second["next_page_uri"]) == (1, 50, 59, None)
    back = api.get(second["previous_page_uri"]).json()
    assert [m["sid"] for m in back["messages"]] == sids[::-1][:50]


def test_page_size_is_capped_at_1000(api: httpx.Client) -> None:
    assert api.get(MESSAGES, params={"PageSize": 5000}).json()["page_size"] == 1000
    assert api.get(MESSAGES, params={"PageSize": 0}).status_code == 400


@pytest.fixture
def slow_api() -> Iterator[tuple[httpx.Client, SimulatorClient]]:
    """Outbound messages stay queued (no date_sent) for the whole test."""
    with (
        SimulatorServer(config(delivery_delay=60)) as server,
        httpx.Client(base_url=server.url, auth=(ACCOUNT, TOKEN)) as api,
    ):
        yield api, SimulatorClient(server.url)


def test_filters(slow_api: tuple[httpx.Client, SimulatorClient]) -> None:
    api, sim = slow_api
    a = sim.text(CUSTOMER, OURS, "to ours 1")
    b = sim.text(CUSTOMER_2, OURS, "to ours 1 from 2")
    c = sim.text(CUSTOMER, OURS_2, "to ours 2")
    out = api.post(MESSAGES, data={"To": CUSTOMER, "From": OURS, "Body": "queued, no date_sent"}).json()

    def sids(**params: object) -> set[str]:
        response = api.get(MESSAGES, params=params)
        assert response.status_code == 200, response.text
        return {m["sid"] for m in response.json()["messages"]}

    assert sids(To=OURS) == {a, b}
    assert sids(To=OURS, From=CUSTOMER) == {a}
    assert sids(From=OURS) == {out["sid"]}
    day = parsedate_to_datetime(api.get(MESSAGES, params={"To": OURS}).json()["messages"][0]["date_sent"]).date()
    before, after = (day - timedelta(days=1)).isoformat(), (day + timedelta(days=1)).isoformat()
    assert sids(DateSent=day.isoformat()) >= {a, b, c}
    assert out["sid"] not in sids(DateSent=day.isoformat())  # not sent yet: no date_sent
    assert sids(DateSent=before) == set()
    assert sids(**{"DateSent>": day.isoformat()}) >= {a, b, c}  # on or after
    assert sids(**{"DateSent>": after}) == set()
    assert sids(**{"DateSent<": day.isoformat()}) >= {a, b, c}  # on or before
    assert sids(**{"DateSent<": before}) == set()
    # How Twilio's helper libraries spell it on the wire: DateSent>=YYYY-MM-DD.
    raw = api.get(f"{MESSAGES}?To=%2B15550001111&DateSent>={day.isoformat()}").json()
    assert {m["sid"] for m in raw["messages"]} == {a, b}
    assert "DateSent%3E=" in raw["next_page_uri" if raw["next_page_uri"] else "first_page_uri"]
    assert api.get(MESSAGES, params={"DateSent": "yesterday"}).status_code == 400


def test_filter_keeps_through_pages(api: httpx.Client, sim: SimulatorClient) -> None:
    mine = [sim.text(CUSTOMER, OURS, f"m{i}") for i in range(25)]
    for i in range(25):
        sim.text(CUSTOMER_2, OURS_2, f"noise {i}")
    pages = walk(api, {"To": OURS, "PageSize": 10})
    assert [len(p["messages"]) for p in pages] == [10, 10, 5]
    assert [m["sid"] for p in pages for m in p["messages"]] == mine[::-1]
    assert "To=%2B15550001111" in pages[1]["uri"]


def test_paging_is_stable_while_messages_arrive(api: httpx.Client, sim: SimulatorClient) -> None:
    original = [sim.text(CUSTOMER, OURS, f"m{i}") for i in range(120)]
    stop = threading.Event()

    def keep_texting() -> None:
        i = 0
        while not stop.is_set():
            sim.text(CUSTOMER_2, OURS, f"new {i}")
            i += 1
            time.sleep(0.002)

    writer = threading.Thread(target=keep_texting)
    writer.start()
    try:
        first = api.get(MESSAGES, params={"To": OURS, "PageSize": 40}).json()
        seen = [m["sid"] for m in first["messages"]]
        url = first["next_page_uri"]
        while url:
            time.sleep(0.02)  # let new messages land at the head between pages
            page = api.get(url).json()
            seen += [m["sid"] for m in page["messages"]]
            url = page["next_page_uri"]
    finally:
        stop.set()
        writer.join()
    assert len(seen) == len(set(seen)), "a message appeared twice"
    assert set(original) <= set(seen), "a message was skipped"
    assert seen[-120:] == original[::-1]


def test_large_lists_page_quickly(simulator: SimulatorServer, api: httpx.Client) -> None:
    carrier = simulator.carrier
    for i in range(30_000):
        carrier.text_in(CUSTOMER_2 if i % 100 else CUSTOMER, OURS, "hi")
    started = time.perf_counter()
    pages = walk(api, {"To": OURS, "From": CUSTOMER, "PageSize": 100})
    head = api.get(MESSAGES, params={"PageSize": 1000}).json()
    elapsed = time.perf_counter() - started
    assert sum(len(p["messages"]) for p in pages) == 300
    assert len(head["messages"]) == 1000
    assert elapsed < 2.0
