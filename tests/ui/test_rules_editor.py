"""Settings › Keyword rules on the real engine: add, edit (a new version), refusals, the Test box, disable.

The database is real SQLite built on a helper thread; the GUI-thread guard stays on, so the page and
its dialogs may only reach the store through ``ops.run_op``.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inbox.core.rules import ActionKind, MatchMode
from inbox.engine.service import InboxService
from inbox.store import rules as stored_rules
from inbox.store.db import Database
from inbox.ui import settings
from inbox.ui.rules_editor.dialog import RuleDialog
from inbox.ui.settings_dialog import SettingsDialog
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops


@pytest.fixture
def channel_fields() -> dict[str, object]:
    return {"provider_handles_opt_out": False}


@pytest.fixture
def db(channel_db: Database) -> Database:
    return channel_db


@pytest.fixture
def page(qtbot, db):
    d = SettingsDialog(InboxService(db, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    d.nav.setCurrentRow(4)
    wait_ops(qtbot)
    return d.rules_page


def stored(db: Database, name: str) -> stored_rules.StoredRule | None:
    def read():
        with db.read() as s:
            return stored_rules.get(s, name)

    return off_gui(read)


def fill_reply_rule(dialog: RuleDialog, name: str, keyword: str, reply: str, aliases: str = "") -> None:
    dialog.name.setText(name)
    dialog.keyword.setText(keyword)
    dialog.aliases.setText(aliases)
    dialog.mode.setCurrentIndex(dialog.mode.findData(MatchMode.FIRST_WORD.value))
    dialog.action.setCurrentIndex(dialog.action.findData(ActionKind.REPLY.value))
    dialog.reply.setPlainText(reply)


def test_a_reply_rule_added_through_the_dialog_is_stored_with_a_version(qtbot, page, db):
    dialog = page.add_rule()
    assert isinstance(dialog, RuleDialog)
    fill_reply_rule(dialog, "hours", "HOURS", "Hi {first_name|there}, we're open 9-5.", aliases="OPEN, OPENING")
    assert "GSM-7" in dialog.preview.text() and "Hi Ada" in dialog.preview.text()
    assert dialog.list_name.isHidden() and dialog.url.isHidden()  # only the fields a reply needs
    dialog.submit()
    wait_ops(qtbot)
    rule = stored(db, "hours")
    assert rule is not None and rule.version == 1 and rule.updated_by == "Dana"
    assert rule.spec.keywords == ("HOURS", "OPEN", "OPENING")
    assert rule.spec.action.reply == "Hi {first_name|there}, we're open 9-5."
    qtbot.waitUntil(lambda: page.rule_tree.topLevelItemCount() == 1, timeout=3000)
    row = [page.rule_tree.topLevelItem(0).text(c) for c in range(9)]
    assert row[1:4] == ["hours", "HOURS, OPEN, OPENING", "first word"]
    assert row[5:] == ["All", "100", "Always", "On"]


def test_editing_saves_a_new_version_and_history_lists_both(qtbot, page, db):
    dialog = page.add_rule()
    fill_reply_rule(dialog, "hours", "HOURS", "Open 9-5.")
    dialog.submit()
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: page.selected() is not None, timeout=3000)
    edit = page.edit_rule()
    assert edit is not None and edit.name.isReadOnly() and edit.reply.toPlainText() == "Open 9-5."
    edit.reply.setPlainText("Open 8-6 now.")
    edit.priority.setValue(20)
    edit.submit()
    wait_ops(qtbot)
    rule = stored(db, "hours")
    assert rule is not None and rule.version == 2 and rule.spec.action.reply == "Open 8-6 now."
    assert rule.spec.priority == 20
    history = page.show_history()
    wait_ops(qtbot)
    assert [history.tree.topLevelItem(i).text(0) for i in range(history.tree.topLevelItemCount())] == ["v2", "v1"]


def test_a_rule_colliding_with_stop_is_refused_inline_and_nothing_is_saved(qtbot, page, db):
    dialog = page.add_rule()
    fill_reply_rule(dialog, "unsubscribe", "STOP", "Bye!")
    dialog.submit()
    wait_ops(qtbot)
    assert dialog.error.isVisible() or not dialog.error.isHidden()
    assert "compliance keyword STOP" in dialog.error.text()
    assert dialog.result() == 0  # the dialog stays open for a fix
    assert stored(db, "unsubscribe") is None
    # A refusal only the store can make (the name is taken) is shown the same way.
    first = page.add_rule()
    fill_reply_rule(first, "hours", "HOURS", "Open 9-5.")
    first.submit()
    wait_ops(qtbot)
    again = page.add_rule()
    fill_reply_rule(again, "hours", "TIMES", "Other text")
    again.submit()
    wait_ops(qtbot)
    assert "already exists" in again.error.text()
    rule = stored(db, "hours")
    assert rule is not None and rule.version == 1 and rule.spec.keywords == ("HOURS",)


def test_the_test_box_shows_the_rule_and_the_exact_reply(qtbot, page, db):
    dialog = page.add_rule()
    fill_reply_rule(dialog, "hours", "HOURS", "Hi {first_name|there}, we're open 9-5.")
    dialog.submit()
    wait_ops(qtbot)
    page.test_input.setText("hours please!")
    page.run_test()
    wait_ops(qtbot)
    text = page.test_result.text()
    assert "Rule “hours” (version 1) fires" in text
    assert "Reply: Hi there, we're open 9-5." in text
    assert page.test_detail.text() == "GSM-7 · 1 segment"
    page.test_input.setText("STOP")
    page.run_test()
    wait_ops(qtbot)
    assert page.test_result.text().startswith("Compliance answers it")


def test_disable_then_enable(qtbot, page, db):
    dialog = page.add_rule()
    fill_reply_rule(dialog, "hours", "HOURS", "Open 9-5.")
    dialog.submit()
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: page.selected() is not None, timeout=3000)
    assert page.toggle_button.text() == "Disable"
    page.toggle_rule()
    wait_ops(qtbot)
    rule = stored(db, "hours")
    assert rule is not None and not rule.spec.enabled and rule.version == 2
    assert page.rule_tree.topLevelItem(0).text(8) == "Off" and page.toggle_button.text() == "Enable"
    page.test_input.setText("hours")
    page.run_test()
    wait_ops(qtbot)
    assert "hours" not in page.test_result.text().split("\n")[0]
    page.toggle_rule()
    wait_ops(qtbot)
    assert stored(db, "hours").spec.enabled


def test_each_action_shows_only_its_fields(qtbot, page):
    dialog = page.add_rule()
    dialog.action.setCurrentIndex(dialog.action.findData(ActionKind.LOOKUP.value))
    assert not dialog.url.isHidden() and not dialog.fallback.isHidden() and dialog.tag.isHidden()
    assert dialog.reply_label.text() == "Reply template"
    dialog.action.setCurrentIndex(dialog.action.findData(ActionKind.JOIN.value))
    assert not dialog.list_name.isHidden() and dialog.url.isHidden()
    dialog.reply.setPlainText("Merci d’avoir rejoint {list}")
    assert "UCS-2" in dialog.preview.text() and "’" in dialog.preview.text()
    dialog.reject()


def test_enter_in_the_test_box_runs_the_test_and_settings_stays_open(qtbot, page, db):
    dialog = page.add_rule()
    fill_reply_rule(dialog, "hours", "HOURS", "Open 9-5.")
    dialog.submit()
    wait_ops(qtbot)
    settings_dialog = page.window()
    settings_dialog.show()
    qtbot.waitExposed(settings_dialog)
    page.test_input.setFocus()
    qtbot.keyClicks(page.test_input, "hours?")
    qtbot.keyClick(page.test_input, Qt.Key.Key_Return)
    wait_ops(qtbot)
    assert settings_dialog.isVisible() and settings_dialog.result() == 0
    assert "Rule “hours” (version 1) fires" in page.test_result.text()
    qtbot.keyClick(page.test_input, Qt.Key.Key_Enter)
    assert settings_dialog.isVisible()
