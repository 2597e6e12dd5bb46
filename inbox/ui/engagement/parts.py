"""The Engagement window's building blocks: painted two-line lists, cards, stat tiles, share bars.

Why painted rows: the conversation list sets the app's look (two lines, a chip on the right, muted
meta), and polls, contests and broadcasts should read the same way rather than as a spreadsheet.
Every colour comes from ``theme.tokens()`` at paint time, so light/dark flips need no rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.ui import theme
from inbox.ui.cards import CardGrid, FigureCard

ROW_HEIGHT = 60
ROW_HEIGHT_PROGRESS = 72
# Option / series colours after the accent: readable on both schemes, distinct from red/amber states.
SERIES_LIGHT = ("#2f6bde", "#2f9e9e", "#7b6fe0", "#e39b3b", "#c25fb0", "#4fa86b", "#e06c5a", "#c9a227")
SERIES_DARK = ("#4d8dff", "#45c1b9", "#9b8ff0", "#f0b44c", "#dd7fcb", "#6cc48a", "#f08a79", "#dcbc4a")


def series_colour(i: int) -> QColor:
    palette = SERIES_DARK if theme.tokens().dark else SERIES_LIGHT
    return QColor(palette[i % len(palette)])


def stylesheet(t: theme.Tokens) -> str:
    """Cards, stat tiles, tables and the page header: only what the app QSS does not cover."""
    return f"""
QWidget#engagementRoot {{ background: {t.window}; }}
QWidget#engagementHeader {{ background: {t.surface}; border-bottom: 1px solid {t.border}; }}
QWidget#masterPane {{ background: {t.surface}; border-right: 1px solid {t.border}; }}
QWidget#masterHeader {{ background: {t.surface}; border-bottom: 1px solid {t.border}; }}
QScrollArea#detailScroll, QWidget#detailBody {{ background: {t.window}; border: none; }}
QFrame#card {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
QFrame#card QLabel {{ background: transparent; border: none; }}
QLabel#cardTitle {{ color: {t.muted}; }}
QLabel#cardValue {{ color: {t.text}; }}
QLabel#cardSub {{ color: {t.muted}; }}
QLabel#cardSub[tone="danger"] {{ color: {t.danger}; }}
QLabel#cardSub[tone="warning"] {{ color: {t.warning}; }}
QLabel#cardSub[tone="success"] {{ color: {t.success}; }}
QLabel#pageTitle {{ color: {t.text}; }}
QLabel#seed {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 6px;
    padding: 6px 8px; color: {t.text}; }}
QLabel[role="chip"][tone="success"] {{ background: transparent; color: {t.success}; border: 1px solid {t.success}; }}
QLabel[role="chip"][tone="warning"] {{ background: transparent; color: {t.warning}; border: 1px solid {t.warning}; }}
QTableWidget {{ background: {t.surface}; border: none; gridline-color: transparent;
    selection-background-color: {t.accent_soft}; selection-color: {t.text}; }}
QTableWidget::item {{ border-bottom: 1px solid {t.border}; padding: 0 8px; }}
QHeaderView::section {{ background: {t.surface}; color: {t.muted}; border: none;
    border-bottom: 1px solid {t.border}; padding: 6px 8px; font-weight: 600; }}
QListWidget#rowList {{ background: {t.surface}; border: none; outline: none; }}
QPushButton#danger {{ color: {t.danger}; }}
QPushButton#danger:disabled, QPushButton:disabled {{ color: {t.muted}; }}
QPlainTextEdit#broadcastBody {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 8px;
    padding: 4px 6px; }}
QPlainTextEdit#broadcastBody:focus {{ border-color: {t.accent}; }}
QFrame#previewBox {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 8px; }}
QFrame#previewBox QLabel {{ background: transparent; }}
"""


class StatCard(FigureCard):
    """One number with a caption under it: "VOTES" / "1,284" / "412 in the last hour"."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent, spacing=2, size_step=7)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def describe(self, value: str, sub: str) -> None:
        self.setAccessibleName(f"{self.title.text()}: {value} {sub}".strip())


