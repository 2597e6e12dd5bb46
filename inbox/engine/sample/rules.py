"""Keyword rules as an administrator would write them: a lookup, a dated promotion, a disabled
assignment, and the two every first set-up starts with — for the Settings dialog's and the rules
editor's screenshots.
"""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.rules import Action, ActionKind, MatchMode, RuleSpec
from inbox.store import rules as stored_rules
from inbox.store.db import Database

FIRST_RULES = (
    RuleSpec("store-hours", ("HOURS", "OPEN"), action=Action(reply="We're open 9–5, Mon–Fri.")),
    RuleSpec("newsletter", ("JOIN",), action=Action(ActionKind.JOIN, list_name="news"), priority=10),
)

SAMPLE_RULES = (
    RuleSpec(
        "balance",
        ("BALANCE", "BAL"),
        MatchMode.FIRST_WORD,
        Action(
            ActionKind.LOOKUP,
            reply="Hi {first_name|there}, your balance is ${lookup.balance}.",
            url="https://backend.example/balance?phone={number}",
            timeout=4.0,
            auth_header="Authorization",
            auth_ref="env:BACKEND_TOKEN",
            fallback="Sorry, we can't check balances right now. An agent will reply shortly.",
        ),
        priority=20,
    ),
    RuleSpec(
        "black-friday",
        ("DEAL", "DEALS"),
        MatchMode.ANY_WORD,
        Action(ActionKind.REPLY, reply="Black Friday: 30% off everything until Sunday. Code BF30."),
        priority=30,
        starts_at=datetime(2025, 11, 28, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, tzinfo=UTC),
    ),
    RuleSpec(
        "refund",
        (r"\bREFUND\b",),
        MatchMode.REGEX,
        Action(ActionKind.ASSIGN, assignee="Billing"),
        priority=40,
        enabled=False,
    ),
)


def seed(db: Database) -> None:
    """Add the editor's sample rules once, and a second version of "store-hours" (plain dashes: GSM-7)."""
    with db.write() as s:
        if stored_rules.get(s, SAMPLE_RULES[0].name) is not None:
            return
        for spec in SAMPLE_RULES:
            stored_rules.save(s, spec, by="Dana")
        stored_rules.save(
            s, RuleSpec("store-hours", ("HOURS", "OPEN"), action=Action(reply="We're open 9-5, Mon-Fri.")), by="Sam"
        )


def seed_first(db: Database) -> None:
    """The two rules of a fresh set-up (store hours, the newsletter)."""
    with db.write() as s:
        for spec in FIRST_RULES:
            stored_rules.add(s, spec)
