"""Marks what the agent should look at before sending: characters that force UCS-2, and canned-reply
variables left unfilled ({first_name} with no name on file, or an unknown {order_id})."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from inbox.core.segments import GSM7_BASIC, GSM7_EXTENDED
from inbox.ui import theme
from inbox.ui.composer.canned import unfilled


class Ucs2Highlighter(QSyntaxHighlighter):
    """Underlines (wavy, warning colour) each UCS-2-forcing character, off in note mode; tints each
    unfilled ``{variable}`` in the danger colour (in notes too)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.enabled = True
        self.script = False  # the whole text is in a script that needs Unicode: mark nothing

    def set_script(self, script: bool) -> None:
        """A Hindi reply is Unicode by nature: underlining every letter warned about nothing."""
        if script != self.script:
            self.script = script
            self.rehighlight()

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self.enabled:
            self.enabled = enabled
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        t = theme.tokens()
        self._mark_unfilled(text, t)
        if not self.enabled or self.script:
            return
        fmt = QTextCharFormat()
        warn = QColor(t.warning)
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(warn)
        tint = QColor(warn)
        tint.setAlphaF(0.18)
        fmt.setBackground(tint)
        pos = 0  # QSyntaxHighlighter positions are UTF-16 units
        for ch in text:
            width = 2 if ord(ch) > 0xFFFF else 1
            if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
                self.setFormat(pos, width, fmt)
            pos += width

    def _mark_unfilled(self, text: str, t: theme.Tokens) -> None:
        spans = unfilled(text)
        if not spans:
            return
        fmt = QTextCharFormat()
        danger = QColor(t.danger)
        fmt.setForeground(danger)
        tint = QColor(danger)
        tint.setAlphaF(0.16)
        fmt.setBackground(tint)
        fmt.setFontWeight(600)
        for start, end, _name in spans:  # Python indices to UTF-16 positions
            u16_start = len(text[:start].encode("utf-16-le")) // 2
            u16_len = len(text[start:end].encode("utf-16-le")) // 2
            self.setFormat(u16_start, u16_len, fmt)
