"""The demo's "Customer phone": type as a customer, watch the business's replies arrive.

It talks to the simulator's control API only (never to Inbox), exactly as a real phone talks only
to the carrier; every HTTP call runs through `ops.run_op`, off the GUI thread. It looks like a
messaging app on purpose — your texts on the right, the business on the left, times under each
bubble — so a person trying the demo instantly knows which side they are playing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetricsF, QKeySequence, QPainter, QShortcut, QTextLayout
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core import phone as phones
from inbox.engine.sample.history import Script
from inbox.simulator.client import SimulatorClient
from inbox.ui import humanize, icons, ops, shortcuts, theme
from inbox.ui.text_layout import lay_out

PRESET_PHONES = ("+15557654321", "+15551230001", "+447700900123", "+971501234567")
NEW_CUSTOMER = "New customer"  # what "I am" calls a number the inbox has never heard from
REFRESH_MS = 1000
PAD_X, PAD_Y, RADIUS, SIDE, MAX_FRACTION = 12, 8, 16, 12, 0.78
_Index = QModelIndex | QPersistentModelIndex
BubbleRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class PhoneMessage:
    mine: bool  # typed on this phone (right) or received from the business (left)
    body: str
    at: datetime | None
    status: str = ""


def _when(value: object) -> datetime | None:
    try:
        return parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None


def thread_for(all_messages: list[dict[str, object]], number: str, business: str) -> list[PhoneMessage]:
    """What this handset shows: texts it sent to the business, and the business's texts that reached it."""
    rows = []
    for m in all_messages:
        if m.get("from") == number and m.get("to") == business:
            rows.append(PhoneMessage(True, str(m.get("body") or ""), _when(m.get("date_created")), "sent"))
        elif m.get("to") == number and m.get("from") == business and m.get("status") in ("sent", "delivered"):
            when = _when(m.get("date_sent") or m.get("date_created"))
            rows.append(PhoneMessage(False, str(m.get("body") or ""), when))
    rows.sort(key=lambda r: r.at or datetime.min.replace(tzinfo=UTC))
    return rows


class PhoneThreadModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PhoneMessage] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        m = self.rows[index.row()]
        if role == BubbleRole:
            return m
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return ("You: " if m.mine else "Business: ") + m.body
        return None

    def set_rows(self, rows: list[PhoneMessage]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


class PhoneBubbleDelegate(QStyledItemDelegate):
    """Plain-text bubbles (QTextLayout, never rich text), with the time under each one."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def _layout(self, m: PhoneMessage, width: float) -> tuple[QTextLayout, float, float, float]:
        font = self._view.font()
        max_inner = max(80.0, (width - 2 * SIDE) * MAX_FRACTION - 2 * PAD_X)
        lay, natural = lay_out(m.body, font, max_inner, align_to_direction=False)
        inner = min(max_inner, math.ceil(max(natural, 16.0)))
        if inner != max_inner:
            lay, _ = lay_out(m.body, font, inner, align_to_direction=False)
        return lay, inner, lay.boundingRect().height(), QFontMetricsF(theme.meta_font(font)).height()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        m: PhoneMessage | None = index.data(BubbleRole)
        if m is None:
            return QSize(0, 0)
        _lay, _w, text_h, meta_h = self._layout(m, self._view.viewport().width())
        return QSize(self._view.viewport().width(), math.ceil(4 + PAD_Y * 2 + text_h + 2 + meta_h + 8))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        m: PhoneMessage | None = index.data(BubbleRole)
        if m is None:
            return
        t = theme.tokens()
        r = option.rect
        lay, inner, text_h, meta_h = self._layout(m, r.width())
        w = inner + 2 * PAD_X
        x = r.right() - SIDE - w if m.mine else r.left() + SIDE
        bubble = QRectF(x, r.top() + 4, w, text_h + 2 * PAD_Y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(t.accent if m.mine else t.bubble_in))
        painter.drawRoundedRect(bubble, RADIUS, RADIUS)
        painter.setPen(QColor(t.accent_text if m.mine else t.bubble_in_text))
        lay.draw(painter, QPointF(bubble.left() + PAD_X, bubble.top() + PAD_Y))
        meta_font = theme.meta_font(self._view.font())
        painter.setFont(meta_font)
        painter.setPen(t.color("muted"))
        meta = humanize.clock(m.at) if m.at else ""
        meta_rect = QRectF(bubble.left() + 4, bubble.bottom() + 2, bubble.width() - 8, meta_h)
        align = Qt.AlignmentFlag.AlignRight if m.mine else Qt.AlignmentFlag.AlignLeft
        painter.drawText(meta_rect, align | Qt.AlignmentFlag.AlignVCenter, meta)
        painter.restore()


def who_label_for(number: str, name: str | None) -> str:
    """ "Maria García · +1 555-123-0001" — who you play, and the number the inbox will see."""
    return f"{name or NEW_CUSTOMER} · {phones.display(number)}"


def demo_people(scripts: Sequence[Script], fresh: str = PRESET_PHONES[0]) -> list[tuple[str, str | None]]:
    """A never-seen number first (to try a first contact), then each demo contact by name."""
    people: list[tuple[str, str | None]] = [(fresh, None)]
    for script in scripts:
        if script.phone not in {p for p, _ in people}:
            people.append((script.phone, script.name))
    return people


class DemoPhoneWindow(QWidget):
    """A small handset: pick who you are, type, send; the thread refreshes every second."""

    def __init__(
        self,
        client: SimulatorClient,
        business_number: str,
        parent: QWidget | None = None,
        *,
        refresh_ms: int = REFRESH_MS,
        people: Sequence[tuple[str, str | None]] = (),
    ) -> None:
        """``people``: (number, name) of the customers to offer under "I am" (the demo's
        contacts); without them, a few numbers. A name shows beside its number."""
        super().__init__(parent)
        self.client = client
        self.business_number = business_number
        self.setWindowTitle("Customer phone · demo")
        self.setObjectName("demoPhone")
        self.setAccessibleName("Customer phone")
        self.resize(380, 660)
        self._last_signature: tuple = ()
        t = theme.tokens()

        self.who = QComboBox(editable=True)
        for number, name in people or [(n, None) for n in PRESET_PHONES]:
            self.who.addItem(who_label_for(number, name), number)
        self.who.setMinimumContentsLength(24)
        self.who.setAccessibleName("This phone's number")
        self.who.setToolTip("Pretend to be this customer; type another number to be someone new")
        self.who.currentTextChanged.connect(lambda _t: self.refresh(force=True))
        who_label = QLabel("I am")
        who_label.setProperty("role", "muted")

        avatar = QLabel()
        avatar.setPixmap(icons.pixmap("inbox", 20, t.accent))
        avatar.setFixedSize(36, 36)
        avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        avatar.setObjectName("phoneAvatar")
        self.header = QLabel("Acme Support")
        self.header.setObjectName("phoneHeader")
        self.header.setFont(theme.semibold(self.header.font()))
        self.header_number = QLabel(phones.display(business_number))
        self.header_number.setProperty("role", "muted")
        self.header_number.setFont(theme.meta_font(self.header_number.font()))
        self.header_number.setAccessibleName("The business number this phone texts")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.header)
        names.addWidget(self.header_number)

        self.model = PhoneThreadModel(self)
        self.thread = QListView()
        self.thread.setObjectName("phoneThread")
        self.thread.setModel(self.model)
        self.thread.setItemDelegate(PhoneBubbleDelegate(self.thread))
        self.thread.setAccessibleName("Messages on this phone")
        self.thread.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.thread.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.thread.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thread.setResizeMode(QListView.ResizeMode.Adjust)
        self.thread.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.empty = QLabel("No messages yet.\nType below to text the business —\ntry a question, HELP or STOP.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("role", "muted")
        self.empty.setAccessibleName("No messages yet")
        self.notice = QLabel("")
        self.notice.setObjectName("phoneNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setAccessibleName("Opt-out notice")
        self.notice.hide()

        self.input = QLineEdit()
        self.input.setObjectName("phoneInput")
        self.input.setPlaceholderText("Text message")
        self.input.setAccessibleName("Message to send as the customer")
        self.input.returnPressed.connect(self.send)
        self.send_button = QPushButton()
        self.send_button.setObjectName("phoneSend")
        self.send_button.setIcon(icons.icon("send", "accent_text"))
        self.send_button.setFixedSize(36, 36)
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAccessibleName("Send as the customer")
        self.send_button.clicked.connect(self.send)
        self.status = QLabel("")
        self.status.setObjectName("phoneStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setProperty("role", "muted")
        self.status.setFont(theme.meta_font(self.status.font()))
        self.status.setAccessibleName("Phone status")

        top = QWidget()
        top.setObjectName("phoneTop")
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(16, 12, 16, 12)
        top_lay.setSpacing(12)
        who_row = QHBoxLayout()
        who_row.setSpacing(8)
        who_row.addWidget(who_label)
        who_row.addWidget(self.who, 1)
        contact_row = QHBoxLayout()
        contact_row.setSpacing(12)
        contact_row.addWidget(avatar)
        contact_row.addLayout(names, 1)
        top_lay.addLayout(who_row)
        top_lay.addLayout(contact_row)

        bottom = QWidget()
        bottom.setObjectName("phoneBottom")
        bottom_lay = QVBoxLayout(bottom)
        bottom_lay.setContentsMargins(12, 8, 12, 8)
        bottom_lay.setSpacing(4)
        send_row = QHBoxLayout()
        send_row.setSpacing(8)
        send_row.addWidget(self.input, 1)
        send_row.addWidget(self.send_button)
        bottom_lay.addLayout(send_row)
        bottom_lay.addWidget(self.status)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(self.thread, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.notice)
        layout.addWidget(bottom)
        self.setStyleSheet(_style())
        theme.state().changed.connect(self._restyle)  # a method: disconnected when the window goes
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.send)
        shortcuts.install_close_keys(self)  # Esc and Ctrl+W, as every secondary window
        self.setTabOrder(self.who, self.input)
        self.setTabOrder(self.input, self.send_button)
        self._show_empty(True)
        self.input.setFocus()

        self._refresh_ms = refresh_ms
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        if refresh_ms > 0:
            self._timer.start(refresh_ms)
        self.refresh(force=True)

    def showEvent(self, event) -> None:
        """Reopened from View ▸ Customer phone: catch up at once and keep refreshing."""
        super().showEvent(event)
        if self._refresh_ms > 0 and not self._timer.isActive():
            self._timer.start(self._refresh_ms)
            self.refresh(force=True)

    @property
    def number(self) -> str:
        """The number this phone texts from: the chosen person's, or whatever was typed."""
        text = self.who.currentText().strip()
        index = self.who.findText(text)
        data = self.who.itemData(index) if index >= 0 else None
        return str(data) if data else text

    def send(self) -> None:
        body = self.input.text()
        if not body.strip():
            return
        try:
            number = phones.normalize(self.number)
        except phones.InvalidPhoneNumber as exc:
            self.status.setText(str(exc))
            return
        self.input.clear()
        self.status.setText("Sending…")
        ops.run_op(
            self,
            lambda: self.client.text(number, self.business_number, body),
            lambda _sid: (self.status.setText("Sent"), self.refresh(force=True)),
            lambda exc: self.status.setText(f"Could not send: {exc}"),
        )

    def refresh(self, force: bool = False) -> None:
        number = self.number
        business = self.business_number

        def load() -> tuple[list[PhoneMessage], bool]:
            rows = thread_for(self.client.messages(), number, business)
            try:
                opted_out = business in (self.client.phone_state(number).get("opted_out_from") or [])
            except Exception:  # noqa: BLE001 - an unknown phone has no state yet
                opted_out = False
            return rows, opted_out

        ops.run_op(
            self,
            load,
            lambda result: self._show(number, result[0], result[1], force),
            lambda exc: self.status.setText(f"Simulator unreachable: {exc}"),
        )

    def _show(self, number: str, rows: list[PhoneMessage], opted_out: bool, force: bool) -> None:
        if number != self.number:
            return  # the person switched phones meanwhile
        signature = (number, tuple(rows), opted_out)
        if signature == self._last_signature and not force:
            return
        self._last_signature = signature
        bar = self.thread.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        self.model.set_rows(rows)
        self._show_empty(not rows)
        self.notice.setVisible(opted_out)
        if opted_out:
            self.notice.setText(
                f"You opted out of texts from {phones.display(self.business_number)}. Text START to receive them again."
            )
        if at_bottom or force:
            self.thread.scrollToBottom()

    def _restyle(self) -> None:
        self.setStyleSheet(_style())

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.thread.setVisible(not empty)

    def closeEvent(self, event) -> None:
        self._timer.stop()
        super().closeEvent(event)


def _style() -> str:
    t = theme.tokens()
    return f"""
QWidget#demoPhone {{ background: {t.surface}; }}
QWidget#phoneTop {{ background: {t.surface_alt}; border-bottom: 1px solid {t.border}; }}
QWidget#phoneBottom {{ background: {t.surface_alt}; border-top: 1px solid {t.border}; }}
QListView#phoneThread {{ background: {t.surface}; border: none; }}
QLabel#phoneAvatar {{ background: {t.accent_soft}; border-radius: 18px; }}
QLabel#phoneNotice {{ background: {t.surface_alt}; color: {t.warning}; border-top: 1px solid {t.border};
    padding: 8px 16px; }}
QLineEdit#phoneInput {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 18px;
    padding: 0 14px; min-height: 34px; }}
QLineEdit#phoneInput:focus {{ border-color: {t.accent}; }}
QPushButton#phoneSend {{ background: {t.accent}; border: none; border-radius: 18px; padding: 0; }}
QPushButton#phoneSend:hover {{ background: {t.accent}; }}
"""
