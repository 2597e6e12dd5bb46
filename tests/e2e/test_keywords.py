"""Keyword rules end to end: customers text keywords to the simulator, Inbox answers as the rule."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from inbox.cli.main import main
from inbox.core.models import AuthorKind, ConversationStatus
from inbox.core.rules import Action, ActionKind, MatchMode, RuleRefused, RuleSpec
from inbox.store import contacts, conversations, lists, messages
from inbox.store import rules as rule_store
from tests.conftest import OUR_NUMBER

CUSTOMER = "+15557654321"
SECRET_ENV = "INBOX_TEST_BACKEND_TOKEN"


def _settle(runner, sim, number: str, expected: int, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        runner.sync_once()
        bodies = [m["body"] for m in sim.phone(number)]
        if len(bodies) >= expected or time.monotonic() > deadline:
            return bodies
        time.sleep(0.05)


def _thread(db, number: str = CUSTOMER):
    with db.read() as s:
        contact = contacts.by_phone(s, number)
        conv_id = conversations.find(s, contact.id, 1)
        return contact, conv_id, messages.page(s, conv_id, None, 100)


def _automatic(thread) -> list[tuple[str | None, str]]:
    return [(m.author, m.body) for m in thread if m.author_kind is AuthorKind.AUTOMATION]


@pytest.fixture
def keyword_setup(db, channel_factory):
    channel_factory()
    with db.write() as s:
        lists.create(s, "news")
        lists.create(s, "deals", double_opt_in=True)
        rule_store.add(s, RuleSpec("JOIN", ("join", "subscribe me"), MatchMode.FIRST_WORD, Action(ActionKind.JOIN)))
        rule_store.add(s, RuleSpec("LEAVE", ("leave",), MatchMode.FIRST_WORD, Action(ActionKind.LEAVE)))
    return db


class _Backend(BaseHTTPRequestHandler):
    """A business backend: /ok answers the balance, /slow is too slow, /fail is broken."""

    calls: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        _Backend.calls.append((url.path, self.headers.get("Authorization")))
        if url.path == "/slow":
            time.sleep(1.0)
        if url.path == "/fail":
            self.send_response(500)
            self.end_headers()
            return
        if self.headers.get("Authorization") != "Bearer s3cret":
            self.send_response(401)
            self.end_headers()
            return
        number = parse_qs(url.query).get("number", [""])[0]
        payload = json.dumps({"balance": "12.50", "account": {"owner": "Ada"}, "number": number}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except BrokenPipeError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[str]:
    _Backend.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_join_news_then_leave_news(keyword_setup, sim, runner):
    db = keyword_setup
    sim.text(CUSTOMER, OUR_NUMBER, "Join news please!")
    bodies = _settle(runner, sim, CUSTOMER, 1)
    assert bodies == ["You have joined NEWS. Reply LEAVE NEWS to leave, STOP to opt out of all messages."]
    with db.read() as s:
        assert [m.phone for m in lists.members(s, "news", sendable_only=True)] == [CUSTOMER]
    sim.text(CUSTOMER, OUR_NUMBER, "LEAVE NEWS")
    bodies = _settle(runner, sim, CUSTOMER, 2)
    assert bodies[1] == "You have left NEWS."
    contact, _, thread = _thread(db)
    with db.read() as s:
        assert lists.members(s, "news", sendable_only=True) == []
        assert [(e.list_name, e.state, e.reason) for e in lists.history(s, contact.id)] == [
            ("NEWS", "member", "keyword"),
            ("NEWS", "left", "keyword"),
        ]
    assert [a for a, _ in _automatic(thread)] == ["rule:JOIN", "rule:LEAVE"]


def test_double_opt_in_then_stop_leaves_every_list(keyword_setup, sim, runner):
    db = keyword_setup
    sim.text(CUSTOMER, OUR_NUMBER, "JOIN DEALS")
    assert _settle(runner, sim, CUSTOMER, 1) == ["Reply YES to confirm you want to join DEALS."]
    with db.read() as s:
        assert lists.members(s, "deals", sendable_only=True) == []  # pending is not a member yet
    sim.text(CUSTOMER, OUR_NUMBER, "yes")
    # Twilio (and the simulator) answers YES with its own opt-in text too: YES is one of its keywords.
    bodies = _settle(runner, sim, CUSTOMER, 3)
    assert [b for b in bodies if b.startswith("Thanks! You are now on DEALS.")], bodies
    sim.text(CUSTOMER, OUR_NUMBER, "join NEWS")
    _settle(runner, sim, CUSTOMER, 4)
    sim.text(CUSTOMER, OUR_NUMBER, "STOP")
    _settle(runner, sim, CUSTOMER, 5)
    contact, _, thread = _thread(db)
    with db.read() as s:
        assert lists.joined(s, contact.id, 1) == []
        left = [(e.list_name, e.reason) for e in lists.history(s, contact.id) if e.state == "left"]
    assert sorted(left) == [("DEALS", "opt_out"), ("NEWS", "opt_out")]
    assert [a for a, _ in _automatic(thread)] == ["rule:JOIN", "rule:JOIN", "rule:JOIN"]


@pytest.mark.parametrize(
    ("path", "expected_reply", "job_status"),
    [
        ("/ok", "Hi Ada, your balance is 12.50 on 2", "done"),
        ("/slow", "Sorry, we cannot check your balance right now. An agent will reply.", "failed"),
        ("/fail", "Sorry, we cannot check your balance right now. An agent will reply.", "failed"),
    ],
    ids=["success", "timeout", "http-500"],
)
def test_balance_lookup(keyword_setup, sim, runner, backend, monkeypatch, path, expected_reply, job_status):
    db = keyword_setup
    monkeypatch.setenv(SECRET_ENV, "Bearer s3cret")
    action = Action(
        ActionKind.LOOKUP,
        reply="Hi {lookup.account.owner}, your balance is {lookup.balance} on {date}.",
        url=f"{backend}{path}?number={{number}}",
        timeout=0.3,
        auth_header="Authorization",
        auth_ref=f"env:{SECRET_ENV}",
        fallback="Sorry, we cannot check your balance right now. An agent will reply.",
    )
    with db.write() as s:
        rule_store.add(s, RuleSpec("BALANCE", ("balance", "bal"), MatchMode.FIRST_WORD, action))
    sim.text(CUSTOMER, OUR_NUMBER, "Balance please")
    started = time.monotonic()
    bodies = _settle(runner, sim, CUSTOMER, 1)
    assert len(bodies) == 1 and bodies[0].startswith(expected_reply), bodies
    assert time.monotonic() - started < 4
    runner.sync_once()  # a second cycle neither calls the backend again nor answers twice
    assert len(sim.phone(CUSTOMER)) == 1 and len(_Backend.calls) == 1
    assert _Backend.calls[0][0] == path
    _, conv_id, thread = _thread(db)
    assert _automatic(thread) == [("rule:BALANCE", bodies[0])]
    with db.read() as s:
        assert conversations.summary(s, conv_id).status is ConversationStatus.OPEN  # an agent can pick it up
        assert [st for st, _ in rule_store.lookup_statuses(s).values()] == [job_status]


def test_rule_colliding_with_stop_is_refused(keyword_setup, capsys):
    db = keyword_setup
    with db.write() as s, pytest.raises(RuleRefused, match="compliance keyword STOP"):
        rule_store.add(s, RuleSpec("quit-news", ("news", "Stop."), action=Action(ActionKind.REPLY, reply="x")))
    code = main(["keywords", "add", "unsub", "--db", db.url, "--keyword", "ＵＮＳＵＢＳＣＲＩＢＥ", "--reply", "bye"])
    assert code == 2
    assert "collides with the compliance keyword UNSUBSCRIBE" in capsys.readouterr().err
    code = main(["keywords", "add", "any", "--db", db.url, "--mode", "regex", "--keyword", "^(S|H)", "--reply", "x"])
    assert code == 2
    with db.read() as s:
        assert [r.spec.name for r in rule_store.all_rules(s)] == ["JOIN", "LEAVE"]


def test_please_stop_is_flagged_and_not_auto_answered(keyword_setup, sim, runner):
    db = keyword_setup
    with db.write() as s:
        rule_store.add(
            s,
            RuleSpec("texting", ("texting",), MatchMode.ANY_WORD, Action(ActionKind.REPLY, reply="Texting is great!")),
        )
        # Always after hours, so a fallback acknowledgement would fire if the guard did not hold.
        from inbox.core.rules import RuleSetSettings

        rule_store.save_settings(s, None, RuleSetSettings(days=(), ack_text="We are closed."))
    sim.text(CUSTOMER, OUR_NUMBER, "please stop texting me")
    for _ in range(3):
        runner.sync_once()
    time.sleep(0.2)
    runner.sync_once()
    assert sim.phone(CUSTOMER) == []
    _, conv_id, thread = _thread(db)
    assert _automatic(thread) == []
    with db.read() as s:
        assert conversations.summary(s, conv_id).flagged
    sim.text(CUSTOMER, OUR_NUMBER, "JOIN NEWS")  # still flagged: nothing until an agent decides
    runner.sync_once()
    time.sleep(0.2)
    runner.sync_once()
    assert sim.phone(CUSTOMER) == []
