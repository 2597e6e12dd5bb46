"""Geometry and painting of message bubbles.

Why: one painted delegate (not a widget per message) keeps long threads fast. Text is laid out with
``QTextLayout`` — plain text only, so customer-controlled markup is shown literally — with the
direction taken per bubble from its first strong character, so Arabic or Hebrew lines up right.
Explicit http(s) links (``inbox.core.links``) get an underline and a link colour through layout
formats; the text itself stays plain, and masked messages never have links.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
)

from inbox.core import attribution, links
from inbox.core.models import AuthorKind, Direction, Message, MessageStatus
from inbox.ui import humanize, icons, theme
from inbox.ui.text_layout import lay_out
from inbox.ui.thread.model import is_failed, shown_text

SIDE = 16  # margin to the pane edge
PAD_X, PAD_Y = 12, 8
RADIUS = 12
MAX_FRACTION = 0.65
META_H = 16
MARK = 14


@dataclass
class BubbleGeometry:
    """Everything a bubble needs to paint and hit-test, relative to the item's top-left."""

    height: float
    kind: str  # "in", "out", "auto", "note"
    day: str | None
    day_rect: QRectF | None
    bubble: QRectF
    header: str | None
    header_rect: QRectF | None
    text: QTextLayout
    text_origin: QPointF
    meta: str
    meta_rect: QRectF
    mark: str | None
    retry_rect: QRectF | None
    badge: str | None = None  # the header is a verification badge ("Code sent", "Code matched")
    links: tuple[TextLink, ...] = ()


@dataclass(frozen=True, slots=True)
class TextLink:
    """A link in a bubble's layout; ``start``/``end`` are UTF-16 positions, as ``QTextLayout`` counts."""

    start: int
    end: int
    url: str


def text_links(m: Message) -> tuple[TextLink, ...]:
    """The links an agent may click in a message: none in a masked one, whatever its body says."""
    if m.masked:
        return ()
    text = shown_text(m)
    return tuple(TextLink(_utf16(text, link.start), _utf16(text, link.end), link.url) for link in links.find(text))


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def link_colour(kind: str) -> QColor:
    """Links are accent-coloured, except where that would not read: on the accent-coloured agent
    bubble (or any background the accent does not stand out on) they take the bubble's text colour."""
    bg, fg = _colours(kind)[:2]
    accent = theme.tokens().color("accent")
    if kind == "out" or _contrast(accent, QColor(bg)) < 3.0:
        return QColor(fg)
    return accent


def _colours(kind: str) -> tuple[str, str, str | None]:
    t = theme.tokens()
    return {
        "in": (t.bubble_in, t.bubble_in_text, None),
        "out": (t.accent, t.accent_text, None),
        "auto": (t.surface, t.text, t.accent),
        "note": (t.note_bg, t.note_text, t.note_border),
    }[kind]


def _link_formats(found: tuple[TextLink, ...], kind: str) -> list[QTextLayout.FormatRange]:
    ranges = []
    for link in found:
        fmt = QTextCharFormat()
        fmt.setFontUnderline(True)
        fmt.setForeground(link_colour(kind))
        r = QTextLayout.FormatRange()
        r.start, r.length, r.format = link.start, link.end - link.start, fmt
        ranges.append(r)
    return ranges


def link_at(g: BubbleGeometry, local: QPointF) -> TextLink | None:
    """The link whose glyphs are under ``local`` (item coordinates), if any."""
    if not g.links:
        return None
    p = local - g.text_origin
    layout = g.text
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        if not line.rect().top() <= p.y() < line.rect().bottom():
            continue
        text_rect = line.naturalTextRect()
        if not text_rect.left() <= p.x() < text_rect.right():
            return None  # beside the text of this line
        pos = line.xToCursor(p.x(), QTextLine.CursorPosition.CursorOnCharacter)
        return next((link for link in g.links if link.start <= pos < link.end), None)
    return None


