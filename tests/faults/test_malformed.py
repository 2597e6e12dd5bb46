"""Every kind of malformed provider answer: the pipeline goes on, the raw payload is quarantined, the
cursor stays sane and nothing valid is lost.

Bad JSON pages come from the simulator (`garbage_rate`); records with missing fields, absurd dates,
unknown statuses and a 1 MB body come from a tiny hand-written server speaking the Twilio dialect,
because a faithful simulator never produces them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

from inbox.core.models import AuthorKind, MessageStatus
from inbox.providers.infobip import INBOUND_LIMIT
from inbox.store import contacts, conversations, cursors, messages
from inbox.store.models import MessageRow, QuarantineRow
from tests.conftest import OUR_NUMBER

from . import fake_twilio
from .conftest import TOKEN_ENV
from .fake_twilio import serve
from .storm import phone_number

INFOBIP_PAGE = INBOUND_LIMIT

ACCOUNT = "AC" + "5" * 32
TOKEN = "crafted-token"
NOW = datetime.now(UTC).replace(microsecond=0)


def record(sid: str, when: datetime | None = NOW, **changes: object) -> dict[str, object]:
    return fake_twilio.record(sid, when, **changes)


class Crafted:
    """What the crafted server answers; tests change it between syncs."""

    def __init__(self) -> None:
        self.page: bytes = b'{"messages": [], "next_page_uri": null}'
        self.status: dict[str, bytes] = {}
        self.requests = 0


@pytest.fixture
def crafted() -> Iterator[tuple[Crafted, str]]:
    state = Crafted()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            path = self.path.split("?", 1)[0]
            if path.endswith("/Messages.json"):
                body = state.page
            else:
                body = state.status.get(path.rsplit("/", 1)[1].removesuffix(".json"), b"{}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading an oversize answer, as it should

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as url:
        yield state, url


@pytest.fixture
def crafted_channel(db, crafted, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return fake_twilio.add_channel(db, "crafted", ACCOUNT, crafted[1])


def _quarantined(db) -> list[tuple[str, str]]:
    with db.read() as s:
        return [(r.reason, r.raw) for r in s.scalars(select(QuarantineRow).order_by(QuarantineRow.id))]


def _stored_sids(db) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(MessageRow.provider_message_id).where(MessageRow.direction == "inbound")))


def test_bad_records_are_quarantined_and_valid_ones_kept(db, crafted, crafted_channel, runner):
    state, _ = crafted
    future = datetime(2099, 1, 1, tzinfo=UTC)
    page = [
        record("SMgood1", NOW - timedelta(seconds=30)),
        record("SMnofrom", **{"from": ...}),
        record("SMnobody", body=...),
        {"from": "+15553009999", "body": "no sid", "direction": "inbound", "date_sent": format_datetime(NOW)},
        record("SMnodate", None),
        record("SMfuture", future),
        record("SMancient", datetime(1999, 12, 31, tzinfo=UTC)),
        record("SMbaddate", date_sent="yesterday-ish", date_created="soon"),
        "not even an object",
        record("SMgood2", NOW - timedelta(seconds=5)),
    ]
    state.page = json.dumps({"messages": page, "next_page_uri": None}).encode()
    report = runner.sync_once()
    assert report.ok, report.errors
    assert _stored_sids(db) == {"SMgood1", "SMgood2"}
    reasons = [reason for reason, _ in _quarantined(db)]
    assert len(reasons) == 8, reasons
    assert {"missing from", "missing body", "missing sid", "missing date", "implausible date"} <= set(reasons)
    raws = " ".join(raw for _, raw in _quarantined(db))
    assert "SMfuture" in raws and "SMancient" in raws and "not even an object" in raws  # kept for diagnosis
    with db.read() as s:
        cursor = cursors.get(s, crafted_channel.id)
    assert cursor.newest_date_sent == NOW - timedelta(seconds=5), "the far-future record did not move the cursor"

    state.page = json.dumps({"messages": [record("SMgood3", NOW), *page], "next_page_uri": None}).encode()
    assert runner.sync_once().ok
    assert _stored_sids(db) == {"SMgood1", "SMgood2", "SMgood3"}, "the pipeline went on; nothing stored twice"


def test_an_oversize_page_is_quarantined_and_the_next_poll_recovers(db, crafted, crafted_channel, runner):
    from inbox.providers.twilio import MAX_PAGE_BYTES

    state, _ = crafted
    huge = {"messages": [record("SMhuge", body="x" * MAX_PAGE_BYTES)], "next_page_uri": None}
    state.page = json.dumps(huge).encode()
    report = runner.sync_once()
    assert not report.ok and "larger than" in report.errors[0]
    [(_reason, raw)] = [q for q in _quarantined(db) if "larger than" in q[0]][-1:]
    assert raw.startswith('{"messages"') and len(raw) <= 64 * 1024  # the head of it, not a megabyte
    with db.read() as s:
        assert cursors.get(s, crafted_channel.id).newest_date_sent is None, "the cursor did not move"

    state.page = json.dumps({"messages": [record("SMafter", NOW)], "next_page_uri": None}).encode()
    assert runner.sync_once().ok
    assert _stored_sids(db) == {"SMafter"}


def test_unknown_status_in_a_refresh_is_quarantined_and_others_apply(db, crafted, crafted_channel, runner):
    state, _ = crafted
    with db.write() as s:
        contact_id = contacts.get_or_create(s, "+15553009999")
        conv_id = conversations.get_or_create(s, contact_id, crafted_channel.id, NOW)
        ids = []
        for sid in ("SModd", "SMfine"):
            msg_id = messages.queue_outbound(
                s,
                channel_id=crafted_channel.id,
                conversation_id=conv_id,
                from_number=OUR_NUMBER,
                to_number="+15553009999",
                body="hello",
                author_kind=AuthorKind.AGENT,
                author="agent",
            )
            messages.set_fields(s, msg_id, status=MessageStatus.SENT.value, provider_message_id=sid)
            ids.append(msg_id)
    outbound = record("x", direction="outbound-api", to="+15553009999", body="hello")
    state.status = {
        "SModd": json.dumps({**outbound, "sid": "SModd", "status": "partially_teleported"}).encode(),
        "SMfine": json.dumps({**outbound, "sid": "SMfine", "status": "delivered"}).encode(),
    }
    assert runner.sync_once().ok
    with db.read() as s:
        odd, fine = messages.get_many(s, ids)
    assert odd.status is MessageStatus.SENT and fine.status is MessageStatus.DELIVERED
    [(reason, raw)] = [q for q in _quarantined(db) if "status" in q[0]]
    assert "partially_teleported" in reason and "SModd" in raw


def test_unusable_records_in_the_bulk_status_list_are_quarantined(db, crafted, crafted_channel, runner):
    """The status list (our sends From our number) is read for many messages at once; its bad
    records are kept like any other, and those messages are asked for one by one instead."""
    state, _ = crafted
    with db.write() as s:
        contact_id = contacts.get_or_create(s, "+15553009999")
        conv_id = conversations.get_or_create(s, contact_id, crafted_channel.id, NOW)
        ids = []
        for sid in ("SModd", "SMfine", "SMlisted"):
            msg_id = messages.queue_outbound(
                s,
                channel_id=crafted_channel.id,
                conversation_id=conv_id,
                from_number=OUR_NUMBER,
                to_number="+15553009999",
                body="hello",
                author_kind=AuthorKind.AGENT,
                author="agent",
            )
            messages.set_fields(s, msg_id, status=MessageStatus.SENT.value, provider_message_id=sid, sent_at=NOW)
            ids.append(msg_id)
    outbound = record("x", direction="outbound-api", to="+15553009999", **{"from": OUR_NUMBER, "body": "hello"})
    listed = [
        {**outbound, "sid": "SModd", "status": "partially_teleported"},
        {k: v for k, v in {**outbound, "status": "delivered"}.items() if k != "sid"},
        {**outbound, "sid": "SMlisted", "status": "delivered"},
    ]
    state.page = json.dumps({"messages": listed, "next_page_uri": None}).encode()
    state.status = {"SMfine": json.dumps({**outbound, "sid": "SMfine", "status": "delivered"}).encode()}
    assert runner.outbox.refresh_statuses(crafted_channel) == 2
    with db.read() as s:
        odd, fine, in_list = messages.get_many(s, ids)
    assert (odd.status, fine.status, in_list.status) == (
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.DELIVERED,
    )
    reasons = [reason for reason, _ in _quarantined(db)]
    assert sum("missing sid" in r for r in reasons) == 1, f"kept once: {reasons}"
    assert any("partially_teleported" in r for r in reasons), reasons


@pytest.mark.parametrize("dialect", ["twilio", "sinch", "clicksend", "textlocal", "android-gateway"])
def test_garbage_pages_from_the_simulator_lose_nothing(db, channel, sim, runner, monkeypatch, sim_config):
    """A list read again (Twilio, Sinch, Textlocal, the phone) or unread until marked read
    (ClickSend): a garbled answer costs a re-read, never a text."""
    monkeypatch.setenv(TOKEN_ENV, sim_config.auth_token)
    sids = [sim.text(phone_number(i % 7), OUR_NUMBER, f"order question {i}") for i in range(40)]
    sim.set_faults(garbage_rate=0.5)
    for _ in range(12):
        runner.sync_once()
        if len(_stored_bodies(db)) >= len(sids):
            break
    sim.set_faults(garbage_rate=0.0)
    runner.sync_once()
    assert sorted(_stored_bodies(db)) == sorted(f"order question {i}" for i in range(40)), "each text stored once"
    if sim_config.dialect == "twilio":
        with db.read() as s:
            assert cursors.get(s, channel.id).newest_date_sent is not None
    garbage = [raw for reason, raw in _quarantined(db) if "malformed" in reason]
    assert garbage and all(raw for raw in garbage), "the garbage pages were kept for diagnosis"
    assert sim.stats()["faults"].get("garbage", 0) > 0


@pytest.mark.parametrize("dialect", ["infobip"])
def test_garbage_from_a_consume_once_provider_is_kept_whole_and_the_rest_stored(
    db, channel, sim, runner, monkeypatch, sim_config
):
    """Infobip hands each page out once: a garbled answer to a take is that page lost in transit
    (the residual risk docs/providers/README.md admits). What holds: it is kept whole in quarantine,
    the poll says it failed, only that page's texts are missing, and every other text is stored once."""
    monkeypatch.setenv(TOKEN_ENV, sim_config.auth_token)
    bodies = [f"order question {i}" for i in range(40)]
    for i, body in enumerate(bodies):
        sim.text(phone_number(i % 7), OUR_NUMBER, body)
    sim.set_faults(garbage_rate=0.5)
    failed_polls = 0
    for _ in range(12):
        failed_polls += bool(runner.sync_once().errors)
        if not sim.stats()["inbound_waiting"]:
            break
    sim.set_faults(garbage_rate=0.0)
    runner.sync_once()
    stored = _stored_bodies(db)
    assert len(stored) == len(set(stored)) and set(stored) <= set(bodies), "stored once, nothing made up"
    unreadable = [raw for reason, raw in _quarantined(db) if "unreadable" in reason]
    garbled = sim.stats()["faults"].get("garbage", 0)
    assert garbled and len(unreadable) == garbled and failed_polls, "each garbled page kept whole, the poll failed"
    assert len(bodies) - len(stored) <= garbled * INFOBIP_PAGE, "only the garbled pages' texts are missing"
    assert sim.stats()["inbound_waiting"] == 0


def _stored_bodies(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(MessageRow.body).where(MessageRow.direction == "inbound")))
