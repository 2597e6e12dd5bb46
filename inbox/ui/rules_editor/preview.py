"""Screenshots of the rules editor (used by ``inbox.ui.screenshots``): the page with a test result,
the edit dialog for a reply rule, a lookup rule and a refusal, and a rule's history, on the sample
package's rules.

Why here: the screenshot module stays a list of calls; what the editor looks like with realistic
rules is this package's business. Runs in the screenshot process, where blocking is fine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from inbox.engine.sample import rules as sample_rules


def shoot(
    dialog: QWidget,
    outdir: Path,
    scheme: str,
    render: Callable[[QWidget, Path], Path],
    settle: Callable[[], None],
) -> list[Path]:
    """``dialog`` is a SettingsDialog; returns the PNGs written."""
    from inbox.ui.rules_editor.dialog import RuleDialog
    from inbox.ui.rules_editor.page import RulesPage

    page: RulesPage = dialog.rules_page  # type: ignore[attr-defined]
    service = page.service
    sample_rules.seed(service.db)
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

    edit = RuleDialog(service, book.channels, by_name["store-hours"], dialog)
    made.append(render(edit, outdir / f"rule-editor-{scheme}-reply.png"))
    edit.close()
    lookup = RuleDialog(service, book.channels, by_name["balance"], dialog)
    made.append(render(lookup, outdir / f"rule-editor-{scheme}-lookup.png"))
    lookup.close()
    refused = RuleDialog(service, book.channels, None, dialog)
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