def link_rects(g: BubbleGeometry, link: TextLink) -> list[QRectF]:
    """Where a link's glyphs are painted, one rect per line it spans (item coordinates)."""
    rects = []
    layout = g.text
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        first, last = line.textStart(), line.textStart() + line.textLength()
        start, end = max(link.start, first), min(link.end, last)
        if start >= end:
            continue
        x1, x2 = line.cursorToX(start)[0], line.cursorToX(end)[0]
        r = QRectF(min(x1, x2), line.y(), abs(x2 - x1), line.height())
        rects.append(r.translated(g.text_origin))
    return rects


def cursor_at(g: BubbleGeometry, local: QPointF) -> int:
    """The text position (UTF-16, between characters) nearest to ``local`` (item coordinates):
    above the text is its start, below it its end, so a drag past the bubble selects to the edge."""
    layout = g.text
    p = local - g.text_origin
    count = layout.lineCount()
    if count == 0 or p.y() < 0:
        return 0
    for i in range(count):
        line = layout.lineAt(i)
        if p.y() < line.rect().bottom():
            return line.xToCursor(p.x(), QTextLine.CursorPosition.CursorBetweenCharacters)
    last = layout.lineAt(count - 1)
    return last.textStart() + last.textLength()  # UTF-16 units, like every position here


def on_text(g: BubbleGeometry, local: QPointF) -> bool:
    """Whether ``local`` is over the bubble's text block (where a press starts a text selection)."""
    box = g.text.boundingRect().translated(g.text_origin)
    return box.adjusted(-2, -2, 2, 2).contains(local)


def word_at(text: str, pos: int) -> tuple[int, int]:
    """The UTF-16 span of the word around ``pos`` in ``text`` (letters, digits, _ and # join: an
    order number like #4411 or a tracking code is one word)."""
    units = text.encode("utf-16-le")
    chars = [units[i : i + 2].decode("utf-16-le", "ignore") for i in range(0, len(units), 2)]

    def joins(i: int) -> bool:
        return 0 <= i < len(chars) and (chars[i].isalnum() or chars[i] in "_#-" or not chars[i])

    start, end = pos, pos
    if not joins(pos) and joins(pos - 1):
        start, end = pos - 1, pos - 1
    if not joins(start):
        return pos, pos
    while joins(start - 1):
        start -= 1
    while joins(end):
        end += 1
    return start, end


def utf16_slice(text: str, start: int, end: int) -> str:
    """``text`` between two ``QTextLayout`` positions (UTF-16 units, as Qt counts, not code points)."""
    lo, hi = sorted((start, end))
    return text.encode("utf-16-le")[2 * lo : 2 * hi].decode("utf-16-le", "ignore")


def can_retry(m: Message) -> bool:
    """A failed text of ours not yet retried (the provider's own replies are not ours to resend)."""
    return is_failed(m) and not m.retried and m.author_kind in (AuthorKind.AGENT, AuthorKind.AUTOMATION)


def kind_of(m: Message) -> str:
    if m.author_kind == AuthorKind.NOTE:
        return "note"
    if m.direction == Direction.INBOUND:
        return "in"
    if m.author_kind in (AuthorKind.AUTOMATION, AuthorKind.PROVIDER):
        return "auto"
    return "out"


def header_text(m: Message, badge: str | None = None) -> str | None:
    k = kind_of(m)
    if badge:
        return f"Verification · {badge}"
    if k == "note":
        who = f" · {m.author}" if m.author else ""
        return f"Note · only agents see this{who}"
    if m.author_kind == AuthorKind.AUTOMATION:
        return f"⚙ {m.author_label or attribution.label(m.author)}"
    if m.author_kind == AuthorKind.PROVIDER:
        # Not ours: the provider answered the customer itself (Twilio's STOP/START/HELP confirmations).
        return f"Sent by {m.author or 'the provider'} · automatic reply"
    return None


