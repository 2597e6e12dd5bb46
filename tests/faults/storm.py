"""A scripted crowd of customers and the checks a sceptic would make afterwards.

Phones are split in five groups by what their keyword message must cause, so every expectation is
independent of arrival order within a second (Twilio dates have one-second resolution):

0. "Stop."  (a variant the provider ignores)  → exactly one opt-out confirmation from Inbox.
1. "STOP" first, "Help!" ≥ 1 s later          → nothing from Inbox (provider confirms; opted out).
2. "Help!"  (variant)                          → exactly one help text from Inbox.
3. "HELP"   (exact: the provider answers)      → nothing from Inbox.
4. "Start." (variant)                          → exactly one opt-in confirmation from Inbox.

Where the provider answers no keyword (Infobip, ClickSend: `provider_answers=False`), Inbox answers
the exact ones too: group 1 gets one opt-out confirmation (and nothing for its later "Help!"),
group 3 one help text.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from inbox.engine.compliance import OPT_IN_REPLY, OPT_OUT_REPLY
from inbox.simulator.client import SimulatorClient
from inbox.store.db import Database
from inbox.store.models import MessageRow
from tests.conftest import OUR_NUMBER

from .conftest import HELP_TEXT

KEYWORD = {0: "Stop.", 1: "STOP", 2: "Help!", 3: "HELP", 4: "Start."}
EXPECTED_FROM_INBOX = {0: {OPT_OUT_REPLY: 1}, 1: {}, 2: {HELP_TEXT: 1}, 3: {}, 4: {OPT_IN_REPLY: 1}}
EXPECTED_WHEN_INBOX_ANSWERS_ALL = {**EXPECTED_FROM_INBOX, 1: {OPT_OUT_REPLY: 1}, 3: {HELP_TEXT: 1}}


def phone_number(i: int) -> str:
    return f"+1555300{i:04d}"


@dataclass
class Storm:
    """`phones` customers sending `per_phone` texts each, in three phases."""

    phones: int = 200
    per_phone: int = 10
    provider_answers: bool = True  # the provider answers exact STOP/HELP itself (Twilio)
    rng: random.Random = field(default_factory=lambda: random.Random(3))
    sids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.phones * self.per_phone

    def phases(self) -> list[list[tuple[str, str]]]:
        first = [(phone_number(i), KEYWORD[i % 5]) for i in range(self.phones)]
        middle = [
            (phone_number(i), f"question {n} about order {i}")
            for i in range(self.phones)
            for n in range(self.per_phone - 2)
        ]
        self.rng.shuffle(middle)
        last = [(phone_number(i), "Help!" if i % 5 == 1 else f"thanks, bye from {i}") for i in range(self.phones)]
        return [first, middle, last]

    def send(self, sim: SimulatorClient, texts: list[tuple[str, str]], pace: float = 0.0) -> None:
        for number, body in texts:
            self.sids.append(sim.text(number, OUR_NUMBER, body))
            if pace:
                time.sleep(pace)

    # -- checks ------------------------------------------------------------------------------------
    def inbound_stored(self, db: Database) -> tuple[int, int]:
        """(rows, distinct provider ids) of stored inbound messages."""
        with db.read() as s:
            rows, distinct = s.execute(
                select(func.count(MessageRow.id), func.count(func.distinct(MessageRow.provider_message_id))).where(
                    MessageRow.direction == "inbound"
                )
            ).one()
        return int(rows), int(distinct)

    def outbox_settled(self, db: Database) -> bool:
        with db.read() as s:
            pending = s.scalar(
                select(func.count(MessageRow.id)).where(
                    MessageRow.direction == "outbound", MessageRow.status.in_(["queued", "sending", "unknown"])
                )
            )
        return not pending

    def sent_by_inbox(self, sim: SimulatorClient) -> dict[str, Counter[str]]:
        """Per phone, the bodies Inbox sent through the API (the provider's own replies excluded)."""
        out: dict[str, Counter[str]] = {}
        for m in sim.messages():
            if m["direction"] == "outbound-api":
                out.setdefault(str(m["to"]), Counter())[str(m["body"])] += 1
        return out

    def answered_as_expected(self, sim: SimulatorClient) -> bool:
        return not self.problems(sim)

    def problems(self, sim: SimulatorClient) -> list[str]:
        sent = self.sent_by_inbox(sim)
        expected = EXPECTED_FROM_INBOX if self.provider_answers else EXPECTED_WHEN_INBOX_ANSWERS_ALL
        found = []
        for i in range(self.phones):
            got = dict(sent.get(phone_number(i), Counter()))
            if got != expected[i % 5]:
                found.append(f"phone {i} (group {i % 5}): got {got}")
        return found
