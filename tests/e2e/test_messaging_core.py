"""Two-way messaging end to end over real loopback HTTP against the simulator: poll, reply, opt-out, delivery."""

from __future__ import annotations

import time

import pytest

from inbox.core.models import AuthorKind, MessageStatus
from inbox.engine.service import ConversationFilter, InboxService, SendRefused
from inbox.store import contacts, conversations, lists, messages, optouts
from tests.conftest import OUR_NUMBER

CUSTOMER = "+15551234567"


def _settle(runner, sim, phone_number: str, expected: int, timeout: float = 5.0) -> list[dict]:
    """Run sync cycles until the simulated phone has `expected` messages (the simulator delivers async)."""
    deadline = time.monotonic() + timeout
    while True:
        runner.sync_once()
        received = sim.phone(phone_number)
        if len(received) >= expected or time.monotonic() > deadline:
            return received
        time.sleep(0.05)


def _thread(db, number: str):
    with db.read() as s:
        contact = contacts.by_phone(s, number)
        assert contact is not None
        conv_id = conversations.find(s, contact.id, 1)
        return contact, conv_id, messages.page(s, conv_id, None, 100)


def test_customer_text_creates_conversation(db, sim, channel_factory, runner):
    channel_factory()
    sim.text(CUSTOMER, OUR_NUMBER, "Hi, my order #123 never arrived 😕")
    report = runner.sync_once()
    assert report.ok, report.errors
    _, conv_id, thread = _thread(db, CUSTOMER)
    assert [m.body for m in thread] == ["Hi, my order #123 never arrived 😕"]
    assert thread[0].status is MessageStatus.RECEIVED
    svc = InboxService(db)
    row = svc.conversations_page(ConversationFilter(view="open"), 0, 10)[0]
    assert row.id == conv_id and row.unread_count == 1 and row.contact_phone == CUSTOMER
    # Provider times have whole seconds: the list row must still show this message as the last one.
    assert row.last_message_preview == "Hi, my order #123 never arrived 😕"
    assert row.last_message_author_kind is AuthorKind.CUSTOMER and row.waiting_since is not None


def test_agent_reply_reaches_phone_and_is_delivered(db, sim, channel_factory, runner):
    channel_factory()
    sim.text(CUSTOMER, OUR_NUMBER, "hello?")
    runner.sync_once()
    _, conv_id, _ = _thread(db, CUSTOMER)
    InboxService(db, agent="dana").send_reply(conv_id, "Hi! Dana here, looking into it.")
    received = _settle(runner, sim, CUSTOMER, 1)
    assert [m["body"] for m in received] == ["Hi! Dana here, looking into it."]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        runner.sync_once()
        mt = _thread(db, CUSTOMER)[2][-1]
        if mt.status is MessageStatus.DELIVERED:
            break
        time.sleep(0.05)
    assert mt.status is MessageStatus.DELIVERED and mt.author == "dana" and mt.provider_message_id.startswith("SM")


def test_stop_gives_one_confirmation_then_refuses_without_http(db, sim, simulator, channel_factory, runner):
    channel_factory(provider_handles_opt_out=True)
    sim.text(CUSTOMER, OUR_NUMBER, "STOP")
    runner.sync_once()
    contact, conv_id, _ = _thread(db, CUSTOMER)
    with db.read() as s:
        assert optouts.is_opted_out(s, contact.id, 1)
    received = _settle(runner, sim, CUSTOMER, 1)
    confirmations = [m for m in received if "unsubscribed" in m["body"]]
    assert len(confirmations) == 1  # the provider's own; Inbox stayed silent
    before = sim.stats()
    with pytest.raises(SendRefused, match="opted out"):
        InboxService(db).send_reply(conv_id, "Are you sure?")
    runner.sync_once()
    after = sim.stats()
    # No create request reached the provider at all: accepted, refused and rejected are unchanged.
    for key in ("sends_accepted", "sends_refused_opt_out", "sends_rejected"):
        assert after[key] == before[key], key
    assert after["sends_refused_opt_out"] == 0


def test_variant_stop_is_answered_by_inbox_exactly_once(db, sim, channel_factory, runner):
    channel_factory(provider_handles_opt_out=True)
    sim.text(CUSTOMER, OUR_NUMBER, "Stop.")  # Twilio does not recognise this form
    runner.sync_once()
    received = _settle(runner, sim, CUSTOMER, 1)
    runner.sync_once()
    runner.sync_once()
    assert [m["body"].startswith("You have successfully been unsubscribed") for m in sim.phone(CUSTOMER)] == [True]
    contact, _, thread = _thread(db, CUSTOMER)
    assert thread[-1].author == "compliance:opt-out"
    with db.read() as s:
        assert optouts.is_opted_out(s, contact.id, 1)
    assert received