def delivery_mark(m: Message) -> str | None:
    """Icon name for an MT's delivery state (None for inbound and notes)."""
    if m.direction == Direction.INBOUND or m.author_kind == AuthorKind.NOTE:
        return None
    if is_failed(m):
        return "alert"
    if m.status == MessageStatus.DELIVERED:
        return "check-check"
    if m.status == MessageStatus.SENT:
        return "check"
    return "clock"


def delivery_word(m: Message) -> str:
    return {
        "alert": "Failed",
        "check-check": "Delivered",
        "check": "Sent",
        "clock": "Sending",
    }.get(delivery_mark(m) or "", "")


def meta_text(m: Message) -> str:
    k = kind_of(m)
    t = humanize.clock(m.created_at)
    if k == "in":
        return t
    if is_failed(m):
        # Retried once: its copy below carries on; no second Retry to click (no second copy).
        return f"{t} · Not delivered · retried" if m.retried else f"{t} · Not delivered — Retry"
    if k == "out" and m.author:
        return f"{m.author} · {t}"
    return t


class BubbleLayouter:
    """Computes (and caches) ``BubbleGeometry`` for a message at a given width."""

    def __init__(self, cache_size: int = 800) -> None:
        self._cache: OrderedDict[tuple, BubbleGeometry] = OrderedDict()
        self._cache_size = cache_size

    def clear(self) -> None:
        self._cache.clear()

    def geometry(
        self, m: Message, day: str | None, width: float, font: QFont, badge: str | None = None
    ) -> BubbleGeometry:
        key = (m, day, round(width), font.key(), badge)
        g = self._cache.get(key)
        if g is not None:
            self._cache.move_to_end(key)
            return g
        g = self._compute(m, day, width, font, badge)
        self._cache[key] = g
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return g

    def _compute(
        self, m: Message, day: str | None, width: float, font: QFont, badge: str | None = None
    ) -> BubbleGeometry:
        meta_font = theme.meta_font(font)
        mfm = QFontMetricsF(meta_font)
        k = kind_of(m)
        y = 4.0
        day_rect = None
        if day:
            day_rect = QRectF(0, 12, width, 24)
            y = 12 + 24 + 8
        avail = max(120.0, width - 2 * SIDE)
        max_w = avail if k == "note" else max(160.0, avail * MAX_FRACTION)
        inner_max = max_w - 2 * PAD_X

        text = shown_text(m)
        head = header_text(m, badge)
        hfm = QFontMetricsF(theme.semibold(meta_font))  # the header is painted semibold
        head_w = (math.ceil(hfm.horizontalAdvance(head)) + 2 + (MARK + 4 if badge else 0)) if head else 0.0
        found = text_links(m)
        formats = _link_formats(found, k)
        layout, natural = lay_out(text, font, inner_max, formats)
        inner_w = inner_max if k == "note" else min(inner_max, math.ceil(max(natural, head_w, 24.0)))
        if inner_w != inner_max:
            layout, _ = lay_out(text, font, inner_w, formats)
        text_h = layout.boundingRect().height()

        head_h = (META_H + 4) if head else 0
        bubble_w = inner_w + 2 * PAD_X
        bubble_h = PAD_Y + head_h + text_h + PAD_Y
        x = SIDE if k in ("in", "note") else width - SIDE - bubble_w
        bubble = QRectF(x, y, bubble_w, bubble_h)
        header_rect = QRectF(x + PAD_X, y + PAD_Y, inner_w, META_H) if head else None
        origin = QPointF(x + PAD_X, y + PAD_Y + head_h)

        meta = meta_text(m)
        mark = delivery_mark(m)
        meta_w = mfm.horizontalAdvance(meta) + (MARK + 4 if mark else 0)
        my = y + bubble_h + 2
        if k in ("in", "note"):
            meta_rect = QRectF(x + 4, my, meta_w, META_H)
        else:
            meta_rect = QRectF(x + bubble_w - 4 - meta_w, my, meta_w, META_H)
        retry_rect = meta_rect.adjusted(-4, -2, 4, 2) if can_retry(m) else None
        height = my + META_H + 6
        return BubbleGeometry(
            height,
            k,
            day,
            day_rect,
            bubble,
            head,
            header_rect,
            layout,
            origin,
            meta,
            meta_rect,
            mark,
            retry_rect,
            badge,
            found,
        )


