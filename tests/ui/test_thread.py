"""Thread model paging, plain-text safety, masked codes, bubble geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel

from inbox.core.models import AuthorKind, MessageKind, MessageStatus
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.bubbles import BubbleLayouter, delivery_mark, meta_text
from inbox.ui.thread.model import PAGE_SIZE, BadgeRole, DayLabelRole, MessageRole, ThreadModel
from tests.ui.conftest import wait_ops

HOSTILE = "<b>x</b><img src=x>"


def _thread(inbox, n: int) -> int:
    cid = inbox.add_conversation("+14155550101", "Pat")
    base = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)
    for i in range(n):
        inbox.add_message(cid, f"m{i}", inbound=i % 2 == 0, at=base + timedelta(hours=i))
    return cid


def test_thread_pages_from_newest_backwards(qtbot, service, inbox):
    cid = _thread(inbox, 120)
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    assert model.rowCount() == PAGE_SIZE
    assert model.message(PAGE_SIZE - 1).body == "m119"
    assert model.has_older
    with qtbot.waitSignal(model.older_loaded):
        model.load_older()
    assert model.rowCount() == 2 * PAGE_SIZE
    assert model.message(0).body == "m20"
    calls = inbox.called("thread_page")
    assert calls[0] == (cid, None, PAGE_SIZE)
    assert calls[1][1] is not None  # asked for the page before the oldest id
    with qtbot.waitSignal(model.older_loaded):
        model.load_older()
    assert model.rowCount() == 120 and not model.has_older


def test_day_separators(qtbot, service, inbox):
    cid = _thread(inbox, 30)
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    labels = [model.index(r).data(DayLabelRole) for r in range(model.rowCount())]
    assert labels[0] == "Fri 1 Nov 2024" or labels[0].startswith("Fri 1 Nov")
    assert sum(1 for x in labels if x) == 2  # 1 and 2 Nov


def test_markup_is_shown_literally(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550102", HOSTILE)
    inbox.add_message(cid, HOSTILE)
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    w.list_pane.step(0)
    wait_ops(qtbot)
    model = w.thread_pane.model
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == HOSTILE
    assert w.thread_pane.header.name.text() == HOSTILE
    for label in w.findChildren(QLabel):
        if "<b>" in label.text() or "<img" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


def test_masked_message_never_shows_its_body(qtbot, service, inbox):
    cid = inbox.add_conversation("+14155550103", "Code")
    inbox.add_message(
        cid, "Your code is 123456", inbound=False, author_kind=AuthorKind.AUTOMATION, author="Verification", masked=True
    )
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    assert model.index(0).data() == "••••••"
    g = BubbleLayouter().geometry(model.index(0).data(MessageRole), None, 600, QFont())
    assert "123456" not in g.text.text()


def _code_answered(inbox, answer: str, kind: MessageKind | None) -> int:
    """A code we texted, the customer's masked reply, and the verification engine's answer to it."""
    cid = inbox.add_conversation("+14155550109", "Code")
    base = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    inbox.add_message(
        cid,
        "Your verification code is ••••••",
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="verification",
        masked=True,
        kind=MessageKind.CODE_SENT,
        at=base,
    )
    inbox.add_message(cid, "••••••", masked=True, at=base + timedelta(minutes=1))
    inbox.add_message(
        cid,
        answer,
        inbound=False,
        author_kind=AuthorKind.AUTOMATION,
        author="verification",
        kind=kind,
        at=base + timedelta(minutes=1, seconds=1),
    )
    return cid


def _badges(qtbot, service, cid: int) -> list[str | None]:
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    return [model.index(r).data(BadgeRole) for r in range(model.rowCount())]


def test_code_badge_follows_the_stored_verdict_when_the_answer_is_reworded(qtbot, service, inbox):
    """An agent's badge is the fact the verification engine stored, not the first words of the text:
    rewording the customer's message (here, a friendlier "verified") keeps "Code matched"."""
    cid = _code_answered(inbox, "Great, you're all set. Thanks for confirming!", MessageKind.CODE_MATCHED)
    assert _badges(qtbot, service, cid) == ["Code sent", "Code matched", None]


def test_code_badge_ignores_words_that_look_like_another_verdict(qtbot, service, inbox):
    cid = _code_answered(inbox, "Thank you, your identity is verified… not: wrong code", MessageKind.CODE_WRONG)
    assert _badges(qtbot, service, cid) == ["Code sent", "Wrong code", None]


