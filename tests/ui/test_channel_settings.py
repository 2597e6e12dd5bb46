"""Settings ▸ Channels: a channel can be tested, fixed (Edit…) and removed (Remove…), with the
provider asked before a change that depends on it is saved. pytest-qt, offscreen, against the
simulator on loopback."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from inbox.engine import setup
from inbox.engine.service import InboxService
from inbox.store.db import Database
from inbox.ui import settings
from inbox.ui.settings_dialog import SettingsDialog
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

TOKEN_VAR = "INBOX_TEST_CHANNEL_SETTINGS_TOKEN"


@pytest.fixture
def channel_fields(simulator, sim_config, monkeypatch) -> dict[str, object]:
    monkeypatch.setenv(TOKEN_VAR, sim_config.auth_token)
    return {"account_sid": sim_config.account_sid, "base_url": simulator.url, "auth_token_ref": f"env:{TOKEN_VAR}"}


@pytest.fixture
def dialog(qtbot, channel_db: Database) -> SettingsDialog:
    d = SettingsDialog(InboxService(channel_db, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    wait_ops(qtbot)
    d.nav.setCurrentRow(2)
    return d


def stored(db: Database):
    return off_gui(lambda: InboxService(db).channels())


def test_test_says_whether_the_account_owns_the_number(qtbot, dialog: SettingsDialog, monkeypatch) -> None:
    assert dialog.test_button.isEnabled()
    dialog.test_channel()
    qtbot.waitUntil(lambda: dialog.channel_note.text().startswith("✓ main: Connected"), timeout=5000)
    assert "owns +1 555-000-1111" in dialog.channel_note.text()
    monkeypatch.setenv(TOKEN_VAR, "wrong")
    dialog.test_channel()
    qtbot.waitUntil(lambda: "rejected the credentials" in dialog.channel_note.text(), timeout=5000)
    assert dialog.channel_note.property("role") == "danger"


def test_edit_refuses_a_number_the_account_does_not_own_and_saves_a_fix(qtbot, dialog, channel_db) -> None:
    dialog.edit_channel()
    editor = dialog.channel_editor
    assert editor.isVisible() and editor.name.text() == "main" and editor.number.text() == "+1 555-000-1111"
    assert editor.token.text() == "" and editor.token.echoMode() == editor.token.EchoMode.Password
    editor.number.setText("+1 555 000 9999")
    editor.save()
    qtbot.waitUntil(lambda: editor.result_role == "danger", timeout=5000)
    assert "does not own the number +1 555-000-9999" in editor.result.text() and editor.isVisible()
    assert stored(channel_db)[0].number == "+15550001111"  # nothing was saved

    editor.number.setText("+1 555-000-1111")
    editor.name.setText("support")
    editor.poll.setValue(2.5)
    editor.help_text.setPlainText("Acme support. Reply STOP to stop.")
    editor.handles_stop.setChecked(False)
    editor.save()
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    wait_ops(qtbot)
    (saved,) = stored(channel_db)
    assert (saved.name, saved.number, saved.poll_interval_seconds) == ("support", "+15550001111", 2.5)
    assert saved.provider_handles_opt_out is False and saved.help_text == "Acme support. Reply STOP to stop."
    assert dialog.channel_tree.topLevelItem(0).text(0) == "support"
    assert "saved" in dialog.channel_note.text()


def test_remove_asks_first_and_keeps_the_conversations(qtbot, dialog, channel_db) -> None:
    from datetime import UTC, datetime

    from inbox.core.models import InboundMessage, PollCursor
    from inbox.engine import ingest
    from inbox.providers.base import InboundBatch

    channel = stored(channel_db)[0]
    text = InboundMessage("SM" + "1" * 32, "+15557654321", channel.number, "Hi", datetime.now(UTC))
    off_gui(lambda: ingest.ingest(channel_db, channel, InboundBatch([text], PollCursor())))
    dialog.remove_channel()
    qtbot.waitUntil(lambda: getattr(dialog, "removal_box", None) is not None, timeout=5000)
    box = dialog.removal_box
    assert "1 conversation(s) stay in the inbox" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    wait_ops(qtbot)
    assert [c.name for c in stored(channel_db)] == ["main"]  # Cancel removes nothing

    dialog.remove_channel()
    qtbot.waitUntil(lambda: dialog.removal_box is not box, timeout=5000)
    remove = next(b for b in dialog.removal_box.buttons() if b.text() == "Remove channel")
    remove.click()
    qtbot.waitUntil(lambda: "removed" in dialog.channel_note.text(), timeout=5000)
    assert stored(channel_db) == [] and dialog.channel_tree.topLevelItemCount() == 0
    assert "1 conversation(s) stay readable" in dialog.channel_note.text()
    from inbox.engine.service import ConversationFilter

    conversations = off_gui(lambda: InboxService(channel_db).conversations_page(ConversationFilter(view="all"), 0, 10))
    assert [c.contact_phone for c in conversations] == ["+15557654321"]
    assert off_gui(lambda: setup.find_channel(channel_db, "main")).active is False
