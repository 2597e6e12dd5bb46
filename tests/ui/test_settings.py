"""Settings dialog: preferences apply at once, channels and their poll interval, canned replies, rules."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inbox.core.rules import Action, ActionKind, RuleSpec
from inbox.engine import setup
from inbox.engine.service import InboxService
from inbox.store import rules as stored_rules
from inbox.store.db import Database
from inbox.ui import settings, shortcuts, theme
from inbox.ui.main_window import MainWindow
from inbox.ui.settings_dialog import SettingsDialog
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops


@pytest.fixture
def channel_fields() -> dict[str, object]:
    return {"provider_handles_opt_out": False, "poll_interval_seconds": 5}


@pytest.fixture
def database(channel_db: Database) -> Database:
    """The main channel and two keyword rules."""

    def rules() -> None:
        with channel_db.write() as s:
            stored_rules.add(s, RuleSpec("hours", ("HOURS", "OPEN"), action=Action(reply="9–5 weekdays"), priority=50))
            stored_rules.add(
                s, RuleSpec("join-news", ("JOIN",), action=Action(ActionKind.JOIN, list_name="news"), priority=10)
            )

    off_gui(rules)
    return channel_db


def _window(qtbot, service) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    wait_ops(qtbot)
    return w


def test_ctrl_comma_opens_settings_and_saving_applies_at_once(qtbot, service, qapp):
    w = _window(qtbot, service)
    assert any(b.action == "open_settings" and "Ctrl+," in b.keys for b in shortcuts.BINDINGS)
    w.open_settings()
    d = w.settings_dialog
    assert isinstance(d, SettingsDialog) and d.isVisible()
    wait_ops(qtbot)
    d.theme_buttons["dark"].setChecked(True)
    d.send_ctrl.setChecked(True)
    d.sound.setChecked(True)
    d.desktop.setChecked(False)
    d.agent.setText("Dana Scully")
    d.save()
    assert theme.tokens().dark
    assert w.thread_pane.composer.edit.ctrl_enter_sends_only
    s = w.settings
    assert settings.theme_choice(s) == "dark" and settings.notification_sound(s)
    assert not settings.desktop_notifications(s) and settings.agent_name(s) == "Dana Scully"
    theme.apply_theme(qapp, dark=False)


def test_canned_replies_are_edited_and_reach_the_composer(qtbot, service):
    w = _window(qtbot, service)
    w.open_settings()
    d = w.settings_dialog
    assert d is not None
    d.canned.setCurrentRow(0)
    d.remove_canned()
    d.add_canned()
    d.canned.currentItem().setText("Your refund is on its way.")
    d._move_canned(-1)
    d.save()
    replies = settings.canned_replies(w.settings)
    assert "Thanks for reaching out! Let me look into this for you." not in replies
    assert replies[-2] == "Your refund is on its way."
    assert w.thread_pane.composer.canned.stringList() == replies


def test_channels_page_shows_stop_handling_and_saves_the_poll_interval(qtbot, database):
    service = InboxService(database, agent="Dana")
    d = SettingsDialog(service, settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    item = d.channel_tree.topLevelItem(0)
    assert [item.text(i) for i in range(5)] == ["main", "+1 555-000-1111", "Twilio", "Inbox", "5 s"]
    assert d.poll.isEnabled()
    d.poll.setValue(2.5)
    d.save_poll_interval()
    qtbot.waitUntil(lambda: d.channel_tree.topLevelItem(0).text(4) == "2.5 s", timeout=3000)
    wait_ops(qtbot)
    for refused in (0.05, -1, float("nan"), float("inf"), 3601):
        with pytest.raises(setup.SetupRefused):
            off_gui(lambda v=refused: setup.set_poll_interval(database, 1, v))


def test_keyword_rules_are_listed_in_evaluation_order(qtbot, database):
    service = InboxService(database, agent="Dana")
    d = SettingsDialog(service, settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    rows = [[d.rule_tree.topLevelItem(r).text(c) for c in range(5)] for r in range(d.rule_tree.topLevelItemCount())]
    assert rows == [
        ["1", "join-news", "JOIN", "first word", "join: news"],
        ["2", "hours", "HOURS, OPEN", "first word", "reply: 9–5 weekdays"],
    ]
    assert d.chain.text().splitlines()[0].startswith("1. STOP / START / HELP")
    assert d.chain.text().splitlines()[-1] == "4. Your keyword rules, in the order below"


def test_every_settings_control_has_an_accessible_name(qtbot, service):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLineEdit

    d = SettingsDialog(service, settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    for widget in d.findChildren(QAbstractButton) + d.findChildren(QLineEdit) + d.findChildren(QAbstractSpinBox):
        if widget.parent() is d.channel_tree or widget.objectName().startswith("qt_"):
            continue
        assert widget.accessibleName(), (type(widget).__name__, widget.text() if hasattr(widget, "text") else "")


def test_help_text_longer_than_the_provider_accepts_cannot_be_applied(qtbot, database):
    d = SettingsDialog(InboxService(database, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    d.nav.setCurrentRow(2)
    assert d.help_text.isEnabled()
    d.help_text.setPlainText("Acme support, reply STOP to stop. " * 50)
    assert not d.help_save.isEnabled()
    assert "1,699 / 1,600 characters · 12 GSM-7 segment(s)" in d.help_count.text() and "too long" in d.help_count.text()
    d.save_help_text()  # even if called directly, the engine refuses it
    qtbot.waitUntil(lambda: "12 GSM-7 segments" in d.help_note.text(), timeout=3000)
    assert off_gui(lambda: InboxService(database).channels()[0].help_text) == ""
    d.help_text.setPlainText("Acme: call 555-0100. Reply STOP to opt out.")
    assert d.help_save.isEnabled() and "1 GSM-7 segment(s)" in d.help_count.text()
    d.save_help_text()
    qtbot.waitUntil(lambda: d.help_note.text() == "Reply to HELP saved.", timeout=3000)
    wait_ops(qtbot)
    assert off_gui(lambda: InboxService(database).channels()[0].help_text).startswith("Acme: call")
    d.poll.setValue(-1)
    assert d.poll.value() == setup.MIN_POLL > 0


def test_an_agent_name_the_replies_cannot_record_is_not_saved(qtbot, service):
    s = settings.app_settings()
    settings.set_agent_name("Dana", s)
    d = SettingsDialog(service, s)
    qtbot.addWidget(d)
    wait_ops(qtbot)
    d.agent.setText("a" * 500)
    assert len(d.agent.text()) == 120  # the column's size
    d.agent.setText("Dana\x1b[31m\u202e")
    d.save()
    assert not d.agent_error.isHidden() and "control or formatting" in d.agent_error.text()
    assert d.result() != d.DialogCode.Accepted
    assert settings.agent_name(s) == "Dana"


def test_the_wizard_keeps_no_token_for_a_channel_it_refuses(database):
    """A second channel on the same number (or with a bad name) must not replace the token the
    existing channel uses: the token is kept only once the row is accepted."""
    from inbox.engine import credentials
    from inbox.ui.setup.connect_form import ConnectDraft, engine_creator

    create = engine_creator(InboxService(database), check=False)  # no provider behind it
    sid, var, number = "AC" + "1" * 32, "INBOX_TEST_WIZARD_TOKEN", "+15550003333"
    try:
        off_gui(lambda: create(ConnectDraft("second", sid, "good-token", number, store="session", env_var=var)))
        assert credentials.resolve(f"env:{var}", sid) == "good-token"
        for refused in (
            ConnectDraft("again", sid, "typo-token", "+1 555 000 3333", store="session", env_var=var),
            ConnectDraft("bad\x1b[2Jname", sid, "typo-token", "+15550004444", store="session", env_var=var),
        ):
            with pytest.raises(setup.SetupRefused):
                off_gui(lambda d=refused: create(d))
            assert credentials.resolve(f"env:{var}", sid) == "good-token"
    finally:
        credentials.forget_in_process(var)
    assert [c.name for c in off_gui(InboxService(database).channels)] == ["main", "second"]


def test_the_channels_page_sets_whether_replying_assigns(qtbot, database):
    from inbox.engine import assignment

    def dialog() -> SettingsDialog:
        d = SettingsDialog(InboxService(database, agent="Dana"), settings.app_settings())
        qtbot.addWidget(d)
        wait_ops(qtbot)
        return d

    d = dialog()
    box = d.assign_on_reply
    assert box.isEnabled() and not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert off_gui(lambda: assignment.policy_of(database, 1).assign_on_reply)
    assert "assigns the conversation" in d.channel_note.text()
    assert dialog().assign_on_reply.isChecked()  # read back from the database


def test_an_agent_who_is_no_admin_is_told_and_the_box_shows_what_is_stored(qtbot, database):
    from inbox.engine import assignment
    from inbox.store import agents
    from inbox.store.agents import Role

    def team() -> None:
        with database.write() as s:
            agents.upsert(s, "Dana", Role.AGENT)
            agents.upsert(s, "Ada", Role.ADMIN)

    off_gui(team)
    d = SettingsDialog(InboxService(database, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    qtbot.mouseClick(d.assign_on_reply, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert not d.assign_on_reply.isChecked()
    assert "admin" in d.channel_note.text()
    assert not off_gui(lambda: assignment.policy_of(database, 1).assign_on_reply)
