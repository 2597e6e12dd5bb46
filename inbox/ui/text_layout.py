"""Plain text laid out for painting inside a bubble: wrapped, in its own direction, never rich text.

Why one function: the conversation's bubbles and the demo phone's bubbles both size themselves to
the widest line of a message, then paint it with ``QTextLayout.draw``. Laying the text out the same
way in both keeps wrapping, right-to-left alignment and the measured width in agreement.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption

from inbox.ui import humanize


def lay_out(
    text: str,
    font: QFont,
    width: float,
    formats: list[QTextLayout.FormatRange] | None = None,
    *,
    align_to_direction: bool = True,
) -> tuple[QTextLayout, float]:
    """Lay out ``text`` in lines of ``width`` (with optional formats, e.g. links); returns the layout
    and its widest line.

    With ``align_to_direction`` right-to-left lines end at the right edge and left-to-right lines
    start at the left; without it every line starts at the left edge (Qt's default), which only
    shows when a right-to-left message wraps."""
    layout = QTextLayout(text, font)
    if formats:
        layout.setFormats(formats)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    direction = humanize.text_direction(text)
    option.setTextDirection(direction)
    if align_to_direction:
        ltr = direction == Qt.LayoutDirection.LeftToRight
        align = Qt.AlignmentFlag.AlignLeft if ltr else Qt.AlignmentFlag.AlignRight
        option.setAlignment(align | Qt.AlignmentFlag.AlignAbsolute)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)
    layout.beginLayout()
    y = 0.0
    natural = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
        natural = max(natural, line.naturalTextWidth())
    layout.endLayout()
    return layout, natural
