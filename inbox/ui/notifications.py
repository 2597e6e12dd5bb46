"""Desktop notifications and the tray icon with its unread badge.

Why: agents work in other windows too. When the inbox is not focused and a customer texts, a
notification names the contact (name or formatted number) with a short preview — never a masked
code — and the tray icon shows the unread count. A colleague's private note that mentions this
agent (`@alice`) notifies too, naming who wrote it; the agent's own notes never do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from inbox.core import phone
from inbox.core.models import AuthorKind, ConversationSummary, Direction, Message
from inbox.ui import humanize, icons, settings, theme

PREVIEW_CHARS = 80
FRESH = timedelta(minutes=5)


def badge_pixmap(count: int, size: int = 64) -> QPixmap:
    """The app icon (an inbox glyph on the accent) with a red count badge painted on."""
    t = theme.tokens()
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(t.color("accent"))
    p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    icons.paint(p, "inbox", QRectF(size * 0.18, size * 0.18, size * 0.64, size * 0.64), "#ffffff")
    if count > 0:
        text = str(count) if count < 100 else "99+"
        d = size * 0.5
        r = QRectF(size - d - 1, 1, d, d)
        p.setBrush(t.color("danger"))
        p.drawEllipse(r)
        f = QFont()
        f.setPixelSize(int(d * (0.62 if len(text) == 1 else 0.46)))
        f.setBold(True)
        p.setFont(f)
        p.setPen(Qt.GlobalColor.white)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return pm


def notification_text(m: Message, s: ConversationSummary | None) -> tuple[str, str]:
    """(title, body) for a new inbound message: name or formatted number, short preview."""
    title = humanize.contact_title(s) if s else phone.display("")
    body = "New message" if m.masked else _preview(m.body)
    return title or "New message", body


def mention_text(m: Message, s: ConversationSummary | None) -> tuple[str, str]:
    """(title, body) for a colleague's note mentioning me: who and where, then the note."""
    who = " ".join((m.author or "A colleague").split())
    where = humanize.contact_title(s) if s else ""
    title = f"{who} mentioned you" + (f" · {where}" if where else "")
    return title, _preview(m.body)


def _preview(body: str) -> str:
    text = humanize.one_line(body)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class Notifier:
    """Tray icon + notifications for inbound messages that arrive while the window is inactive."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self._seen: set[int] = set()
        self.tray: QSystemTrayIcon | None = None
        self.shown: list[tuple[str, str]] = []  # what was notified (tests read it)
        self.badge = 0  # the unread count the tray icon shows (kept without a tray too: tests read it)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(QIcon(badge_pixmap(0)), window)
            self.tray.setToolTip("Inbox")
            self.tray.activated.connect(lambda _r: self._raise())
            self.tray.show()

    def set_unread(self, count: int) -> None:
        self.badge = count
        if self.tray is not None:
            self.tray.setIcon(QIcon(badge_pixmap(count)))
            self.tray.setToolTip(f"Inbox · {count} unread" if count else "Inbox")

    def wanted(self, message_ids: frozenset[int] | set[int]) -> set[int]:
        """Which changed messages to read for a notification: none while the window is active (the
        agent sees them), else those not considered before — each message is notified once, even
        when a status change or the change feed names it again."""
        if self._window.isActiveWindow():
            self._seen.update(message_ids)
            return set()
        new = set(message_ids) - self._seen
        self._seen.update(new)
        return new

    def notify_loaded(
        self, msgs: list[Message], summaries: list[ConversationSummary], mentions_me: set[int] | None = None
    ) -> None:
        """Notify the fresh inbound among ``msgs`` (read with their conversations' summaries) and
        the fresh notes among them that ``mentions_me`` names (the service left out my own)."""
        cutoff = datetime.now(UTC) - FRESH
        mentioned = mentions_me or set()
        by_id = {s.id: s for s in summaries}
        wanted = sorted(
            (
                m
                for m in msgs
                if m.created_at >= cutoff
                and (m.direction == Direction.INBOUND or (m.author_kind == AuthorKind.NOTE and m.id in mentioned))
            ),
            key=lambda m: (m.created_at, m.id),
        )
        self._notify([(m, by_id.get(m.conversation_id)) for m in wanted])

    def _notify(self, items: list[tuple[Message, ConversationSummary | None]]) -> None:
        if not items or self._window.isActiveWindow():
            return
        m, s = items[-1]
        title, body = (mention_text if m.author_kind == AuthorKind.NOTE else notification_text)(m, s)
        if len(items) > 1:
            title = f"{title} (+{len(items) - 1} more)"
        self.shown.append((title, body))
        if self.tray is not None:
            self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 6000)
        if str(settings.app_settings().value("notifications/sound", "false")).lower() == "true":
            QApplication.beep()

    def _raise(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
