"""Undo after E (resolve) and S (snooze): a bar for a few seconds, Ctrl+Z puts the conversation back
through the service — unless something moved it meanwhile, which the undo never overwrites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPoint, QRect, Qt

from inbox.core.models import ConversationStatus
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.header import snooze_choices
from tests.ui.conftest import off_gui, wait_ops


def _open_one(qtbot, service, inbox, status=ConversationStatus.OPEN) -> tuple[MainWindow, int]:
    cid = inbox.add_conversation("+14155550177", "Maria García", status=status)
    inbox.add_message(cid, "Where is my order?")
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    wait_ops(qtbot)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    assert w.list_pane.select_id(cid)
    wait_ops(qtbot)
    w.list_pane.view.setFocus()
    return w, cid


def test_e_then_ctrl_z_reopens_the_conversation(qtbot, service, inbox) -> None:
    w, cid = _open_one(qtbot, service, inbox)
    qtbot.keyClick(w.list_pane.view, Qt.Key.Key_E)
    wait_ops(qtbot)
    assert inbox.summary(cid).status is ConversationStatus.RESOLVED
    assert w.undo_bar.isVisible() and w.undo_bar.label.text() == "Resolved · Maria García"
    assert w.rect().contains(w.undo_bar.geometry())
    composer = w.thread_pane.composer
    assert not w.undo_bar.geometry().intersects(QRect(composer.mapTo(w, QPoint(0, 0)), composer.size()))
    qtbot.keyClick(w.list_pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_ops(qtbot)
    assert inbox.summary(cid).status is ConversationStatus.OPEN
    assert not w.undo_bar.isVisible()
    assert w.statusBar().currentMessage() == "Undone"
    actions = off_gui(lambda: [e.detail for e in _audit(inbox)])
    assert actions[-2:] == [{"status": "resolved"}, {"status": "open", "undo": True}]


def test_undoing_a_snooze_brings_back_the_earlier_snooze_time(qtbot, service, inbox) -> None:
    w, cid = _open_one(qtbot, service, inbox)
    before = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    off_gui(lambda: service.set_status(cid, ConversationStatus.SNOOZED, before))
    wait_ops(qtbot)
    _label, until = snooze_choices()[0]
    w.thread_pane.set_status(ConversationStatus.SNOOZED, until)
    wait_ops(qtbot)
    assert w.undo_bar.label.text().startswith("Snoozed until ")
    w.undo_bar.button.click()
    wait_ops(qtbot)
    back = inbox.summary(cid)
    assert back.status is ConversationStatus.SNOOZED and back.snoozed_until == before


def test_undo_leaves_a_conversation_that_moved_meanwhile(qtbot, service, inbox) -> None:
    w, cid = _open_one(qtbot, service, inbox)
    w.resolve()
    wait_ops(qtbot)
    inbox.set_fields(cid, status=ConversationStatus.PENDING.value)  # a colleague, another process
    w.undo()
    wait_ops(qtbot)
    assert inbox.summary(cid).status is ConversationStatus.PENDING
    assert w.statusBar().currentMessage() == "Not undone: the conversation changed meanwhile"


def test_the_offer_expires(qtbot, service, inbox) -> None:
    w, cid = _open_one(qtbot, service, inbox)
    w.resolve()
    wait_ops(qtbot)
    assert w.undo_bar.isVisible()
    w.undo_bar.timer.start(10)  # the few seconds, shortened
    qtbot.waitUntil(lambda: not w.undo_bar.isVisible(), timeout=2000)
    w.undo()
    wait_ops(qtbot)
    assert inbox.summary(cid).status is ConversationStatus.RESOLVED
    assert w.statusBar().currentMessage() == "Nothing to undo"


def test_reopen_is_not_offered_for_undo(qtbot, service, inbox) -> None:
    w, _cid = _open_one(qtbot, service, inbox, status=ConversationStatus.RESOLVED)
    w.thread_pane.set_status(ConversationStatus.OPEN)
    wait_ops(qtbot)
    assert not w.undo_bar.isVisible()


def _audit(inbox):
    from sqlalchemy import select

    from inbox.store.models import AuditEventRow

    with inbox.db.read() as s:
        return list(s.scalars(select(AuditEventRow).where(AuditEventRow.action == "status").order_by(AuditEventRow.id)))