def chip(text: str = "", tone: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    set_chip(label, text, tone)
    return label


def set_chip(label: QLabel, text: str, tone: str = "") -> None:
    label.setText(text)
    label.setProperty("role", "chip")
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


def muted(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty("role", "muted")
    return label


@dataclass
class Heading:
    """The top of a detail pane: a large title, a row of chips and a muted line under them."""

    layout: QVBoxLayout
    title: QLabel
    chips: list[QLabel]
    note: QLabel


def heading(parent: QWidget, chip_count: int) -> Heading:
    layout = QVBoxLayout()
    layout.setSpacing(6)
    title = QLabel("", parent)
    title.setObjectName("pageTitle")
    title.setWordWrap(True)
    title.setTextFormat(Qt.TextFormat.PlainText)
    font = theme.semibold(QFont(parent.font()))
    font.setPointSizeF(parent.font().pointSizeF() + 4)
    title.setFont(font)
    layout.addWidget(title)
    row = QHBoxLayout()
    row.setSpacing(6)
    chips = [chip("", "", parent) for _ in range(chip_count)]
    for c in chips:
        row.addWidget(c)
    row.addStretch(1)
    layout.addLayout(row)
    note = muted("", parent)
    note.setWordWrap(True)
    layout.addWidget(note)
    return Heading(layout, title, chips, note)


class CardRow(CardGrid):
    """Cards side by side that wrap onto more rows, evened out, when the pane is narrow (1024 px
    windows).

    Its minimum width is one card's, so it never forces the detail pane wider than the window;
    the column count follows the width it is given.
    """

    def __init__(self, cards: list[QWidget], min_width: int = 180, parent: QWidget | None = None) -> None:
        super().__init__(cards, min_width, parent, balance=True)
        for c in self.cards:
            c.setParent(self)
            c.setMinimumWidth(0)
        self.place(len(self.cards))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.min_width, hint.height())


# -- the two-line list ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Row:
    """One list row: title and chip on line 1, meta on line 2, an optional progress bar under it."""

    key: int
    title: str
    meta: str
    chip: str = ""
    tone: str = ""  # "open" (accent), "success", "warning", "danger", "" (neutral)
    progress: float | None = None
    progress_tone: str = ""


ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class RowDelegate(QStyledItemDelegate):
    """Paints a ``Row``: text is drawn plain (``drawText``), never as rich text."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        row = index.data(ROW_ROLE)
        h = ROW_HEIGHT_PROGRESS if isinstance(row, Row) and row.progress is not None else ROW_HEIGHT
        return QSize(option.rect.width(), h)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, Row):
            return
        t = theme.tokens()
        r = QRectF(option.rect)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            p.fillRect(r, t.color("accent_soft"))
            p.fillRect(QRectF(r.left(), r.top(), 3, r.height()), t.color("accent"))
        elif hovered:
            p.fillRect(r, t.color("hover"))
        p.setPen(t.color("border"))
        p.drawLine(r.bottomLeft() + _pt(16, 0), r.bottomRight())
        base = QFont(option.font)
        title_font = theme.semibold(base)
        meta_font = theme.meta_font(base)
        left, right = r.left() + 16, r.right() - 16
        # chip on the right of line 1
        chip_w = 0.0
        if row.chip:
            cf = theme.semibold(meta_font)
            fm = QFontMetrics(cf)
            chip_w = fm.horizontalAdvance(row.chip) + 16
            chip_rect = QRectF(right - chip_w, r.top() + 11, chip_w, fm.height() + 4)
            fg, bg, outline = _tone_colours(t, row.tone)
            p.setPen(outline if outline is not None else Qt.PenStyle.NoPen)
            p.setBrush(bg)
            p.drawRoundedRect(chip_rect.adjusted(0.5, 0.5, -0.5, -0.5), chip_rect.height() / 2, chip_rect.height() / 2)
            p.setFont(cf)
            p.setPen(fg)
            p.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, row.chip)
        p.setFont(title_font)
        p.setPen(t.color("text"))
        fm = QFontMetrics(title_font)
        title_rect = QRectF(left, r.top() + 10, right - left - chip_w - 8, fm.height() + 2)
        p.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(row.title, Qt.TextElideMode.ElideRight, int(title_rect.width())),
        )
        p.setFont(meta_font)
        p.setPen(t.color("muted"))
        mfm = QFontMetrics(meta_font)
        meta_rect = QRectF(left, title_rect.bottom() + 3, right - left, mfm.height() + 2)
        p.drawText(
            meta_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            mfm.elidedText(row.meta, Qt.TextElideMode.ElideRight, int(meta_rect.width())),
        )
        if row.progress is not None:
            track = QRectF(left, meta_rect.bottom() + 7, right - left, 4)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(t.color("chip_bg"))
            p.drawRoundedRect(track, 2, 2)
            fill = QRectF(track)
            fill.setWidth(max(0.0, min(1.0, row.progress)) * track.width())
            if fill.width() > 0:
                p.setBrush(t.color(row.progress_tone or "accent"))
                p.drawRoundedRect(fill, 2, 2)
        p.restore()


def _pt(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def _tone_colours(t: theme.Tokens, tone: str) -> tuple[QColor, QColor, QColor | None]:
    """(text, fill, outline) of a chip."""
    if tone == "open":
        return t.color("accent"), t.color("accent_soft"), None
    if tone in ("success", "warning", "danger"):
        c = t.color(tone)
        fill = QColor(c)
        fill.setAlpha(28)
        return c, fill, None
    return t.color("muted"), t.color("chip_bg"), None


class RowList(QListWidget):
    """A list of ``Row``s that keeps the selection by key across reloads."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rowList")
        self.setItemDelegate(RowDelegate(self))
        self.setMouseTracking(True)
        self.setUniformItemSizes(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def set_rows(self, rows: list[Row]) -> None:
        keep = self.current_key()
        self.blockSignals(True)
        self.clear()
        for row in rows:
            item = QListWidgetItem()
            item.setData(ROW_ROLE, row)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{row.title}, {row.chip}, {row.meta}")
            item.setSizeHint(QSize(0, ROW_HEIGHT_PROGRESS if row.progress is not None else ROW_HEIGHT))
            self.addItem(item)
        self.blockSignals(False)
        target = next((i for i, r in enumerate(rows) if r.key == keep), 0 if rows else -1)
        if target >= 0:
            self.setCurrentRow(target)

    def current_key(self) -> int | None:
        item = self.currentItem()
        row = item.data(ROW_ROLE) if item is not None else None
        return row.key if isinstance(row, Row) else None

    def select_key(self, key: int) -> bool:
        for i in range(self.count()):
            row = self.item(i).data(ROW_ROLE)
            if isinstance(row, Row) and row.key == key:
                self.setCurrentRow(i)
                return True
        return False

    def rows(self) -> list[Row]:
        return [self.item(i).data(ROW_ROLE) for i in range(self.count())]


# -- share bars ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Share:
    key: str
    label: str
    votes: int
    share: float


class ShareBars(QWidget):
    """Poll results as rows: key badge, label, count and percentage, and a bar of the share."""

    LINE = 52

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shares: list[Share] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_shares(self, shares: list[Share]) -> None:
        self._shares = shares
        self.setAccessibleName("; ".join(f"{s.label}: {s.votes} votes, {s.share:.0%}" for s in shares))
        self.updateGeometry()
        self.update()

    def shares(self) -> list[Share]:
        return list(self._shares)

    def sizeHint(self) -> QSize:
        return QSize(320, max(1, len(self._shares)) * self.LINE)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, max(1, len(self._shares)) * self.LINE)

    def paintEvent(self, _e: QPaintEvent) -> None:
        t = theme.tokens()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(self.font())
        bold = theme.semibold(base)
        meta = theme.meta_font(base)
        fm, bfm = QFontMetrics(base), QFontMetrics(bold)
        leader = max((s.votes for s in self._shares), default=0)
        w = float(self.width())
        for i, s in enumerate(self._shares):
            top = i * self.LINE + 4
            colour = series_colour(i)
            badge = QRectF(0, top, 24, 24)
            p.setPen(Qt.PenStyle.NoPen)
            soft = QColor(colour)
            soft.setAlpha(36)
            p.setBrush(soft)
            p.drawRoundedRect(badge, 6, 6)
            p.setFont(theme.semibold(meta))
            p.setPen(colour)
            p.drawText(
                badge,
                Qt.AlignmentFlag.AlignCenter,
                QFontMetrics(meta).elidedText(s.key, Qt.TextElideMode.ElideRight, 22),
            )
            right_text = f"{s.votes:,}  ·  {s.share:.1%}"
            rw = bfm.horizontalAdvance(right_text) + 2
            p.setFont(bold if s.votes == leader and leader > 0 else base)
            p.setPen(t.color("text"))
            label_rect = QRectF(34, top, w - 34 - rw - 12, 24)
            p.drawText(
                label_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(s.label, Qt.TextElideMode.ElideRight, int(label_rect.width())),
            )
            p.setFont(bold)
            p.drawText(
                QRectF(w - rw, top, rw, 24), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right_text
            )
            track = QRectF(34, top + 30, w - 34, 8)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(t.color("chip_bg"))
            p.drawRoundedRect(track, 4, 4)
            if s.share > 0:
                fill = QRectF(track)
                fill.setWidth(max(8.0, track.width() * s.share))
                p.setBrush(colour)
                p.drawRoundedRect(fill, 4, 4)
        p.end()


# -- tables --------------------------------------------------------------------------------------
def table(columns: list[str], parent: QWidget | None = None, stretch: int | None = None) -> QTableWidget:
    """A read-only, row-selecting table styled like the lists (no grid, muted header)."""
    tw = QTableWidget(0, len(columns), parent)
    tw.setHorizontalHeaderLabels(columns)
    tw.verticalHeader().setVisible(False)
    tw.verticalHeader().setDefaultSectionSize(34)
    tw.setShowGrid(False)
    tw.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tw.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tw.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tw.setFrameShape(QFrame.Shape.NoFrame)
    tw.setWordWrap(False)
    tw.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = tw.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return tw


def fill_table(tw: QTableWidget, rows: list[tuple], numeric: set[int] | None = None) -> None:
    """Replace the rows; numeric columns are right-aligned."""
    numeric = numeric or set()
    tw.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tw.setItem(r, c, item)
