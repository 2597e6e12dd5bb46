"""Small painting primitives shared by the delegates (avatars, pills).

Why: the list row, the thread header and the contact panel all draw the same avatar circle, and
it must look identical everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

from inbox.ui import humanize, theme


def paint_avatar(painter: QPainter, rect: QRectF, name: str | None, number: str) -> None:
    """A filled circle coloured from the number, with white initials."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.avatar_colour(number))
    painter.drawEllipse(rect)
    f = QFont(painter.font())
    f.setPixelSize(max(9, round(rect.height() * 0.38)))
    f.setWeight(QFont.Weight.DemiBold)
    painter.setFont(f)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, humanize.initials(name, number))
    painter.restore()


def avatar_pixmap(size: int, name: str | None, number: str, dpr: float = 2.0) -> QPixmap:
    pm = QPixmap(round(size * dpr), round(size * dpr))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    paint_avatar(p, QRectF(0, 0, size, size), name, number)
    p.end()
    return pm


def paint_pill(painter: QPainter, rect: QRectF, text: str, bg: QColor, fg: QColor, font: QFont) -> None:
    """A rounded count pill (unread badge)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setFont(font)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
