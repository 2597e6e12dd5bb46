"""The order in which automations see an inbound message, in one place admins can read:

1. compliance (STOP / START / HELP) — always first, cannot be shadowed;
2. pending identity-verification replies;
3. active polls and contests;
4. custom keyword rules, by priority;
5. fallback: the conversation stays open for an agent.

Each step gets the same context and returns whether it handled the message; the first that
handles it ends the chain. Steps run inside the ingest transaction and may only write rows
(outbox replies included) — never call the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core.models import Channel
from inbox.engine import compliance, engagement, replies, verification
from inbox.engine import rules as keyword_rules


@dataclass
class InboundContext:
    session: Session
    channel: Channel
    contact_id: int
    conversation_id: int
    message_id: int
    contact_phone: str
    body: str
    at: datetime
    queued_ids: list[int] = field(default_factory=list)

    def reply(self, text: str, author: str) -> int | None:
        """Answer this message as `author` (once, whatever happens); returns the outbox row id."""
        new_id = replies.queue(
            self.session,
            self.channel,
            conversation_id=self.conversation_id,
            message_id=self.message_id,
            to_number=self.contact_phone,
            text=text,
            author=author,
            at=self.at,
        )
        if new_id is not None:
            self.queued_ids.append(new_id)
        return new_id


Step = Callable[[InboundContext], bool]


def _compliance(ctx: InboundContext) -> bool:
    outcome = compliance.handle(
        ctx.session,
        ctx.channel,
        contact_id=ctx.contact_id,
        conversation_id=ctx.conversation_id,
        message_id=ctx.message_id,
        contact_phone=ctx.contact_phone,
        body=ctx.body,
        at=ctx.at,
    )
    ctx.queued_ids.extend(outcome.queued_ids)
    return outcome.handled


# (name, step) in evaluation order. Later issues insert their steps at their place in this list.
STEPS: list[tuple[str, Step]] = [
    ("compliance", _compliance),
    ("verification", verification.step),
    ("engagement", engagement.step),  # surveys, CSAT, contests, polls (issue 9)
    ("rules", keyword_rules.step),
]


def run(ctx: InboundContext) -> str | None:
    """Run the chain; returns the name of the step that handled the message, if any."""
    for name, step in STEPS:
        if step(ctx):
            return name
    return None
