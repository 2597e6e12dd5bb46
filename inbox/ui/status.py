"""The status bar: channel connection state, unread total, the signed-in agent, op failures.

Why: agents must see at a glance whether texts are flowing ("Twilio · main · synced 4 s ago") or
the provider is failing ("retrying in 40 s", in amber). Data comes from ``channel_health()`` on a
timer as fast as the fastest channel polls (so "synced 3 s ago" says when the last poll ran, not
when something last arrived), on ChannelHealthChanged, and with each burst of message changes (the
outbox backlog drops as replies go out); the "4 s ago" text ticks locally without any call.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from inbox.core import changes
from inbox.core.provider_names import display_name
from inbox.engine.service import ChannelHealth, InboxService
from inbox.ui import icons, ops, theme

HEALTH_EVERY_MS = 15_000  # with no channels known yet; then as often as the fastest channel polls
HEALTH_EVERY_MIN_MS = 2_000

log = logging.getLogger(__name__)

# The change feed's states worth a word (inbox.core.changes); connected and polling say nothing.
FEED_STATES = {
    changes.RECONNECTING: "Live updates paused · reconnecting…",
    changes.POLLING_FALLBACK: "Live updates every ½ s",
}
FEED_TIPS = {
    changes.RECONNECTING: "The connection for live updates dropped. Inbox reconnects and then shows "
    "everything that changed meanwhile.",
    changes.POLLING_FALLBACK: "This database connection cannot LISTEN (a transaction pooler such as "
    "pgbouncer), so Inbox checks for changes twice a second instead.",
}


def _ago(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h"


def health_text(h: ChannelHealth, provider: str = "Twilio", now: datetime | None = None) -> tuple[str, bool]:
    """("Twilio · main · synced 4 s ago", ok) or ("… · retrying in 40 s", False)."""
    now = now or datetime.now(UTC)
    head = f"{provider} · {h.channel_name}"
    failing = h.last_error is not None and (
        h.last_poll_ok_at is None or (h.last_error_at is not None and h.last_error_at >= h.last_poll_ok_at)
    )
    if failing:
        if h.next_retry_at is not None and h.next_retry_at > now:
            return f"{head} · retrying in {_ago((h.next_retry_at - now).total_seconds())}", False
        return f"{head} · {h.last_error}", False
    if h.last_poll_ok_at is None:
        return f"{head} · connecting…", True
    text = f"{head} · synced {_ago((now - h.last_poll_ok_at).total_seconds())} ago"
    if h.backlog:
        text += f" · {h.backlog} waiting to send"
    return text, True


class StatusBarController:
    """Owns the permanent labels of a ``QStatusBar`` and keeps them fresh."""

    def __init__(self, bar: QStatusBar, service: InboxService, owner: QWidget) -> None:
        self.bar = bar
        self._service = service
        self._owner = owner
        self._health: list[ChannelHealth] = []
        self.health_failing = False  # the last check failed (said once; the next one that works clears it)
        self._providers: dict[int, str] = {}
        self.dot = QLabel(bar)
        self.health = QLabel("Connecting…", bar)
        self.health.setTextFormat(Qt.TextFormat.PlainText)
        self.health.setAccessibleName("Channel connection")
        self.live = QLabel("", bar)
        self.live.setTextFormat(Qt.TextFormat.PlainText)
        self.live.setAccessibleName("Live updates")
        self.live.setVisible(False)
        self.work = QLabel("", bar)  # only when this desktop may not do the background work
        self.work.setTextFormat(Qt.TextFormat.PlainText)
        self.work.setAccessibleName("Background work")
        self.work.setVisible(False)
        self.unread = QLabel("", bar)
        self.unread.setTextFormat(Qt.TextFormat.PlainText)
        self.unread.setAccessibleName("Unread total")
        self.agent = QLabel(f"Signed in as {service.agent}", bar)
        self.agent.setTextFormat(Qt.TextFormat.PlainText)
        self.agent.setAccessibleName("Signed-in agent")
        bar.addPermanentWidget(self.dot)
        bar.addPermanentWidget(self.health, 1)
        bar.addPermanentWidget(self.live)
        bar.addPermanentWidget(self.work)
        bar.addPermanentWidget(self.unread)
        bar.addPermanentWidget(self.agent)
        bar.setSizeGripEnabled(False)
        self.tick = QTimer(owner)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self.render_health)
        self.poll = QTimer(owner)
        self.poll.setInterval(HEALTH_EVERY_MS)
        self.poll.timeout.connect(self.refresh_health)

    def start(self) -> None:
        self.refresh_health()
        self.refresh_unread()
        self.tick.start()
        self.poll.start()

    def stop(self) -> None:
        self.tick.stop()
        self.poll.stop()

    def set_providers(self, providers: dict[int, str]) -> None:
        self._providers = providers
        self.render_health()

    def set_poll_every(self, seconds: float | None) -> None:
        """Read health as often as the fastest channel polls (2–15 s): the runner records every
        poll, and a 15 s read made the bar say "synced 18 s ago" while texts came in each second."""
        ms = HEALTH_EVERY_MS if not seconds else int(min(HEALTH_EVERY_MS, max(HEALTH_EVERY_MIN_MS, seconds * 1000)))
        self.poll.setInterval(ms)

    def refresh_health(self) -> None:
        ops.run_op(
            self._owner,
            self._service.channel_health,
            self.show_health,
            self._health_failed,
            label="Checking channels",
            quiet=True,
        )
        ops.run_op(
            self._owner,
            self._service.background_work,
            self.set_background_work,
            lambda _exc: None,  # the health read above says the database cannot be reached
            label="Checking background work",
            quiet=True,
        )

    def set_background_work(self, said: str | None) -> None:
        """Who polls and sends, said when it is not this desktop (agents who see only their own
        conversations leave it to the team daemon): a warning colour while nobody does."""
        self.work.setText(said or "")
        waiting = bool(said) and "waiting" in (said or "")
        self.work.setStyleSheet(f"color: {theme.tokens().warning if waiting else theme.tokens().muted};")
        self.work.setToolTip(
            "Your role sees only your own and unassigned conversations, so this desktop does not poll, "
            "answer automatically or send: the team daemon does. Ask your admin to run `inbox daemon`."
            if said
            else ""
        )
        self.work.setVisible(bool(said))

    def show_health(self, rows: list[ChannelHealth]) -> None:
        if self.health_failing:
            self.health_failing = False
            log.info("channel status: read again")
        self._health = rows
        self.render_health()

    def _health_failed(self, exc: BaseException) -> None:
        """The database is unreachable: said once, not every 15 s; the next read that works clears it."""
        if self.health_failing:
            return
        self.health_failing = True
        why = ops.describe(exc)
        log.warning("channel status: cannot be read (%s); checking again every %d s", why, HEALTH_EVERY_MS // 1000)
        self.health.setText("Channel status unknown: the database cannot be reached")
        self.health.setStyleSheet(f"color: {theme.tokens().warning};")
        self.dot.setPixmap(icons.pixmap("alert", 14, theme.tokens().warning))
        self.show_failure(f"Checking channels failed: {why}")

    def render_health(self) -> None:
        if not self._health or self.health_failing:
            return
        parts, all_ok = [], True
        for h in self._health:
            text, ok = health_text(h, display_name(self._providers.get(h.channel_id, "twilio")))
            parts.append(text)
            all_ok = all_ok and ok
        t = theme.tokens()
        self.health.setText("   ".join(parts))
        self.health.setStyleSheet(f"color: {t.muted if all_ok else t.warning};")
        self.dot.setPixmap(icons.pixmap("check" if all_ok else "alert", 14, t.success if all_ok else t.warning))

    def refresh_unread(self) -> None:
        ops.run_op(self._owner, self._service.unread_total, self.set_unread, label="Counting unread")

    def set_unread(self, n: int) -> None:
        self.unread.setText(f"{n} unread" if n else "All caught up")
        self.unread_total = n

    def set_feed_state(self, state: str) -> None:
        """How the change feed is following the database, said only when it is not the usual:
        muted text, because the inbox keeps working and catches up by itself."""
        text = FEED_STATES.get(state, "")
        self.live.setText(text)
        self.live.setToolTip(FEED_TIPS.get(state, ""))
        self.live.setStyleSheet(f"color: {theme.tokens().muted};")
        self.live.setVisible(bool(text))

    def show_failure(self, text: str) -> None:
        self.bar.showMessage(f"⚠ {text}", 10_000)
