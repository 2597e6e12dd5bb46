"""`inbox demo --dialect textlocal|android-gateway`: the demo's channel speaks that provider, and
a customer's text and the agent's reply go through it."""

from __future__ import annotations

import time

import pytest

from inbox.engine.demo import DEMO_NUMBER, DemoEnvironment
from inbox.engine.service import ConversationFilter

CUSTOMER = "+15557654321"


def _eventually(check, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return check()


@pytest.mark.parametrize("dialect", ["textlocal", "android-gateway"])
def test_the_demo_can_play_the_provider_texts_in_and_replies_out(dialect) -> None:
    with DemoEnvironment(seed_history=False, poll_interval=0.3, dialect=dialect).start(live_customers=False) as demo:
        assert demo.channel.provider == dialect and not demo.channel.provider_handles_opt_out
        demo.phone.text(CUSTOMER, DEMO_NUMBER, "Is my parcel on its way?")
        page = _eventually(lambda: demo.service.conversations_page(ConversationFilter(view="all"), 0, 1))
        assert page, f"the demo's runner did not read the customer's text through {dialect}"
        demo.service.send_reply(page[0].id, "It is, arriving tomorrow.")
        received = _eventually(lambda: [m["body"] for m in demo.phone.phone(CUSTOMER) if "tomorrow" in str(m["body"])])
        assert received == ["It is, arriving tomorrow."]
