"""Paints one conversation row: avatar, name, time, preview, markers, unread pill.

Why: a painted row keeps 1,000s of rows cheap and uniform (``setUniformItemSizes``); everything is
drawn with ``drawText`` so customer-controlled names and previews are always plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from inbox.core.models import ConversationSummary
from inbox.core.presence import Here
from inbox.ui import humanize, icons, theme
from inbox.ui.conversations.model import PreviewRole, SummaryRole
from inbox.ui.painting import paint_avatar, paint_pill
from inbox.ui.presence import here_line

ROW_HEIGHT = 64
PAD = 12
AVATAR = 32
MARKER = 14


def markers(s: ConversationSummary, me: str = "") -> list[tuple[str, str, str]]:
    """(icon, colour token, tooltip) for each marker the row shows to agent `me`."""
    out = []
    if me and s.mentions_unseen_by(me):
        out.append(("note", "accent", "A note here mentions you"))
    if s.opted_out:
        out.append(("ban", "danger", "Opted out"))
    if s.flagged:
        out.append(("flag", "warning", "Flagged: may be asking to opt out"))
    if s.failed_delivery:
        out.append(("alert", "danger", "Last reply failed"))
    if s.verified:
        out.append(("shield-check", "success", "Verified"))
    return out


def presence_marker(here: Here | None) -> list[tuple[str, str, str]]:
    """The row's marker for colleagues in the conversation: a pencil while one types, else an eye."""
    if here is None or not here.anyone:
        return []
    return [("pencil" if here.typing else "eye", "accent", here_line(here))]


class ConversationRowDelegate(QStyledItemDelegate):
    """Two-line row, 64 px high, on the 4 px grid. `here`: who else is in which conversation;
    `me`: the agent looking (a row with a note mentioning them says so)."""

    here: dict[int, Here] = {}
    me: str = ""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(280, ROW_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        s: ConversationSummary | None = index.data(SummaryRole)
        if s is None:
            return
        t = theme.tokens()
        r = QRectF(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        bg = r.adjusted(4, 2, -4, -2)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.color("accent"))
            painter.drawRoundedRect(bg, 8, 8)
        elif hover:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.color("hover"))
            painter.drawRoundedRect(bg, 8, 8)

        fg = t.color("accent_text") if selected else t.color("text")
        muted = t.color("accent_text") if selected else t.color("muted")
        if selected:
            muted.setAlphaF(0.82)

        paint_avatar(
            painter,
            QRectF(r.left() + PAD, r.top() + (ROW_HEIGHT - AVATAR) / 2, AVATAR, AVATAR),
            s.contact_name,
            s.contact_phone,
        )

        left = r.left() + PAD + AVATAR + PAD
        right = r.right() - PAD
        unread = s.unread_count > 0

        base = QFont(option.font)
        name_font = QFont(base)
        name_font.setWeight(QFont.Weight.Bold if unread else QFont.Weight.DemiBold)
        meta_font = theme.meta_font(base)
        body_font = QFont(base)

        # line 1: name · markers ........ time
        line1 = QRectF(left, r.top() + 12, right - left, 20)
        time_text = humanize.relative_time(s.last_activity_at)
        painter.setFont(meta_font)
        tw = QFontMetricsF(meta_font).horizontalAdvance(time_text)
        painter.setPen(t.color("accent") if unread and not selected else muted)
        painter.drawText(
            QRectF(right - tw, line1.top(), tw, line1.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            time_text,
        )

        marks = markers(s, self.me) + presence_marker(self.here.get(s.id))
        marks_w = len(marks) * (MARKER + 4)
        name_room = max(0.0, line1.width() - tw - 8 - marks_w)
        painter.setFont(name_font)
        fm = QFontMetricsF(name_font)
        name = fm.elidedText(humanize.contact_title(s), Qt.TextElideMode.ElideRight, name_room)
        painter.setPen(fg)
        painter.drawText(
            QRectF(left, line1.top(), name_room, line1.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            name,
        )
        x = left + fm.horizontalAdvance(name) + 6
        for icon_name, colour, _tip in marks:
            col = t.accent_text if selected else getattr(t, colour)
            icons.paint(painter, icon_name, QRectF(x, line1.center().y() - MARKER / 2, MARKER, MARKER), col)
            x += MARKER + 4

        # line 2: preview ........ unread pill
        line2 = QRectF(left, r.top() + 34, right - left, 18)
        pill_w = 0.0
        if unread:
            count = str(s.unread_count) if s.unread_count < 100 else "99+"
            pfont = theme.semibold(meta_font)
            pill_w = max(20.0, QFontMetricsF(pfont).horizontalAdvance(count) + 12)
            pill = QRectF(right - pill_w, line2.center().y() - 9, pill_w, 18)
            paint_pill(
                painter,
                pill,
                count,
                t.color("accent_text") if selected else t.color("accent"),
                t.color("accent") if selected else t.color("accent_text"),
                pfont,
            )
        preview = index.data(PreviewRole) or "No messages yet"
        painter.setFont(body_font)
        room = line2.width() - (pill_w + 8 if pill_w else 0)
        preview = QFontMetricsF(body_font).elidedText(preview, Qt.TextElideMode.ElideRight, room)
        painter.setPen(fg if unread else muted)
        painter.drawText(
            QRectF(left, line2.top(), room, line2.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            preview,
        )
        painter.restore()
