"""The list says how many conversations its view holds ("1,000 conversations"), not "100+"."""

from __future__ import annotations

from inbox.core.models import ConversationStatus
from inbox.ui.conversations import model as list_model
from inbox.ui.conversations.pane import ConversationListPane
from tests.ui.conftest import add_convs, wait_ops


def test_the_count_is_the_views_not_the_loaded_rows(qtbot, service, inbox, monkeypatch) -> None:
    monkeypatch.setattr(list_model, "PAGE_SIZE", 10)
    add_convs(inbox, 9)  # fewer than a page in "Open"…
    for i in range(16):  # …and more than one in "All"
        inbox.add_conversation(f"+1415556{i:04d}", None, status=ConversationStatus.RESOLVED)
    pane = ConversationListPane(service)
    qtbot.addWidget(pane)
    pane.start()
    wait_ops(qtbot)
    pane.set_view("all")
    wait_ops(qtbot)
    assert pane.model.rowCount() == 10 and not pane.model.exhausted  # one page loaded of 25
    assert pane.count_label.text() == "25 conversations"
    pane.set_view("resolved")
    wait_ops(qtbot)
    assert pane.count_label.text() == "16 conversations"
    pane.set_view("open")
    wait_ops(qtbot)
    assert pane.model.exhausted and pane.count_label.text() == "9 conversations"
    pane.set_view("all")
    wait_ops(qtbot)
    cid = inbox.add_conversation("+14155570000", "New")
    pane.model.refresh([cid])  # what the main window's refresher does on the change event
    qtbot.waitUntil(lambda: pane.count_label.text() == "26 conversations", timeout=3000)
