"""A provider is shown in its own spelling in the status bar and the settings' channel list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.provider_names import display_name
from inbox.engine.service import ChannelHealth
from inbox.ui.status import health_text


def test_providers_are_shown_as_they_spell_themselves() -> None:
    assert [display_name(p) for p in ("twilio", "infobip", "sinch", "clicksend")] == [
        "Twilio",
        "Infobip",
        "Sinch",
        "ClickSend",
    ]
    assert display_name("acme") == "Acme", "a third party's adapter: title case"


def test_the_health_line_names_clicksend_in_its_spelling() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    h = ChannelHealth(1, "au", now - timedelta(seconds=5), None, None, None)
    assert health_text(h, display_name("clicksend"), now=now)[0].startswith("ClickSend · au")
