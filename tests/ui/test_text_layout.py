"""The bubble text layout shared by the conversation and the demo phone: wrapping and alignment."""

from __future__ import annotations

from PySide6.QtGui import QFont

from inbox.ui.text_layout import lay_out

ARABIC = "مرحبا، أين طلبي؟ لقد طلبته منذ أسبوع ولم يصل بعد، هل يمكنك المساعدة من فضلك"
ENGLISH = "Hello there, where is my parcel? I ordered it a week ago and it has not arrived"


def _lines(text: str, width: float, **kw: bool) -> list[tuple[float, float]]:
    layout, _natural = lay_out(text, QFont(), width, **kw)
    return [
        (layout.lineAt(i).naturalTextRect().left(), layout.lineAt(i).naturalTextRect().right())
        for i in range(layout.lineCount())
    ]


def test_long_text_wraps_within_the_width_and_reports_its_widest_line(qapp) -> None:
    layout, natural = lay_out(ENGLISH, QFont(), 120.0)
    assert layout.lineCount() > 2
    assert 0 < natural <= 120.0
    assert natural == max(layout.lineAt(i).naturalTextWidth() for i in range(layout.lineCount()))


def test_wrapped_right_to_left_lines_end_at_the_right_edge(qapp) -> None:
    lines = _lines(ARABIC, 150.0)
    assert len(lines) > 1
    assert all(abs(right - 150.0) <= 1.0 for _left, right in lines)
    assert all(left > 0 for left, _right in lines)  # each line is shorter than the width: a gap on the left


def test_left_to_right_lines_start_at_the_left_edge(qapp) -> None:
    assert all(left == 0 for left, _right in _lines(ENGLISH, 150.0))


def test_without_direction_alignment_every_line_starts_at_the_left(qapp) -> None:
    lines = _lines(ARABIC, 150.0, align_to_direction=False)
    assert len(lines) > 1
    assert all(left == 0 for left, _right in lines)
