"""The composer's hold bar on the real engine: a reply written while a colleague answered is held,
the draft stays, the colleague's answer appears, and the agent chooses Send anyway, Edit or Discard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from inbox.core.models import InboundMessage
from inbox.engine.service import InboxService
from inbox.store import contacts, conversations, messages
from inbox.store.db import Database
from inbox.store.models import MessageRow
from inbox.ui.thread.pane import ThreadPane
from tests.conftest import OUR_NUMBER, add_channel
from tests.ui.conftest import wait_ops
from tests.ui.test_real_engine import off_gui

CUSTOMER = "+15557654321"
WAIT = 10_000


@dataclass
class Desk:
    db: Database
    pane: ThreadPane
    conversation_id: int
    question: int

    def outbound(self) -> list[tuple[str | None, str]]:
        def read() -> list[tuple[str | None, str]]:
            with self.db.read() as s:
                rows = s.execute(
                    select(MessageRow.author, MessageRow.body)
                    .where(MessageRow.direction == "outbound")
                    .order_by(MessageRow.id)
                )
                return [tuple(r) for r in rows]

        return off_gui(read)

    def colleague_replies(self, body: str, name: str = "Alice") -> None:
        off_gui(lambda: InboxService(self.db, agent=name).send_reply(self.conversation_id, body))

    def customer_writes(self, body: str) -> None:
        def write() -> None:
            with self.db.write() as s:
                ch_id = conversations.summary(s, self.conversation_id).channel_id  # type: ignore[union-attr]
                mo = InboundMessage("SM-later", CUSTOMER, OUR_NUMBER, body, datetime.now(UTC))
                messages.insert_inbound(s, ch_id, self.conversation_id, mo, OUR_NUMBER)

        off_gui(write)

    def send(self, qtbot, text: str) -> None:
        self.pane.composer.set_text(text)
        qtbot.mouseClick(self.pane.composer.send_button, Qt.MouseButton.LeftButton)
        wait_ops(qtbot, WAIT)


@pytest.fixture
def desk(qtbot, tmp_path) -> Iterator[Desk]:
    def build() -> tuple[Database, int, int, object]:
        db = Database(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")
        db.upgrade()
        with db.write() as s:
            ch = add_channel(s)
            conv = conversations.get_or_create(s, contacts.get_or_create(s, CUSTOMER), ch.id, datetime.now(UTC))
            mo = InboundMessage("SM-question", CUSTOMER, OUR_NUMBER, "Where is my parcel?", datetime.now(UTC))
            question = messages.insert_inbound(s, ch.id, conv, mo, OUR_NUMBER)
            summary = conversations.summary(s, conv)
        return db, conv, question, summary  # type: ignore[return-value]

    db, conv, question, summary = off_gui(build)
    pane = ThreadPane(InboxService(db, agent="Bob"))
    qtbot.addWidget(pane)
    pane.resize(720, 560)
    pane.show()
    pane.open(summary)  # type: ignore[arg-type]
    wait_ops(qtbot, WAIT)
    assert pane.model.newest_id() == question
    yield Desk(db, pane, conv, question)
    wait_ops(qtbot, WAIT)
    off_gui(db.dispose)


def _bodies(pane: ThreadPane) -> list[str]:
    return [pane.model.message(r).body for r in range(pane.model.rowCount())]  # type: ignore[union-attr]


def test_a_colleagues_answer_holds_the_reply_and_send_anyway_sends_exactly_one_more(qtbot, desk) -> None:
    desk.colleague_replies("It left the depot this morning")
    desk.send(qtbot, "Let me check for you")

    composer = desk.pane.composer
    assert composer.held and composer.text() == "Let me check for you"  # the draft is kept
    assert composer.hold_bar.sentence.startswith("Not sent yet. Alice replied")
    assert "It left the depot this morning" in composer.hold_bar.sentence
    assert "It left the depot this morning" in _bodies(desk.pane)  # the news is in the thread
    assert desk.outbound() == [("Alice", "It left the depot this morning")]

    qtbot.mouseClick(composer.hold_bar.send_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, WAIT)
    assert desk.outbound() == [("Alice", "It left the depot this morning"), ("Bob", "Let me check for you")]
    assert not composer.held and composer.text() == ""


def test_discard_sends_nothing_and_clears_the_draft(qtbot, desk) -> None:
    desk.customer_writes("never mind, it just arrived")
    desk.send(qtbot, "Let me check")
    composer = desk.pane.composer
    assert composer.hold_bar.sentence.startswith("Not sent yet. The customer wrote")
    qtbot.mouseClick(composer.hold_bar.discard_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, WAIT)
    assert desk.outbound() == []
    assert not composer.held and composer.text() == ""


def test_edit_keeps_the_draft_and_the_next_send_goes_once_the_news_was_shown(qtbot, desk) -> None:
    desk.colleague_replies("On its way")
    desk.send(qtbot, "Checking")
    composer = desk.pane.composer
    qtbot.mouseClick(composer.hold_bar.edit_button, Qt.MouseButton.LeftButton)
    assert not composer.held and composer.text() == "Checking" and composer.edit.hasFocus()
    composer.set_text("Adding to Alice's answer: the tracking link is in your email")
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, WAIT)
    assert desk.outbound() == [
        ("Alice", "On its way"),
        ("Bob", "Adding to Alice's answer: the tracking link is in your email"),
    ]


def test_nothing_new_sends_at_once(qtbot, desk) -> None:
    desk.send(qtbot, "It arrives tomorrow")
    assert desk.outbound() == [("Bob", "It arrives tomorrow")]
    assert not desk.pane.composer.held
