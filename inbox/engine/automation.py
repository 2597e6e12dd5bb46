"""The automation chain: the order in which automations see an inbound message, declared once.

`STEPS` is the one list. The chain (`run`), the screened walk of ingest (`engine.screening`), the
settings page (`engine.setup.automation_order`) and `inbox keywords order` all read it, so what
admins are shown is what runs. Each step is one `Step`: its name, what it does (in the words of
`inbox keywords order` and of the settings page), its screen and its handler:

1. compliance (STOP / START / HELP) — always first, cannot be shadowed;
2. pending identity-verification replies;
3. engagement: running surveys, CSAT answers, contests and open polls;
4. custom keyword rules, by priority;
then the fallback: no step handled the message, the conversation stays open for an agent.

Each handler gets the same context and returns whether it handled the message; the first that
handles it ends the chain. Handlers run inside the ingest transaction and may only write rows
(outbox replies included) — never call the network.

This module imports the steps; the steps import their context types from `engine.inbound`, never
this module (an import-linter contract in pyproject.toml keeps the chain free of cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inbox.engine import compliance, engagement, screens, verification
from inbox.engine import rules as keyword_rules
from inbox.engine.inbound import Arrival, ChunkState, InboundContext

Screen = Callable[[ChunkState, Arrival], bool]
Handler = Callable[[InboundContext], bool]


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of the chain, declared whole so that nothing can list it differently."""

    name: str  # what the chain reports as the step that handled a message
    description: str  # `inbox keywords order`
    label: str  # the settings page (Settings → Keyword rules), worded for the table below it
    # True: this step surely does nothing for this message (see `engine.screening`). None: no screen,
    # every message might be acted on — so a new step is never skipped by mistake.
    screen: Screen | None
    handler: Handler  # True: the message is handled, the chain ends


# Evaluation order. Later issues insert their steps at their place in this list.
STEPS: tuple[Step, ...] = (
    Step(
        "compliance",
        "STOP / START / HELP (and YES when opted out): always first, cannot be shadowed",
        "STOP / START / HELP (always first; cannot be overridden)",
        screens.compliance,
        compliance.step,
    ),
    Step(
        "verification",
        "pending identity-verification replies (a code texted back)",
        "Identity verification replies (a code texted back)",
        screens.verification,
        verification.step,
    ),
    Step(
        "engagement",
        "running surveys and their trigger keywords, CSAT answers, contests and open polls",
        "Surveys, polls and contests in progress",
        screens.engagement,
        engagement.step,
    ),
    Step(
        "rules",
        "custom keyword rules, lowest priority number first, then by name; YES confirms list sign-ups",
        "Your keyword rules, in the order below",
        screens.rules,
        keyword_rules.step,
    ),
)

FALLBACK = "fallback"
FALLBACK_DESCRIPTION = (
    "no step handled it: the conversation stays open for an agent (optional ack outside business hours)"
)


def order() -> list[tuple[str, str]]:
    """(name, description) of every step in evaluation order, then the fallback."""
    return [(step.name, step.description) for step in STEPS] + [(FALLBACK, FALLBACK_DESCRIPTION)]


def run(ctx: InboundContext) -> str | None:
    """Run the chain; returns the name of the step that handled the message, if any."""
    for step in STEPS:
        if step.handler(ctx):
            return step.name
    return None
