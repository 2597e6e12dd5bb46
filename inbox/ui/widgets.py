"""Tiny generic widgets the feature panes share."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def plain_label(text: str = "", role: str = "", parent: QWidget | None = None) -> QLabel:
    """A wrapping label that never interprets its text as rich text (names and bodies are untrusted);
    ``role`` ("muted", "danger", …) picks its colour from the app stylesheet."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    return label


class ElidedLabel(QWidget):
    """One line of plain text, elided at the right when space runs out (QLabel cannot elide).

    Painting with ``drawText`` keeps untrusted text (names) plain: no rich-text interpretation.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, role: str = "") -> None:
        super().__init__(parent)
        self._text = text
        self.role = role
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self._text = text
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        return QSize(min(fm.horizontalAdvance(self._text), 400), fm.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(24, QFontMetrics(self.font()).height())

    def paintEvent(self, _e: QPaintEvent) -> None:
        from inbox.ui import theme

        p = QPainter(self)
        t = theme.tokens()
        p.setPen(t.color(self.role) if self.role in ("muted", "accent") else t.color("text"))
        fm = QFontMetrics(self.font())
        text = fm.elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()


class EllipsisLabel(QLabel):
    """A plain-text QLabel that elides at the right rather than ask its layout for its whole width
    (the composer's counter line pushed the pane splitter); the stylesheet still colours it by
    role, and the tooltip holds the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(24, super().minimumSizeHint().height())

    def paintEvent(self, _e: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.style().drawItemText(p, rect, align, self.palette(), self.isEnabled(), shown, self.foregroundRole())
        p.end()
