"""The channel settings say what a channel's provider does itself: for Textlocal, that it checks
DLT templates (Inbox does not)."""

from __future__ import annotations

import pytest

from inbox.engine import setup
from inbox.engine.service import InboxService
from inbox.ui import settings
from inbox.ui.settings_dialog import SettingsDialog
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops


@pytest.fixture
def channel_fields() -> dict[str, object]:
    return {"provider": "textlocal", "account_sid": "100001", "provider_handles_opt_out": False}


def test_a_textlocal_channel_says_textlocal_checks_its_dlt_templates(qtbot, channel_db):
    off_gui(
        lambda: setup.add_channel(
            channel_db, name="us", account_sid="AC" + "1" * 32, number="+15550002222", auth_token_ref="env:Y"
        )
    )
    d = SettingsDialog(InboxService(channel_db, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    d.show()
    d.nav.setCurrentRow(2)  # Channels
    wait_ops(qtbot)
    rows = {d.channel_tree.topLevelItem(i).text(0): i for i in range(d.channel_tree.topLevelItemCount())}
    d.channel_tree.setCurrentItem(d.channel_tree.topLevelItem(rows["main"]))
    assert d.channel_tree.currentItem().text(2) == "Textlocal"
    assert d.provider_note.isVisible() and "Textlocal checks each text against your DLT templates" in (
        d.provider_note.text()
    )
    d.channel_tree.setCurrentItem(d.channel_tree.topLevelItem(rows["us"]))
    assert not d.provider_note.isVisible(), "a Twilio channel has no such note"


@pytest.mark.parametrize(
    "channel_fields",
    [{"provider": "android-gateway", "account_sid": "sms", "base_url": "http://192.168.1.5:8080"}],
)
def test_a_phone_channel_is_named_and_says_the_phone_must_stay_on(qtbot, channel_db):
    d = SettingsDialog(InboxService(channel_db, agent="Dana"), settings.app_settings())
    qtbot.addWidget(d)
    d.show()
    d.nav.setCurrentRow(2)
    wait_ops(qtbot)
    assert d.channel_tree.topLevelItem(0).text(2) == "SMS Gateway for Android"
    assert "keep the phone on" in d.provider_note.text() and d.provider_note.isVisible()