def _selection_formats(span: tuple[int, int] | None, kind: str) -> list[QTextLayout.FormatRange]:
    """Selected text inverts its bubble: accent on white inside the agent's accent bubbles,
    white on accent everywhere else, so a selection reads in both schemes."""
    if span is None or span[0] == span[1]:
        return []
    t = theme.tokens()
    fmt = QTextCharFormat()
    bg, fg = (t.accent_text, t.accent) if kind == "out" else (t.accent, t.accent_text)
    fmt.setBackground(QColor(bg))
    fmt.setForeground(QColor(fg))
    r = QTextLayout.FormatRange()
    lo, hi = sorted(span)
    r.start, r.length, r.format = lo, hi - lo, fmt
    return [r]


def paint_bubble(
    painter: QPainter,
    g: BubbleGeometry,
    font: QFont,
    selected: bool,
    hover_retry: bool,
    text_selection: tuple[int, int] | None = None,
) -> None:
    """Paint one message at the painter's origin (the item's top-left); ``text_selection`` is a
    UTF-16 span of its text the agent has selected."""
    t = theme.tokens()
    meta_font = theme.meta_font(font)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

    if g.day and g.day_rect is not None:
        painter.setFont(theme.semibold(meta_font))
        w = QFontMetricsF(painter.font()).horizontalAdvance(g.day) + 24
        chip = QRectF(g.day_rect.center().x() - w / 2, g.day_rect.top(), w, g.day_rect.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(t.color("chip_bg"))
        painter.drawRoundedRect(chip, 12, 12)
        painter.setPen(t.color("muted"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, g.day)

    bg, fg, border = _colours(g.kind)
    if selected:
        ring = QPen(t.color("accent"), 2)
        painter.setPen(ring)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(g.bubble.adjusted(-3, -3, 3, 3), RADIUS + 3, RADIUS + 3)
    painter.setPen(QPen(QColor(border), 1) if border else Qt.PenStyle.NoPen)
    painter.setBrush(QColor(bg))
    painter.drawRoundedRect(g.bubble.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)

    if g.header and g.header_rect is not None:
        painter.setFont(theme.semibold(meta_font))
        rect = QRectF(g.header_rect)
        colour = t.color("note_text") if g.kind == "note" else t.color("muted")
        if g.badge:
            good = g.badge in ("Code sent", "Code matched")
            badge_col = t.success if g.badge == "Code matched" else (t.accent if good else t.danger)
            if g.kind == "in" or g.kind == "auto":
                colour = QColor(badge_col)
            icons.paint(painter, "shield-check", QRectF(rect.left(), rect.top() + 1, MARK, MARK), colour)
            rect.setLeft(rect.left() + MARK + 4)
        painter.setPen(colour)
        head = QFontMetricsF(painter.font()).elidedText(g.header, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, head)

    painter.setFont(font)
    painter.setPen(QColor(fg))
    g.text.draw(painter, g.text_origin, _selection_formats(text_selection, g.kind))

    failed = g.mark == "alert"
    painter.setFont(meta_font)
    # A failure already retried is history, not a call to act: its words go muted, the mark stays.
    colour = t.color("danger") if failed and g.retry_rect is not None else t.color("muted")
    painter.setPen(colour)
    r = g.meta_rect
    text_rect = QRectF(r.left(), r.top(), r.width() - (MARK + 4 if g.mark else 0), r.height())
    if failed and hover_retry:
        f = QFont(meta_font)
        f.setUnderline(True)
        painter.setFont(f)
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, g.meta)
    if g.mark:
        mark_col = t.danger if failed else (t.accent if g.mark == "check-check" else t.muted)
        icons.paint(painter, g.mark, QRectF(r.right() - MARK, r.top() + 1, MARK, MARK), mark_col)
