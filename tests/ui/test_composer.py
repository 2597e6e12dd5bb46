"""Composer: counter wording, Replace, opted-out block, flagged confirmation, SendRefused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from inbox.core.models import MessageStatus
from inbox.ui.composer.counter import counter_state
from inbox.ui.composer.widget import Composer
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import wait_ops


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 42, "42 / 160 · 1 segment · GSM-7"),
        ("", "0 / 160 · 1 segment · GSM-7"),
        ("x" * 161, "161 / 306 · 2 segments · GSM-7"),
        ("It’s here", "9 / 70 · UCS-2 · 1 segment — ’ forces Unicode"),
        ("It’s “here” " + "x" * 60, "72 / 134 · UCS-2 · 2 segments — ’ “ ” force Unicode"),
        ("ok 🎉", "5 / 70 · UCS-2 · 1 segment — 🎉 forces Unicode"),
        ("नमस्ते! आपका ऑर्डर कल पहुँच जाएगा। " * 3, "105 / 134 · Unicode · 2 segments"),
        ("मैं ठीक हूँ, it’s fine", "22 / 70 · Unicode · 1 segment"),
    ],
)
def test_counter_text(text, expected):
    assert counter_state(text).text == expected


def test_counter_offers_replace_only_when_it_helps():
    assert counter_state("It’s").replaceable
    assert not counter_state("ok 🎉").replaceable


def test_composer_live_counter_and_replace(qtbot):
    c = Composer()
    qtbot.addWidget(c)
    c.set_text("It’s fine")
    assert c.counter.text() == "9 / 70 · UCS-2 · 1 segment — ’ forces Unicode"
    assert not c.replace_button.isHidden()
    qtbot.mouseClick(c.replace_button, Qt.MouseButton.LeftButton)
    assert c.text() == "It's fine"
    assert c.counter.text() == "9 / 160 · 1 segment · GSM-7"
    assert c.replace_button.isHidden()


def _marked(c: Composer) -> int:
    """Characters the highlighter underlines (formats on the document's blocks)."""
    block, n = c.edit.document().begin(), 0
    while block.isValid():
        n += sum(r.length for r in block.layout().formats())
        block = block.next()
    return n


def test_a_hindi_reply_is_unicode_without_a_warning_but_a_stray_curly_quote_is_marked(qtbot):
    c = Composer()
    qtbot.addWidget(c)
    c.set_text("It’s fine")
    assert c.counter.property("role") == "warning" and _marked(c) == 1
    c.set_text("आपका ऑर्डर भेज दिया गया है")
    assert c.counter.text() == "26 / 70 · Unicode · 1 segment"
    assert c.counter.property("role") == "muted" and _marked(c) == 0 and c.replace_button.isHidden()
    c.set_text("It’s fine\nthanks")  # back to English on two lines: the quote is marked again
    assert c.counter.property("role") == "warning" and _marked(c) == 1


def test_enter_sends_shift_enter_newline(qtbot):
    c = Composer()
    qtbot.addWidget(c)
    c.show()
    c.set_text("hello")
    sent = []
    c.send_requested.connect(lambda body, note: sent.append((body, note)))
    qtbot.keyClick(c.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert c.text() == "hello\n" and sent == []
    qtbot.keyClick(c.edit, Qt.Key.Key_Return)
    assert sent == [("hello\n", False)]


def test_grows_to_six_lines(qtbot):
    c = Composer()
    qtbot.addWidget(c)
    c.resize(500, 200)
    c.show()
    h1 = c.edit.height()
    c.set_text("a\nb\nc")
    h3 = c.edit.height()
    c.set_text("\n".join("x" * 12))
    h12 = c.edit.height()
    c.set_text("\n".join("x" * 6))
    assert h1 < h3 < h12 == c.edit.height()


def _open(qtbot, service, name: str, **kw) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    row = next(r for r in range(w.list_pane.model.rowCount()) if w.list_pane.model.summary(r).contact_name == name)
    w.list_pane.step(row)
    wait_ops(qtbot)
    return w


def test_opted_out_composer_is_disabled_with_reason(qtbot, service, inbox):
    cid = inbox.add_conversation("+13125550142", "Greg")
    inbox.add_message(cid, "STOP")
    inbox.set_opted_out(cid, datetime(2024, 11, 24, 15, 0, tzinfo=UTC), "STOP")
    w = _open(qtbot, service, "Greg")
    comp = w.thread_pane.composer
    assert comp.blocked_reason == "Can't send: this customer opted out on 24 Nov (STOP)"
    assert comp.banner.text() == comp.blocked_reason and not comp.banner.isHidden()
    assert not comp.send_button.isEnabled() and not comp.edit.isEnabled()
    comp.set_note_mode(True)  # notes stay possible
    assert comp.edit.isEnabled()


def test_flagged_conversation_asks_before_sending(qtbot, service, inbox):
    cid = inbox.add_conversation("+16465550111", "Priya", flagged=True)
    inbox.add_message(cid, "please don't text me anymore")
    w = _open(qtbot, service, "Priya")
    asked = []
    w.thread_pane.confirm = lambda _p, title, _t: asked.append(title) or False
    comp = w.thread_pane.composer
    comp.set_text("Sorry to bother you")
    comp.submit()
    wait_ops(qtbot)
    assert asked and not inbox.called("send_reply")
    w.thread_pane.confirm = lambda *_a: True
    comp.submit()
    wait_ops(qtbot)
    assert inbox.called("send_reply") == [(cid, "Sorry to bother you")]
    assert comp.text() == ""


def test_send_refused_is_shown_inline(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550177", "Refused")
    inbox.add_message(cid, "hi")
    w = _open(qtbot, service, "Refused")
    inbox.set_opted_out(cid, datetime.now(UTC))  # opted out after the pane opened
    comp = w.thread_pane.composer
    comp.set_text("hello")
    comp.submit()
    wait_ops(qtbot)
    assert comp.error.text().startswith("Can't send: this customer opted out")
    assert not comp.error.isHidden()
    assert comp.text() == "hello"  # nothing lost


def test_note_mode_calls_add_note(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550178", "Noted")
    inbox.add_message(cid, "hi")
    w = _open(qtbot, service, "Noted")
    w.note_mode()
    comp = w.thread_pane.composer
    comp.set_text("called them")
    comp.submit()
    wait_ops(qtbot)
    assert inbox.called("add_note") == [(cid, "called them")]
    assert not inbox.called("send_reply")
    assert w.thread_pane.model.message(w.thread_pane.model.rowCount() - 1).body == "called them"


def test_retry_failed_message(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550179", "Retry")
    m = inbox.add_message(cid, "x", inbound=False, status=MessageStatus.FAILED, error_message="Carrier")
    w = _open(qtbot, service, "Retry")
    assert w.thread_pane.model.index(0).data(Qt.ItemDataRole.ToolTipRole) == "Carrier"
    menu = w.thread_pane.view.build_menu(m)
    retry = next(a for a in menu.actions() if a.text() == "Retry sending")
    retry.trigger()
    wait_ops(qtbot)
    assert inbox.called("retry") == [(m.id,)]


def test_retry_sends_one_copy_and_takes_the_originals_retry_away(qtbot, service, inbox):
    """Issue 15, item 4: after Retry the original no longer offers Retry, here and on another
    desktop; clicking again while it is on its way does nothing."""
    from inbox.ui.thread.bubbles import BubbleLayouter, meta_text
    from inbox.ui.thread.model import ThreadModel

    cid = inbox.add_conversation("+14155550180", "Twice")
    m = inbox.add_message(cid, "x", inbound=False, status=MessageStatus.FAILED, error_message="Carrier")
    other = ThreadModel(service)  # another desktop's thread, loaded before the Retry
    with qtbot.waitSignal(other.loaded):
        other.load(cid)
    w = _open(qtbot, service, "Twice")
    pane = w.thread_pane
    pane.retry(m)
    pane.retry(m)  # a second click before the first came back
    wait_ops(qtbot)
    assert inbox.called("retry") == [(m.id,)]
    model = pane.model
    original, copy = model.message(0), model.message(1)
    assert original.retried and copy.retry_of_id == m.id
    assert meta_text(original).endswith("Not delivered · retried")
    assert BubbleLayouter().geometry(original, None, 800, pane.view.font()).retry_rect is None
    assert "Retry sending" not in [a.text() for a in pane.view.build_menu(original).actions()]
    # The other desktop hears of the copy (the change feed brings new messages): its Retry goes too.
    other.apply_messages([copy])
    assert other.message(0).retried
    # An old view of the message still offering Retry: the service refuses, nothing more is sent.
    pane.retry(m)
    wait_ops(qtbot)
    assert pane.composer.error.text().startswith("Already retried")
    assert [r.id for r in (model.message(i) for i in range(model.rowCount()))] == [m.id, copy.id]


def test_a_flagged_possible_opt_out_can_be_opted_out_from_the_flag_bar(qtbot, service, inbox):
    """Issue 15, item 3: beside "Clear flag", "Opt out" — confirmed, then recorded as this agent's."""
    cid = inbox.add_conversation("+16465550112", "Lena", flagged=True)
    inbox.add_message(cid, "please stop texting me about the sale")
    w = _open(qtbot, service, "Lena")
    header = w.thread_pane.header
    assert not header.opt_out_button.isHidden() and not header.flag_button.isHidden()
    assert header.opt_out_button.accessibleName() == "Opt this customer out"
    asked = []
    w.thread_pane.confirm = lambda _p, title, text: asked.append((title, text)) or False
    header.opt_out_button.click()
    wait_ops(qtbot)
    assert asked[0][0] == "Opt this customer out?" and f"opted out by {service.agent}" in asked[0][1]
    assert not inbox.called("opt_out")  # cancelled: nothing recorded
    w.thread_pane.confirm = lambda *_a: True
    header.opt_out_button.click()
    wait_ops(qtbot)
    assert inbox.called("opt_out") == [(cid,)]
    qtbot.waitUntil(lambda: not header.opted_out_chip.isHidden(), timeout=5000)
    assert header.opt_out_button.isHidden() and header.flag_button.isHidden()
    comp = w.thread_pane.composer
    assert comp.blocked_reason.endswith("(recorded by an agent)")
