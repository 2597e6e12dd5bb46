"""Identity verification end to end over the simulator: a code texted, answered from the phone, never seen in clear."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.core.models import MessageKind
from inbox.core.verification import MASK, ChallengeStatus, CodePolicy
from inbox.engine.verification import Verifier
from inbox.store import audit, contacts, conversations, messages, optouts
from inbox.store.verification_tables import VerificationChallengeRow
from tests.conftest import OUR_NUMBER

CUSTOMER = "+15551234567"
OTHER = "+15557654321"
CODE_RE = re.compile(r"verification code is (\d{6,10})")


@pytest.fixture(autouse=True)
def verification_key(monkeypatch) -> str:
    """A per-test installation key (this CI machine has no keyring; the env var is the documented override)."""
    key = secrets.token_hex(32)
    monkeypatch.setenv("INBOX_VERIFICATION_KEY", key)
    return key


def _received(runner, sim, number: str, count: int, timeout: float = 5.0) -> list[str]:
    """Sync until the phone holds `count` messages; their bodies, oldest first (the customer's side)."""
    deadline = time.monotonic() + timeout
    while True:
        runner.sync_once()
        bodies = [str(m["body"]) for m in sim.phone(number)]
        if len(bodies) >= count or time.monotonic() > deadline:
            return bodies
        time.sleep(0.05)


def _code_sent_to(runner, sim, number: str) -> str:
    bodies = _received(runner, sim, number, 1)
    codes = [m.group(1) for b in bodies if (m := CODE_RE.search(b))]
    assert codes, bodies
    return codes[-1]


def _reply(runner, sim, number: str, body: str) -> str:
    """The customer texts `body`; returns our automated answer as their phone shows it."""
    before = len(sim.phone(number))
    sim.text(number, OUR_NUMBER, body)
    bodies = _received(runner, sim, number, before + 1)
    assert len(bodies) == before + 1, bodies
    return bodies[-1]


def _thread(db, number: str, channel_id: int):
    with db.read() as s:
        contact = contacts.by_phone(s, number)
        assert contact is not None
        conv_id = conversations.find(s, contact.id, channel_id)
        return conv_id, messages.page(s, conv_id, None, 100)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def _audit_actions(db) -> list[str]:
    with db.read() as s:
        return [e.action for e in reversed(audit.recent(s, 200))]


def test_correct_code_verifies_the_conversation(db, sim, channel_factory, runner):
    ch = channel_factory()
    verifier = Verifier(db, runner.events)
    challenge = verifier.start(ch.id, CUSTOMER, "refund approval", "dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    assert len(code) == 6

    conv_id, thread = _thread(db, CUSTOMER, ch.id)
    mt = thread[-1]
    assert mt.masked and MASK in mt.body and code not in mt.body and mt.author == "verification"

    answer = _reply(runner, sim, CUSTOMER, f"{code[:3]} {code[3:]}")  # people type it with a space
    assert answer == "Thank you, your identity is verified."
    _, thread = _thread(db, CUSTOMER, ch.id)
    mo = thread[-2]
    assert mo.masked and mo.body == MASK
    with db.read() as s:
        summary = conversations.summary(s, conv_id)
        sealed = s.scalar(
            select(VerificationChallengeRow.code_sealed).where(VerificationChallengeRow.id == challenge.id)
        )
    assert summary is not None and summary.verified
    assert sealed is None  # the encrypted copy is gone once the code has left
    status = verifier.status(CUSTOMER)
    assert status.challenge is not None and status.challenge.status is ChallengeStatus.VERIFIED
    assert re.fullmatch(r"verified \((just now|\d+ min ago), by code\)", status.text), status.text
    assert verifier.conversation_status(conv_id).text == status.text
    actions = _audit_actions(db)
    assert actions.index("verification_started") < actions.index("verification_succeeded")


def test_five_wrong_codes_lock_the_challenge(db, sim, channel_factory, runner):
    ch = channel_factory()
    verifier = Verifier(db, runner.events)
    verifier.start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    wrong = _wrong(code)
    answers = [_reply(runner, sim, CUSTOMER, wrong) for _ in range(5)]
    assert answers[0].startswith("That code is not correct") and "4 attempt(s) left" in answers[0]
    assert "1 attempt(s) left" in answers[3]
    assert answers[4].startswith("Too many incorrect codes")
    status = verifier.status(CUSTOMER)
    assert status.challenge.status is ChallengeStatus.LOCKED and status.challenge.attempts == 5
    assert status.text.startswith("failed: locked after 5 wrong codes")
    # The right code no longer works.
    assert _reply(runner, sim, CUSTOMER, code).startswith("Too many incorrect codes")
    conv_id, thread = _thread(db, CUSTOMER, ch.id)
    with db.read() as s:
        assert not conversations.summary(s, conv_id).verified
    assert all(m.masked and m.body == MASK for m in thread if m.direction.value == "inbound")
    assert "verification_locked" in _audit_actions(db)


def test_each_message_stores_what_it_is_whatever_its_words(db, sim, channel_factory, runner, monkeypatch):
    """The thread's badges read the kind the engine stores with each message, so rewording the
    replies customers get keeps every badge: the code, a wrong code, the lock, then a match."""
    from inbox.engine import verification

    monkeypatch.setattr(verification, "WRONG_REPLY", "Hmm, no. {left} more tries.")
    monkeypatch.setattr(verification, "VERIFIED_REPLY", "Great, you are all set!")
    ch = channel_factory()
    verifier = Verifier(db, runner.events)
    verifier.start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    assert _reply(runner, sim, CUSTOMER, _wrong(code)) == "Hmm, no. 4 more tries."
    assert _reply(runner, sim, CUSTOMER, code) == "Great, you are all set!"
    _, thread = _thread(db, CUSTOMER, ch.id)
    assert [(m.direction.value, m.masked, m.kind) for m in thread] == [
        ("outbound", True, MessageKind.CODE_SENT),
        ("inbound", True, None),
        ("outbound", False, MessageKind.CODE_WRONG),
        ("inbound", True, None),
        ("outbound", False, MessageKind.CODE_MATCHED),
    ]


def test_code_from_another_phone_is_rejected(db, sim, channel_factory, runner):
    ch = channel_factory()
    verifier = Verifier(db, runner.events)
    verifier.start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    sim.text(OTHER, OUR_NUMBER, code)
    runner.sync_once()
    other_conv, other_thread = _thread(db, OTHER, ch.id)
    cust_conv, _ = _thread(db, CUSTOMER, ch.id)
    with db.read() as s:
        assert not conversations.summary(s, other_conv).verified
        assert not conversations.summary(s, cust_conv).verified
    assert other_thread[-1].masked and other_thread[-1].body == MASK
    # The code leaked, so it is dead for the real customer too; they are told to ask again.
    assert verifier.status(CUSTOMER).challenge.status is ChallengeStatus.CANCELLED
    assert "no longer valid" in _reply(runner, sim, CUSTOMER, code)
    with db.read() as s:
        assert not conversations.summary(s, cust_conv).verified


def test_expired_code_is_rejected_with_a_reply_to_ask_again(db, sim, channel_factory, runner):
    ch = channel_factory()
    verifier = Verifier(db, runner.events, policy=CodePolicy(lifetime=timedelta(seconds=1)))
    challenge = verifier.start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    # Provider timestamps have one-second resolution: wait until the text is surely sent after expiry.
    time.sleep(max(0.0, (challenge.expires_at - datetime.now(UTC)).total_seconds()) + 1.1)
    answer = _reply(runner, sim, CUSTOMER, code)
    assert answer == "That code has expired. Please ask us for a new one."
    status = verifier.status(CUSTOMER)
    assert status.challenge.status is ChallengeStatus.EXPIRED and status.text.startswith("failed: the code expired")
    assert "verification_expired" in _audit_actions(db)


def test_reused_code_is_rejected(db, sim, channel_factory, runner):
    ch = channel_factory()
    Verifier(db, runner.events).start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    assert _reply(runner, sim, CUSTOMER, code) == "Thank you, your identity is verified."
    assert _reply(runner, sim, CUSTOMER, code).startswith("That code has already been used")
    with db.read() as s:
        rejected = [e for e in audit.recent(s) if e.action == "verification_rejected"]
    assert rejected and rejected[0].detail["reason"] == "reused"


def test_stop_during_a_pending_challenge_opts_out_and_cancels(db, sim, channel_factory, runner):
    ch = channel_factory(provider_handles_opt_out=True)
    verifier = Verifier(db, runner.events)
    verifier.start(ch.id, CUSTOMER, actor="dana")
    code = _code_sent_to(runner, sim, CUSTOMER)
    sim.text(CUSTOMER, OUR_NUMBER, "STOP")
    confirmation = _received(runner, sim, CUSTOMER, 2)[-1]  # the provider's own
    assert "unsubscribed" in confirmation
    with db.read() as s:
        contact = contacts.by_phone(s, CUSTOMER)
        assert optouts.is_opted_out(s, contact.id, ch.id)
    status = verifier.status(CUSTOMER)
    assert status.challenge.status is ChallengeStatus.CANCELLED and "opted out" in status.text
    assert "verification_cancelled" in _audit_actions(db)
    # Their code no longer verifies anything, and we text nothing back.
    before = len(sim.phone(CUSTOMER))
    sim.text(CUSTOMER, OUR_NUMBER, code)
    runner.sync_once()
    conv_id, _ = _thread(db, CUSTOMER, ch.id)
    with db.read() as s:
        assert not conversations.summary(s, conv_id).verified
    assert len(sim.phone(CUSTOMER)) == before


def test_customer_started_code_verifies_from_that_number_only(db, sim, channel_factory, runner):
    ch = channel_factory()
    verifier = Verifier(db, runner.events)
    expected = verifier.expect(CUSTOMER, ch.id, actor="call-centre")
    assert len(expected.code) == 6 and expected.code not in repr(expected)
    assert _reply(runner, sim, CUSTOMER, f"Hi, my code is {expected.code}") == "Thank you, your identity is verified."
    conv_id, _ = _thread(db, CUSTOMER, ch.id)
    with db.read() as s:
        assert conversations.summary(s, conv_id).verified
    assert verifier.status(CUSTOMER).text.endswith("by code texted in)")


def test_no_code_in_clear_in_database_logs_or_cli_output(db, sim, channel_factory, runner, caplog, capsys):
    from inbox.cli.main import main

    caplog.set_level(logging.DEBUG)
    ch = channel_factory()
    url = db.url
    assert main(["verify", "start", "--db", url, "--channel", str(ch.id), "--to", CUSTOMER, "--purpose", "refund"]) == 0
    code = _code_sent_to(runner, sim, CUSTOMER)
    wrong = _wrong(code)
    assert _reply(runner, sim, CUSTOMER, wrong).startswith("That code is not correct")
    assert _reply(runner, sim, CUSTOMER, code) == "Thank you, your identity is verified."
    sim.text(OTHER, OUR_NUMBER, "hello, unrelated")  # an ordinary message stays readable
    runner.sync_once()
    expected = Verifier(db, runner.events).expect(OTHER, ch.id)
    assert _reply(runner, sim, OTHER, expected.code) == "Thank you, your identity is verified."

    for argv in (
        ["show", CUSTOMER],
        ["show", CUSTOMER, "--json"],
        ["show", OTHER, "--json"],
        ["conversations"],
        ["conversations", "--json"],
        ["verify", "status", "--to", CUSTOMER],
        ["verify", "status", "--to", CUSTOMER, "--json"],
    ):
        assert main([*argv, "--db", url]) == 0
    out = capsys.readouterr()
    cli_text = out.out + out.err
    assert "verified (" in cli_text and "hello, unrelated" in cli_text
    shown = json.loads(_last_json(out.out))
    assert shown["challenge"]["status"] == "verified"

    logs = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    raw = _database_bytes(db, runner)
    assert b"hello, unrelated" in raw  # the grep really reads the data
    for secret in (code, wrong, expected.code):
        assert secret.encode() not in raw, "code in clear in the database"
        assert secret.encode("utf-16-le") not in raw
        assert secret not in logs
        assert secret not in cli_text


def _database_bytes(db, runner) -> bytes:
    """The whole SQLite file (+ WAL); on PostgreSQL, a text dump of every table."""
    runner.shutdown()
    if db.is_sqlite:
        db.dispose()  # checkpoints the WAL into the main file
        path = Path(db.url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))
    from sqlalchemy import text

    from inbox.store.schema import metadata

    with db.read() as s:
        dump = [
            repr(row) for table in metadata.sorted_tables for row in s.execute(text(f'SELECT * FROM "{table.name}"'))
        ]
    return "\n".join(dump).encode()


def _last_json(text: str) -> str:
    start = text.rindex("\n{\n") + 1 if "\n{\n" in text else text.index("{")
    return text[start:]