def test_inbox_answers_stop_when_provider_does_not(db, sim_config, channel_factory, runner):
    from inbox.simulator.client import SimulatorClient
    from inbox.simulator.server import SimulatorServer

    # This fixture's simulator has opt-out handling on; run a second one with it off.
    cfg = type(sim_config)(
        account_sid=sim_config.account_sid,
        auth_token=sim_config.auth_token,
        numbers=sim_config.numbers,
        opt_out_handling=False,
        delivery_delay=0.05,
    )
    with SimulatorServer(cfg, host="127.0.0.1", port=0) as server:
        from inbox.store import channels

        with db.write() as s:
            channels.add(
                s,
                name="own",
                provider="twilio",
                number=OUR_NUMBER,
                account_sid=cfg.account_sid,
                base_url=server.url,
                auth_token_ref="env:INBOX_TEST_TWILIO_TOKEN",
                provider_handles_opt_out=False,
                help_text="Acme. Reply STOP to stop.",
            )
        client = SimulatorClient(server.url)
        import os

        os.environ["INBOX_TEST_TWILIO_TOKEN"] = cfg.auth_token
        client.text(CUSTOMER, OUR_NUMBER, "stop")
        _settle(runner, client, CUSTOMER, 1)
        runner.sync_once()
        bodies = [m["body"] for m in client.phone(CUSTOMER)]
        assert len(bodies) == 1 and "unsubscribed" in bodies[0]
        client.text(CUSTOMER, OUR_NUMBER, "START")
        _settle(runner, client, CUSTOMER, 2)
        client.text(CUSTOMER, OUR_NUMBER, "help")
        bodies = [m["body"] for m in _settle(runner, client, CUSTOMER, 3)]
        assert "re-subscribed" in bodies[1] and bodies[2] == "Acme. Reply STOP to stop."


def test_start_restores_sending(db, sim, channel_factory, runner):
    channel_factory()
    sim.text(CUSTOMER, OUR_NUMBER, "STOP")
    runner.sync_once()
    sim.text(CUSTOMER, OUR_NUMBER, "START")
    runner.sync_once()
    contact, conv_id, _ = _thread(db, CUSTOMER)
    with db.read() as s:
        assert not optouts.is_opted_out(s, contact.id, 1)
        history = optouts.history(s, contact.id)
    assert [h.opted_out for h in history] == [False, True]
    InboxService(db).send_reply(conv_id, "Welcome back!")
    received = _settle(runner, sim, CUSTOMER, 3)
    assert received[-1]["body"] == "Welcome back!"


def test_same_page_polled_twice_adds_nothing(db, sim, channel_factory, runner):
    from inbox.core.models import PollCursor

    channel = channel_factory()
    for i in range(5):
        sim.text(CUSTOMER, OUR_NUMBER, f"message {i}")
    sim.text("+15557654321", OUR_NUMBER, "HELP")
    provider = runner.pool.get(channel)
    batch = provider.fetch_inbound(PollCursor())
    from inbox.engine.ingest import ingest

    first = ingest(db, channel, batch)
    second = ingest(db, channel, batch)
    runner.sync_once()  # and a real poll over the same window
    assert (first.stored, second.stored, second.duplicates) == (6, 0, 6)
    with db.read() as s:
        from sqlalchemy import func, select

        from inbox.store.models import MessageRow

        assert s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.direction == "inbound")) == 6
        # the HELP got exactly one answer (Twilio's own: Inbox stays silent for exact keywords), and
        # the thread shows it once, as the provider's
        outbound = s.execute(select(MessageRow.author_kind).where(MessageRow.direction == "outbound")).scalars().all()
        assert outbound == ["provider"]
    assert sim.stats()["sends_accepted"] == 0


def test_provider_21610_marks_contact_opted_out(db, sim, simulator, channel_factory, runner):
    channel_factory()
    sim.text(CUSTOMER, OUR_NUMBER, "hi")
    runner.sync_once()
    contact, conv_id, _ = _thread(db, CUSTOMER)
    with db.write() as s:
        news = lists.create(s, "NEWS")
        lists.set_state(s, news.id, contact.id, 1, lists.MEMBER, reason="keyword")
    svc = InboxService(db)
    queued = svc.send_reply(conv_id, "Hello!")
    # The customer opts out at the provider before our reply leaves (we have not polled the STOP yet).
    sim.text(CUSTOMER, OUR_NUMBER, "STOP")
    runner.outbox.send_due()
    contact, _, thread = _thread(db, CUSTOMER)
    mt = next(m for m in thread if m.id == queued.id)
    assert mt.status is MessageStatus.FAILED and mt.error_code == 21610 and "opted out" in mt.error_message
    with db.read() as s:
        state = optouts.state(s, contact.id, 1)
        news_state = lists.state_of(s, news.id, contact.id, 1)
        left = lists.history(s, contact.id)[-1]
    assert state.opted_out and state.source.value == "provider"
    # like a STOP Inbox read itself: off every list joined through this number, with the reason
    assert news_state == lists.LEFT and (left.state, left.reason, left.source_message_id) == ("left", "opt_out", mt.id)
    with pytest.raises(SendRefused):
        svc.send_reply(conv_id, "again?")


def test_wrong_credentials_give_a_clear_error(db, sim, channel_factory, runner, monkeypatch):
    channel_factory()
    monkeypatch.setenv("INBOX_TEST_TWILIO_TOKEN", "not-the-token")
    report = runner.sync_once()
    assert not report.ok
    assert any("credentials" in e.lower() for e in report.errors), report.errors


def test_resolved_conversation_reopens_on_new_message(db, sim, channel_factory, runner):
    from inbox.core.models import ConversationStatus

    channel_factory()
    sim.text(CUSTOMER, OUR_NUMBER, "first")
    runner.sync_once()
    _, conv_id, _ = _thread(db, CUSTOMER)
    svc = InboxService(db)
    svc.set_status(conv_id, ConversationStatus.RESOLVED)
    sim.text(CUSTOMER, OUR_NUMBER, "one more thing")
    runner.sync_once()
    assert svc.conversation_summaries([conv_id])[0].status is ConversationStatus.OPEN
