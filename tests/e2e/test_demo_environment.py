"""`inbox demo`'s environment: its channel comes through the engine's door, its token stays in this process."""

from __future__ import annotations

import os
import threading
import time

import pytest

from inbox.engine import credentials
from inbox.engine.demo import DEMO_NUMBER, TOKEN_VAR, DemoEnvironment
from inbox.engine.service import ConversationFilter
from inbox.store import audit

CUSTOMER = "+15557650001"


def _eventually(check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def test_the_demo_token_never_enters_the_environment_and_still_authenticates(monkeypatch) -> None:
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    with DemoEnvironment(seed_history=False, poll_interval=0.3).start(live_customers=False) as demo:
        token = demo.config.auth_token
        # Started once, as told: no scripted customers texting in.
        assert not [t for t in threading.enumerate() if t.name == "demo-customers"]
        # A child process (a browser opening a link, a helper) inherits os.environ: the token is not there.
        assert TOKEN_VAR not in os.environ
        assert token not in os.environ.values()
        assert credentials.resolve(demo.channel.auth_token_ref, demo.channel.account_sid) == token
        # Its channel came through the same door as the wizard's and the CLI's: one audit entry.
        with demo.db.read() as s:
            trail = [(e.actor, e.action, e.subject) for e in audit.recent(s)]
        assert trail == [("admin", "channel_add", f"channel:{demo.channel.id}")]
        # The runner authenticates with it: it polls the customer's text in and sends the agent's reply.
        demo.phone.text(CUSTOMER, DEMO_NUMBER, "Is my parcel on its way?")
        page = _eventually(lambda: demo.service.conversations_page(ConversationFilter(view="all"), 0, 1))
        assert page, "the demo's runner did not poll the customer's text in"
        demo.service.send_reply(page[0].id, "It is, arriving tomorrow.")
        received = _eventually(lambda: [m["body"] for m in demo.phone.phone(CUSTOMER) if "tomorrow" in str(m["body"])])
        assert received == ["It is, arriving tomorrow."]
        folder = demo.folder
    assert not credentials.held(TOKEN_VAR)
    assert TOKEN_VAR not in os.environ
    assert not folder.exists()


def test_the_demo_can_play_infobip_texts_in_through_the_journal_and_replies_out() -> None:
    with DemoEnvironment(seed_history=False, poll_interval=0.3, dialect="infobip").start(live_customers=False) as demo:
        assert demo.channel.provider == "infobip" and not demo.channel.provider_handles_opt_out
        demo.phone.text(CUSTOMER, DEMO_NUMBER, "Is my parcel on its way?")
        page = _eventually(lambda: demo.service.conversations_page(ConversationFilter(view="all"), 0, 1))
        assert page, "the demo's runner did not take the customer's text from the Infobip inbox"
        demo.service.send_reply(page[0].id, "It is, arriving tomorrow.")
        received = _eventually(lambda: [m["body"] for m in demo.phone.phone(CUSTOMER) if "tomorrow" in str(m["body"])])
        assert received == ["It is, arriving tomorrow."]


@pytest.mark.parametrize("dialect", ["sinch", "clicksend"])
def test_the_demo_can_play_sinch_and_clicksend(dialect: str) -> None:
    with DemoEnvironment(seed_history=False, poll_interval=0.3, dialect=dialect).start(live_customers=False) as demo:
        assert demo.channel.provider == dialect and not demo.channel.provider_handles_opt_out
        demo.phone.text(CUSTOMER, DEMO_NUMBER, "Is my parcel on its way?")
        page = _eventually(lambda: demo.service.conversations_page(ConversationFilter(view="all"), 0, 1))
        assert page, f"the demo's runner did not read the customer's text from the {dialect} dialect"
        demo.service.send_reply(page[0].id, "It is, arriving tomorrow.")
        received = _eventually(lambda: [m["body"] for m in demo.phone.phone(CUSTOMER) if "tomorrow" in str(m["body"])])
        assert received == ["It is, arriving tomorrow."]
