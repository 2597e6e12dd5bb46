"""Where a companion window opens: beside the main window, on screen, never over its menu bar.

Why: the demo's Customer phone used to open wherever the window manager put it — over the inbox's
menu bar, hiding the very menus a first-time user reaches for. The rule is a pure function of three
rectangles, so it is tested without a screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize

GAP = 12


def beside(main: QRect, size: QSize, screen: QRect, clear_below: int) -> QRect:
    """The companion's frame: right of ``main`` if it fits on ``screen``, else left of it, else over
    the main window's right edge but below ``clear_below`` (the y where its menu bar ends), so the
    menus stay in reach. Always inside ``screen``; shortened if the screen is shorter than it."""
    w, h = min(size.width(), screen.width()), size.height()
    right, left = main.right() + 1 + GAP, main.left() - GAP - w
    floor = screen.top()  # the highest it may go
    if right + w <= screen.right() + 1:
        x, y = right, main.top()
    elif left >= screen.left():
        x, y = left, main.top()
    else:  # over the main window: its menu bar stays clear, whatever the height costs
        x, y = screen.right() + 1 - GAP - w, max(main.top(), clear_below + GAP)
        floor = max(floor, clear_below + GAP)
    x = max(screen.left(), min(x, screen.right() + 1 - w))
    y = max(floor, min(y, screen.bottom() + 1 - h))
    return QRect(x, y, w, min(h, screen.bottom() + 1 - y))
