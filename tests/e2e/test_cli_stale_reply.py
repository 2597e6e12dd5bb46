"""`inbox send --after MESSAGE_ID`: a reply to a thread that moved on is held, in a real process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from inbox.core.models import InboundMessage
from inbox.engine.service import InboxService
from inbox.store import contacts, conversations, messages
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER, add_channel
from tests.e2e.conftest import env_with
from tests.e2e.test_cli import inbox

CUSTOMER = "+15557654321"
EXIT_REFUSED = 3  # inbox.cli.command.EXIT_REFUSED, the documented code for "the engine said no"


@pytest.fixture
def thread(sqlite_db):
    """A customer's question; returns (question id, a function adding a customer text)."""
    with sqlite_db.write() as s:
        ch = add_channel(s)
        conv = conversations.get_or_create(s, contacts.get_or_create(s, CUSTOMER), ch.id, datetime.now(UTC))
    counter = iter(range(1, 1000))

    def customer(body: str) -> int:
        at = datetime.now(UTC) - timedelta(seconds=30)
        mo = InboundMessage(f"SM{next(counter):032x}", CUSTOMER, OUR_NUMBER, body, at)
        with sqlite_db.write() as s:
            return messages.insert_inbound(s, ch.id, conv, mo, OUR_NUMBER)  # type: ignore[return-value]

    return customer("Where is my parcel?"), customer, conv


def _outbound(db) -> list[tuple[str | None, str]]:
    with db.read() as s:
        rows = s.execute(
            select(MessageRow.author, MessageRow.body).where(MessageRow.direction == "outbound").order_by(MessageRow.id)
        )
        return [tuple(r) for r in rows]


def _send(url: str, *args: str) -> object:
    env = env_with(INBOX_DATABASE_URL=url, INBOX_AGENT="bob")
    return inbox("send", "--channel", "main", "--to", CUSTOMER, *args, env=env, check=False)


def test_a_colleagues_reply_holds_mine_with_one_clear_line(sqlite_db, sqlite_url, thread) -> None:
    question, _customer, conv = thread
    InboxService(sqlite_db, agent="Alice").send_reply(conv, "It left the depot\x1b[2J this morning")
    held = _send(sqlite_url, "--after", str(question), "Let me check")
    assert held.returncode == EXIT_REFUSED, held.stderr
    lines = held.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Refused: Alice replied"), held.stderr
    assert "\\x1b[2J" in lines[0] and "\x1b" not in held.stderr  # customer-visible text escaped
    assert "--force" in lines[0] and "Traceback" not in held.stderr
    assert "7654321" not in held.stderr + held.stdout  # the number is never printed
    assert _outbound(sqlite_db) == [("Alice", "It left the depot\x1b[2J this morning")]


def test_a_new_customer_text_holds_the_reply_and_json_says_what_landed(sqlite_db, sqlite_url, thread) -> None:
    question, customer, _conv = thread
    later = customer("never mind, it arrived")
    held = _send(sqlite_url, "--after", str(question), "--json", "Let me check")
    assert held.returncode == EXIT_REFUSED
    doc = json.loads(held.stdout)
    assert doc["ok"] is False and doc["held"] is True and "The customer wrote" in doc["error"]
    assert [(m["id"], m["author_kind"], m["body"]) for m in doc["newer"]] == [
        (later, "customer", "never mind, it arrived")
    ]
    assert "7654321" not in held.stdout
    assert _outbound(sqlite_db) == []

    # Having read it (`inbox show` gives each message's id), the agent answers after the newest: it goes.
    shown = inbox("show", CUSTOMER, env=env_with(INBOX_DATABASE_URL=sqlite_url)).stdout
    assert f"#{later} " in shown.splitlines()[-1]
    sent = _send(sqlite_url, "--after", str(later), "Glad it did!")
    assert sent.returncode == 0, sent.stderr
    assert _outbound(sqlite_db) == [("bob", "Glad it did!")]


def test_force_sends_exactly_one_and_no_after_behaves_as_before(sqlite_db, sqlite_url, thread) -> None:
    question, customer, _conv = thread
    customer("hello??")
    forced = _send(sqlite_url, "--after", str(question), "--force", "Here now")
    assert forced.returncode == 0, forced.stderr
    plain = _send(sqlite_url, "Anything else?")
    assert plain.returncode == 0, plain.stderr
    assert _outbound(sqlite_db) == [("bob", "Here now"), ("bob", "Anything else?")]


def test_an_after_from_another_conversation_is_a_usage_error(sqlite_db, sqlite_url, thread) -> None:
    wrong = _send(sqlite_url, "--after", "999999", "Hi")
    assert wrong.returncode == 2, wrong.stderr
    assert "not in this conversation" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
    for not_an_id in ("latest", "999999999999999999999", "-1", "٣"):  # past bigint: no OverflowError
        bad = _send(sqlite_url, "--after", not_an_id, "Hi")
        assert bad.returncode == 2 and "a message id is needed" in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
    assert _outbound(sqlite_db) == []
