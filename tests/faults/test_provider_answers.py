"""Provider answers a faithful simulator never gives, from a small fake Twilio on loopback: the same
message SID for two different sends, and a Retry-After of three years."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import pytest

from inbox.core.models import AuthorKind, MessageStatus
from inbox.engine.outbox import DUPLICATE_SID_REASON
from inbox.store import contacts, conversations, messages
from tests.conftest import OUR_NUMBER

from . import fake_twilio
from .conftest import TOKEN_ENV
from .fake_twilio import serve

ACCOUNT = "AC" + "6" * 32
TOKEN = "fake-token"
CUSTOMER = "+15553007777"
SAME_SID = "SM" + "d" * 32


@dataclass
class FakeTwilio:
    """Accepts every send under one SID (or answers `refuse` instead) and lists what it accepted."""

    sid: str = SAME_SID
    refuse: tuple[int, dict[str, str]] | None = None  # (HTTP status, headers) for every POST
    posts: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resource(self, form: dict[str, str]) -> dict[str, object]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        return {
            "sid": self.sid,
            "to": form["To"],
            "from": form["From"],
            "body": form["Body"],
            "direction": "outbound-api",
            "status": "queued",
            "date_created": now,
            "date_sent": now,
            "num_segments": "1",
        }


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, str]]:
    state = FakeTwilio()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if state.refuse is not None:
                status, headers = state.refuse
                self._answer(status, {"code": 20429, "message": "Too Many Requests", "status": status}, headers)
                return
            with state.lock:
                state.posts.append(form)
            self._answer(201, state.resource(form))

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with state.lock:  # by the time anyone asks, every accepted send has been delivered
                records = [{**state.resource(form), "status": "delivered"} for form in state.posts]
            if path.endswith("/Messages.json"):
                self._answer(200, {"messages": records[::-1], "next_page_uri": None})
            elif records:
                self._answer(200, records[-1])
            else:
                self._answer(404, {"code": 20404, "message": "not found", "status": 404})

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as url:
        yield state, url


@pytest.fixture
def fake_channel(db, fake, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return fake_twilio.add_channel(db, "fake", ACCOUNT, fake[1])


def _queue(db, channel, body: str) -> int:
    with db.write() as s:
        contact = contacts.get_or_create(s, CUSTOMER)
        conv = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        msg_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv,
            from_number=OUR_NUMBER,
            to_number=CUSTOMER,
            body=body,
            author_kind=AuthorKind.AGENT,
            author="ana",
        )
    assert msg_id is not None
    return msg_id


def test_one_sid_for_two_sends_is_sent_once_and_shown_to_an_agent(db, fake, fake_channel, runner):
    state, _ = fake
    first = _queue(db, fake_channel, "Your order shipped")
    second = _queue(db, fake_channel, "Anything else?")
    for _ in range(5):  # send, then everything recovery would do, a few times over
        runner._send_job()
        runner.outbox.mark_interrupted(older_than=timedelta(0))
        runner.outbox.reconcile(settle=timedelta(0))
        runner.outbox.refresh_statuses(fake_channel)
    assert [p["Body"] for p in state.posts] == ["Your order shipped", "Anything else?"], "each reply left once"
    with db.read() as s:
        one, two = messages.get_many(s, [first, second])
        conv = conversations.summary(s, one.conversation_id)
    assert one.provider_message_id == SAME_SID and one.status is MessageStatus.DELIVERED
    # The second one reached the provider but cannot be tracked: an agent sees it, with the reason.
    assert two.status is MessageStatus.FAILED and two.provider_message_id is None
    assert two.error_message == DUPLICATE_SID_REASON.format(sid=SAME_SID)
    assert conv is not None and conv.failed_delivery


@pytest.mark.parametrize(
    "retry_after",
    ["99999999", format_datetime(datetime(2030, 1, 1, tzinfo=UTC), usegmt=True)],
    ids=["seconds", "http-date"],
)
def test_a_huge_retry_after_parks_a_reply_for_an_hour_at_most(db, fake, fake_channel, runner, retry_after):
    state, _ = fake
    state.refuse = (429, {"Retry-After": retry_after})
    msg_id = _queue(db, fake_channel, "Your order shipped")
    before = datetime.now(UTC)
    report = runner.outbox.send_due()
    assert report.deferred == 1 and not state.posts
    with db.read() as s:
        [row] = messages.get_many(s, [msg_id])
        due = messages.outbound(s, msg_id).next_attempt_at  # type: ignore[union-attr]
    assert row.status is MessageStatus.QUEUED
    due = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    assert before + timedelta(minutes=59) <= due <= datetime.now(UTC) + timedelta(hours=1)