def test_an_automatic_answer_without_a_verdict_leaves_the_code_received(qtbot, service, inbox):
    cid = _code_answered(inbox, "Thank you, your identity is verified.", None)  # a keyword rule, say
    assert _badges(qtbot, service, cid) == ["Code sent", "Code received", None]


def test_new_message_appends_without_reload(qtbot, service, inbox):
    cid = _thread(inbox, 3)
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    msg = inbox.receive(cid, "new one")
    with qtbot.waitSignal(model.messages_arrived) as sig:
        model.refresh({msg.id})
    assert [m.body for m in sig.args[0]] == ["new one"]
    assert model.rowCount() == 4 and resets == []


def test_bubble_geometry_rtl_and_width(qtbot, service, inbox):
    cid = inbox.add_conversation("+971501234567", "Layla")
    m = inbox.add_message(cid, "مرحبا، هل يمكنني تغيير موعد التسليم؟ " * 20)
    g = BubbleLayouter().geometry(m, "Today", 800, QFont())
    assert g.text.textOption().textDirection() == Qt.LayoutDirection.RightToLeft
    assert g.bubble.width() <= 0.65 * (800 - 32) + 1
    assert g.bubble.left() == 16  # customer: left
    long_word = inbox.add_message(cid, "x" * 500, inbound=False)
    g2 = BubbleLayouter().geometry(long_word, None, 800, QFont())
    assert g2.bubble.right() == 800 - 16  # agent: right
    assert g2.text.lineCount() > 1  # long words wrap


def test_delivery_marks_and_failed_meta(service, inbox):
    cid = inbox.add_conversation("+14155550104", "Marks")
    marks = {}
    for st in (MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED):
        marks[st] = delivery_mark(inbox.add_message(cid, "x", inbound=False, status=st))
    assert marks == {
        MessageStatus.QUEUED: "clock",
        MessageStatus.SENT: "check",
        MessageStatus.DELIVERED: "check-check",
        MessageStatus.FAILED: "alert",
    }
    failed = inbox.add_message(cid, "x", inbound=False, status=MessageStatus.FAILED, error_message="30007")
    assert meta_text(failed).endswith("Not delivered — Retry")


def test_automatic_messages_name_the_poll_rule_or_step_that_wrote_them(qtbot, service, inbox):
    from inbox.core.engagement import PollOption
    from inbox.store import polls
    from inbox.ui.thread.bubbles import header_text
    from tests.ui.conftest import off_gui

    def make_poll() -> int:
        with inbox.db.write() as s:
            options = [PollOption("A", "Pizza"), PollOption("B", "Burger")]
            return polls.create(
                s, channel_id=inbox.channel.id, question="Lunch: pizza or burger?", options=options,
                opens_at=datetime.now(UTC),
            ).id  # fmt: skip

    poll_id = off_gui(make_poll)
    cid = inbox.add_conversation("+14155550109", "Val")
    authors = (f"poll:{poll_id}", "rule:hours", "compliance:opt-out", "poll:999999")
    for n, author in enumerate(authors):
        inbox.add_message(
            cid, f"auto {n}", inbound=False, author_kind=AuthorKind.AUTOMATION, author=author,
            at=datetime(2024, 11, 1, 9, n, tzinfo=UTC),
        )  # fmt: skip
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    heads = [header_text(model.message(r)) for r in range(model.rowCount())]
    assert heads == [
        "⚙ Poll “Lunch: pizza or burger?”",
        "⚙ Rule “hours”",
        "⚙ Opt-out confirmation",
        "⚙ Poll 999999",  # deleted since: its number, not a raw key
    ]


def test_a_providers_reply_is_marked_as_sent_by_it_in_plain_text(qtbot, service, inbox):
    """Issue 15, item 2: what Twilio answered a STOP or HELP with shows in the thread as Twilio's."""
    cid = inbox.add_conversation("+14155550109", "Provider")
    inbox.add_message(cid, "HELP")
    reply = inbox.add_message(cid, HOSTILE, inbound=False, author_kind=AuthorKind.PROVIDER, author="Twilio")
    g = BubbleLayouter().geometry(reply, None, 800, QFont())
    assert g.header == "Sent by Twilio · automatic reply"
    assert g.text.text() == HOSTILE  # laid out as plain text, never parsed
    assert g.kind == "auto" and g.retry_rect is None
    model = ThreadModel(service)
    with qtbot.waitSignal(model.loaded):
        model.load(cid)
    assert [model.message(r).author_kind for r in range(model.rowCount())] == [AuthorKind.CUSTOMER, AuthorKind.PROVIDER]
