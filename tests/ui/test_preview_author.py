"""List previews say who wrote an outbound message: "You: …" only for your own reply."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from inbox.core.events import EventBus
from inbox.core.models import AuthorKind, ConversationStatus, ConversationSummary, Direction
from inbox.engine.service import ConversationFilter, InboxService
from inbox.store import contacts, conversations
from inbox.store.db import Database
from inbox.ui.conversations.model import ConversationListModel, PreviewRole
from tests.conftest import add_channel
from tests.ui.conftest import wait_ops

ROW = ConversationSummary(
    id=1,
    channel_id=1,
    channel_name="main",
    contact_id=1,
    contact_phone="+14155550101",
    contact_name="Ann",
    status=ConversationStatus.OPEN,
    assignee=None,
    last_activity_at=datetime(2026, 3, 1, tzinfo=UTC),
    unread_count=0,
    last_message_preview="It left\nthis morning.",
    last_message_direction=Direction.OUTBOUND,
    opted_out=False,
    last_message_author_kind=AuthorKind.AGENT,
    last_message_author="alice",
)


def test_the_preview_names_the_writer() -> None:
    assert ROW.preview_for("alice") == "You: It left this morning."
    assert ROW.preview_for("bob") == "alice: It left this morning."
    automatic = replace(ROW, last_message_author_kind=AuthorKind.AUTOMATION, last_message_author=None)
    assert automatic.preview_for("alice") == "⚙ It left this morning."
    customer = replace(
        ROW,
        last_message_direction=Direction.INBOUND,
        last_message_author_kind=AuthorKind.CUSTOMER,
        last_message_author=None,
    )
    assert customer.preview_for("alice") == "It left this morning."
    unknown = replace(ROW, last_message_author=None)  # never claims "You" without knowing
    assert unknown.preview_for("alice") == "It left this morning."
    assert replace(ROW, last_message_preview="").preview_for("alice") == ""


def test_each_desktop_sees_its_own_reply_as_you_and_a_colleagues_by_name(qtbot, tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")

    def setup() -> None:
        db.upgrade()
        with db.write() as s:
            channel = add_channel(s)
            contact = contacts.get_or_create(s, "+14155550101")
            cid = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        InboxService(db, EventBus(), agent="alice").send_reply(cid, "It left this morning.")

    with ThreadPoolExecutor(1) as pool:
        pool.submit(setup).result()
        shown = {}
        for agent in ("alice", "bob"):
            model = ConversationListModel(InboxService(db, EventBus(), agent=agent))
            model.set_filter(ConversationFilter(view="all", agent=agent))
            wait_ops(qtbot)
            index = model.index(0)
            shown[agent] = (index.data(PreviewRole), index.data(Qt.ItemDataRole.AccessibleTextRole))
        pool.submit(db.dispose).result()
    assert shown["alice"] == ("You: It left this morning.", "+1 415-555-0101: You: It left this morning.")
    assert shown["bob"] == ("alice: It left this morning.", "+1 415-555-0101: alice: It left this morning.")
