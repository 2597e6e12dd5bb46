"""Nothing jumps in the list pane: fixed pane widths, a header that fits itself, rows that hold
still under the pointer (issue 15, items 11 and 12)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtGui import QFont, QFontMetrics

from inbox.core.models import ConversationStatus
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.header import fit_parts
from tests.ui.conftest import wait_ops


def _window(qtbot, service, width: int = 1024, height: int = 700) -> MainWindow:
    w = MainWindow(service)
    qtbot.addWidget(w)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    wait_ops(qtbot)
    return w


@pytest.mark.parametrize("width", [1024, 1440])
def test_pane_widths_hold_whatever_conversation_is_open(qtbot, service, inbox, width):
    inbox.add_conversation("+14155550101", "Bartholomew Fitzgerald-Montgomery", assignee="Alexandria-Jane")
    inbox.add_conversation("+33612345678", "Priya", flagged=True)
    inbox.add_conversation("+14155550103", None, status=ConversationStatus.PENDING, assignee="Dana")
    gone = inbox.add_conversation("+14155550104", "Greg")
    inbox.set_opted_out(gone, datetime.now(UTC))
    w = _window(qtbot, service, width, 900 if width == 1440 else 700)
    w.list_pane.set_view("all")
    wait_ops(qtbot)
    sizes = []
    for _ in range(w.list_pane.model.rowCount()):
        w.list_pane.step(1)
        wait_ops(qtbot)
        qtbot.wait(10)
        sizes.append(tuple(w.splitter.sizes()))
    assert len(set(sizes)) == 1, sizes
    assert sizes[0][0] == 320


def test_the_assignee_stays_readable_in_a_narrow_header(qtbot, service, inbox):
    cid = inbox.add_conversation(
        "+4915123456789", "Bartholomew Fitzgerald-Montgomery", inbox.add_channel("support-germany-weekend", "+4930"),
        assignee="Alexandria",
    )  # fmt: skip
    w = _window(qtbot, service)
    w.list_pane.select_id(cid)
    wait_ops(qtbot)
    header = w.thread_pane.header
    assert header.width() < 560  # the compact header of a 1024 px window
    shown = header.sub.shown_text()
    assert shown.endswith("Assigned to Alexandria"), shown
    assert header.sub.text() == "+49 1512 3456789 · support-germany-weekend · Assigned to Alexandria"
    assert header.labels_action.isVisible() and not header.labels_button.isVisible()


def test_fit_parts_gives_up_the_least_important_part_first():
    fm = QFontMetrics(QFont())
    parts = [("+1 415-555-0123", 2), ("support", 1), ("Assigned to Dana", 4)]
    full = "+1 415-555-0123 · support · Assigned to Dana"
    assert fit_parts(parts, fm.horizontalAdvance(full), fm) == full
    tighter = fit_parts(parts, fm.horizontalAdvance(full) - 6, fm)
    assert tighter.startswith("+1 415-555-0123 · ") and tighter.endswith(" · Assigned to Dana") and "…" in tighter
    narrow = fit_parts(parts, fm.horizontalAdvance("+1 41… · Assigned to Dana"), fm)
    assert narrow.endswith("Assigned to Dana") and "support" not in narrow
    assert fit_parts(parts, fm.horizontalAdvance("Assigned to Dana"), fm) == "Assigned to Dana"
    assert fit_parts(parts, fm.horizontalAdvance("Assigned…"), fm).startswith("Assign")
