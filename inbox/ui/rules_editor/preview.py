"""Screenshots of the rules editor (used by ``inbox.ui.screenshots``): the page with a test result,
the edit dialog for a reply rule, a lookup rule and a refusal, and a rule's history.

Why here: the screenshot module stays a list of calls; what the editor looks like with realistic
rules is this package's business. Runs in the screenshot process, where blocking is fine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QWidget

from inbox.core.rules import Action, ActionKind, MatchMode, RuleSpec
from inbox.store import rules as stored_rules
from inbox.store.db import Database

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
    """Add the sample rules once, and a second version of "store-hours" (plain dashes: GSM-7)."""
    with db.write() as s:
        if stored_rules.get(s, SAMPLE_RULES[0].name) is not None:
            return
        for spec in SAMPLE_RULES:
            stored_rules.save(s, spec, by="Dana")
        stored_rules.save(
            s, RuleSpec("store-hours", ("HOURS", "OPEN"), action=Action(reply="We're open 9-5, Mon-Fri.")), by="Sam"
        )


def shoot(
    dialog: QWidget,
    outdir: Path,
    scheme: str,
    render: Callable[[QWidget, Path], Path],
    settle: Callable[[], None],
) -> list[Path]:
    """``dialog`` is a SettingsDialog with a database; returns the PNGs written."""
    from inbox.ui.rules_editor.dialog import RuleDialog
    from inbox.ui.rules_editor.page import RulesPage

    page: RulesPage = dialog.rules_page  # type: ignore[attr-defined]
    db = page._db
    assert db is not None
    seed(db)
    page.reload()
    settle()
    dialog.nav.setCurrentRow(4)  # type: ignore[attr-defined]
    page.test_input.setText("Hours please!")
    page.run_test()
    settle()
    made = [render(dialog, outdir / f"settings-{scheme}-rules-test.png")]
    book = page.book
    assert book is not None
    by_name = {r.spec.name: r for r in book.rules}

    edit = RuleDialog(db, "Dana", book.channels, by_name["store-hours"], dialog)
    made.append(render(edit, outdir / f"rule-editor-{scheme}-reply.png"))
    edit.close()
    lookup = RuleDialog(db, "Dana", book.channels, by_name["balance"], dialog)
    made.append(render(lookup, outdir / f"rule-editor-{scheme}-lookup.png"))
    lookup.close()
    refused = RuleDialog(db, "Dana", book.channels, None, dialog)
    refused.name.setText("unsubscribe")
    refused.keyword.setText("STOP")
    refused.aliases.setText("QUIT")
    refused.reply.setPlainText("Sorry to see you go – you won’t hear from us again.")
    refused.submit()
    settle()
    made.append(render(refused, outdir / f"rule-editor-{scheme}-refused.png"))
    refused.close()
    for i in range(page.rule_tree.topLevelItemCount()):
        if page.rule_tree.topLevelItem(i).text(1) == "store-hours":
            page.rule_tree.setCurrentItem(page.rule_tree.topLevelItem(i))
    history = page.show_history()
    if history is not None:
        settle()
        made.append(render(history, outdir / f"rule-history-{scheme}.png"))
        history.close()
    return made
