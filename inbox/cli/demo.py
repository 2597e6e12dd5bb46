"""`inbox demo --headless`: the whole pipeline without a window, narrated on the terminal."""

from __future__ import annotations

import argparse
import time

from inbox.core import phone
from inbox.core.models import MessageStatus


def run_headless_demo(args: argparse.Namespace) -> int:
    from inbox.engine.demo import DEMO_NUMBER, DemoEnvironment
    from inbox.engine.service import ConversationFilter

    customer = "+15557654321"
    dialect = getattr(args, "dialect", None) or "twilio"
    with DemoEnvironment(seed_history=False, dialect=dialect).start(live_customers=False) as demo:
        print(
            f"Simulator ({dialect}) at {demo.simulator.url}; our number {phone.display(DEMO_NUMBER)}; "
            f"data in {demo.folder}"
        )
        steps = [
            ("customer", "Hi, where is my order #1042?"),
            ("agent", "Hi! It left our warehouse this morning and arrives tomorrow."),
            ("customer", "Stop."),
            ("agent", "Anything else?"),
            ("customer", "START"),
        ]
        for who, text in steps:
            if who == "customer":
                print(f"\n📱 {phone.display(customer)} texts: {text}")
                demo.phone.text(customer, DEMO_NUMBER, text)
                time.sleep(2.5)
            else:
                conv = demo.service.conversations_page(ConversationFilter(view="all"), 0, 1)[0]
                print(f"\n💬 agent replies: {text}")
                try:
                    demo.service.send_reply(conv.id, text)
                except Exception as exc:  # noqa: BLE001 - SendRefused is the point of this step
                    print(f"   refused: {exc}")
                time.sleep(2.5)
        print("\nWhat the customer's phone received:")
        for m in demo.phone.phone(customer):
            print(f"   {m['body']}")
        conv = demo.service.conversations_page(ConversationFilter(view="all"), 0, 1)[0]
        print("\nThe thread in Inbox:")
        for m in demo.service.thread_page(conv.id):
            mark = "" if m.status is MessageStatus.RECEIVED else f" [{m.status.value}]"
            print(f"   {m.author_kind.value:10} {m.body}{mark}")
    print("\nDemo finished; everything stopped and the temporary data was removed.")
    return 0
