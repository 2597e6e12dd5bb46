"""Conversation list: paging, row painting, refresh by id."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QListView, QStyle, QStyleOptionViewItem

from inbox.core.models import ConversationStatus
from inbox.engine.service import ConversationFilter
from inbox.ui.conversations.delegate import ROW_HEIGHT, ConversationRowDelegate, markers
from inbox.ui.conversations.model import PAGE_SIZE, ConversationListModel, SummaryRole
from tests.ui.conftest import add_convs, wait_ops


def test_thousand_conversations_load_in_pages(qtbot, service, inbox):
    add_convs(inbox, 1000)
    model = ConversationListModel(service)
    model.set_filter(ConversationFilter(view="all"))
    wait_ops(qtbot)
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()
    model.fetchMore()
    wait_ops(qtbot)
    assert model.rowCount() == 2 * PAGE_SIZE
    pages = inbox.called("conversations_page")
    assert [(a[1], a[2]) for a in pages] == [(0, PAGE_SIZE), (PAGE_SIZE, PAGE_SIZE)]
    assert not inbox.called("conversations_count")  # never counts or loads everything


def test_list_view_only_fetches_what_it_shows(qtbot, service, inbox):
    add_convs(inbox, 1000)
    model = ConversationListModel(service)
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(320, 600)
    view.show()
    model.set_filter(ConversationFilter(view="all"))
    wait_ops(qtbot)
    qtbot.wait(50)
    wait_ops(qtbot)
    assert model.rowCount() < 1000


def test_newest_first_and_change_event_updates_one_row(qtbot, service, inbox):
    ids = add_convs(inbox, 5)
    model = ConversationListModel(service)
    model.set_filter(ConversationFilter(view="open"))
    wait_ops(qtbot)
    assert model.summary(0).id == ids[-1]
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    inbox.reset_calls()

    inbox.receive(ids[0], "Are you there?")  # oldest conversation gets a new message
    model.refresh({ids[0]})
    wait_ops(qtbot)
    assert model.summary(0).id == ids[0]
    assert model.summary(0).last_message_preview == "Are you there?"
    assert model.summary(0).unread_count == 1
    assert resets == []
    assert inbox.called("conversation_summaries") == [([ids[0]],)]
    assert not inbox.called("conversations_page")


def test_row_leaves_view_when_resolved_and_new_row_enters(qtbot, service, inbox):
    ids = add_convs(inbox, 3)
    model = ConversationListModel(service)
    model.set_filter(ConversationFilter(view="open"))
    wait_ops(qtbot)
    inbox.set_fields(ids[1], status=ConversationStatus.RESOLVED.value)
    new = inbox.add_conversation("+14155559999", "Newcomer")
    inbox.add_message(new, "hello")
    model.refresh({ids[1], new})
    wait_ops(qtbot)
    got = [model.summary(r).id for r in range(model.rowCount())]
    assert got == [new, ids[2], ids[0]]


def test_row_delegate_paints_all_markers(qtbot, service, inbox):
    cid = inbox.add_conversation(
        "+14155550100", "A very long name that will certainly need elision here", unread=3, flagged=True
    )
    inbox.add_message(cid, "<b>x</b> " * 40)
    inbox.set_fields(cid, verified_at=datetime.now(UTC))
    s = inbox.summary(cid)
    assert [m[0] for m in markers(s)] == ["flag", "shield-check"]
    model = ConversationListModel(service)
    model.set_filter(ConversationFilter(view="all"))
    wait_ops(qtbot)
    delegate = ConversationRowDelegate()
    img = QImage(320, ROW_HEIGHT, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    opt = QStyleOptionViewItem()
    opt.rect = QRect(0, 0, 320, ROW_HEIGHT)
    opt.state = QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_Enabled
    idx = model.index(0)
    assert idx.data(SummaryRole).id == cid
    delegate.paint(p, opt, idx)
    p.end()
    assert delegate.sizeHint(opt, idx) == QSize(280, ROW_HEIGHT)
    assert img.pixelColor(160, 32).name() != "#ffffff"  # the accent selection was painted
