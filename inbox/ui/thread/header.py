"""The slim bar above the thread: who, which number, status, assignee, badges and actions.

Why: the actions an agent takes on a conversation (assign, resolve, snooze, labels) live next to
its name, each with its single-key shortcut in the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from inbox.core import phone
from inbox.core.models import ConversationStatus, ConversationSummary
from inbox.core.presence import Here
from inbox.core.verification import ChallengeStatus, VerificationStatus
from inbox.ui import humanize, icons, theme
from inbox.ui.painting import avatar_pixmap
from inbox.ui.presence import here_line, here_short
from inbox.ui.qt_compat import emit
from inbox.ui.thread.snooze_dialog import ask_snooze_time
from inbox.ui.widgets import ElidedLabel

NARROW = 560  # px: below this the header goes compact (icon-only Resolve, no status chip)
FLAG_ROOM = 240  # px more a flagged conversation needs: "Clear flag" and "Opt out" beside Resolve
MIN_WIDTH = 400  # px: the narrowest header; the thread pane never asks the splitter for more


def fit_parts(parts: list[tuple[str, int]], width: int, fm: QFontMetrics, sep: str = " · ") -> str:
    """Join ``(text, importance)`` parts into one line no wider than ``width``, giving up the least
    important part first: it is elided, or dropped when not even a few letters of it would show.
    The most important part (the assignee in the header) is the last to lose a letter."""
    kept = [(i, text, rank) for i, (text, rank) in enumerate(parts) if text]

    def line(items: list[tuple[int, str, int]]) -> str:
        return sep.join(text for _i, text, _r in items)

    while kept and fm.horizontalAdvance(line(kept)) > width:
        if len(kept) == 1:
            return fm.elidedText(kept[0][1], Qt.TextElideMode.ElideRight, width)
        victim = min(kept, key=lambda k: (k[2], -k[0]))
        others = [k for k in kept if k is not victim]
        room = width - fm.horizontalAdvance(line(others) + sep)
        if room >= fm.horizontalAdvance(victim[1][:3] + "…"):
            short = fm.elidedText(victim[1], Qt.TextElideMode.ElideRight, room)
            return line([(i, short if i == victim[0] else t, r) for i, t, r in kept])
        kept = others
    return line(kept)


class PartsLabel(ElidedLabel):
    """The header's second line: number · channel · assignee, fitted by importance rather than cut
    at the right (an elided "demo · Assi…" hid exactly what the agent looks for)."""

    def __init__(self, parent: QWidget | None = None, role: str = "") -> None:
        super().__init__("", parent, role=role)
        self._parts: list[tuple[str, int]] = []

    def set_parts(self, parts: list[tuple[str, int]]) -> None:
        self._parts = parts
        self.setText(" · ".join(t for t, _r in parts if t))

    def shown_text(self) -> str:
        return fit_parts(self._parts, self.width(), QFontMetrics(self.font()))

    def paintEvent(self, _e: QPaintEvent) -> None:
        p = QPainter(self)
        t = theme.tokens()
        p.setPen(t.color(self.role) if self.role in ("muted", "accent") else t.color("text"))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.shown_text())
        p.end()


def snooze_choices(now: datetime | None = None) -> list[tuple[str, datetime]]:
    """'1 hour', 'Tomorrow 9:00', 'Next week' (Monday 9:00), in local time, returned aware."""
    now = (now or datetime.now().astimezone()).astimezone()
    tomorrow = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    return [("In 1 hour", now + timedelta(hours=1)), ("Tomorrow 9:00", tomorrow), ("Next week (Mon 9:00)", monday)]


def verification_chip(status: VerificationStatus | None) -> tuple[str | None, str]:
    """(chip text, tone) for a conversation's identity state; (None, "") when never verified."""
    if status is None or status.challenge is None:
        return None, ""
    return {
        ChallengeStatus.VERIFIED: ("Verified", "success"),
        ChallengeStatus.PENDING: ("Code sent", "open"),
        ChallengeStatus.LOCKED: ("Locked", "danger"),
        ChallengeStatus.EXPIRED: ("Code expired", "danger"),
        ChallengeStatus.CANCELLED: ("Not verified", ""),
    }[status.challenge.status]


class ThreadHeader(QWidget):
    """Name, number, chips and action buttons for the open conversation.

    Signals:
        assign_requested(bool): True = assign to me, False = unassign.
        status_requested(object, object): ``ConversationStatus`` and snooze-until (or None).
        labels_requested(): edit labels.
        clear_flag_requested(): the agent reviewed a possible opt-out.
        opt_out_requested(): the agent read a possible opt-out as one: opt the customer out.
        contact_panel_toggled(): show/hide the contact panel.
        verify_requested(): start an identity verification (Ctrl+Shift+V).
        export_requested(): export the conversation's transcript as PDF (the "More" menu).
    """

    assign_requested = Signal(bool)
    status_requested = Signal(object, object)
    labels_requested = Signal()
    clear_flag_requested = Signal()
    opt_out_requested = Signal()
    contact_panel_toggled = Signal()
    verify_requested = Signal()
    export_requested = Signal()

    def __init__(self, agent: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paneHeader")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._agent = agent
        self.summary: ConversationSummary | None = None
        self._here = Here()
        self.ask_snooze_time: Callable[[QWidget], datetime | None] = ask_snooze_time

        self.avatar = QLabel(self)
        self.avatar.setFixedSize(32, 32)
        self.name = ElidedLabel("", self)
        self.name.setMinimumWidth(64)
        self.name.setFont(theme.semibold(self.font()))
        self.sub = PartsLabel(self, role="muted")
        self.sub.setFont(theme.meta_font(self.font()))

        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.name)
        texts.addWidget(self.sub)

        def chip(tone: str = "") -> QLabel:
            lab = QLabel(self)
            lab.setProperty("role", "chip")
            if tone:
                lab.setProperty("tone", tone)
            lab.setTextFormat(Qt.TextFormat.PlainText)
            lab.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            return lab

        self.status_chip = chip("open")
        self.status_chip.setAccessibleName("Status")
        self.opted_out_chip = chip("danger")
        self.opted_out_chip.setText("Opted out")
        self.opted_out_chip.setAccessibleName("Opted out")
        self.verified_icon = QLabel(self)
        self.verified_icon.setToolTip("Verified number")
        self.verified_icon.setAccessibleName("Verified")

        def action(text: str, icon: str, tip: str, with_text: bool = False) -> QToolButton:
            b = QToolButton(self)
            b.setObjectName("action")
            b.setText(text)
            b.setIcon(icons.icon(icon, "text" if with_text else "muted"))
            b.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon if with_text else Qt.ToolButtonStyle.ToolButtonIconOnly
            )
            b.setToolTip(tip)
            b.setAccessibleName(text or tip)
            return b

        self.flag_button = action(
            "Clear flag", "flag", "Possible opt-out in free text: review it, then clear the flag", with_text=True
        )
        self.flag_button.clicked.connect(self.clear_flag_requested)
        self.opt_out_button = action(
            "Opt out",
            "ban",
            "The customer asked to stop in their own words: opt them out of this number",
            with_text=True,
        )
        self.opt_out_button.setAccessibleName("Opt this customer out")
        self.opt_out_button.clicked.connect(self.opt_out_requested)
        self.opt_out_button.setVisible(False)
        self.assign_button = action("Assign to me", "user", "Assign to me (A)")
        self.assign_button.clicked.connect(self._on_assign)
        self.resolve_button = action("Resolve", "check", "Resolve (E)", with_text=True)
        self.resolve_button.clicked.connect(self._on_resolve)
        self.snooze_button = action("Snooze", "snooze", "Snooze (S)")
        self.snooze_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.snooze_menu = QMenu(self.snooze_button)
        self.snooze_menu.aboutToShow.connect(self._fill_snooze_menu)
        self.snooze_button.setMenu(self.snooze_menu)
        self.labels_button = action("Labels", "tag", "Edit labels")
        self.labels_button.clicked.connect(self.labels_requested)
        self.panel_button = action("Toggle contact details", "panel-right", "Contact details (Ctrl+I)")
        self.panel_button.clicked.connect(self.contact_panel_toggled)
        self.verify_button = action(
            "Verify identity", "shield-check", "Verify identity: text a one-time code (Ctrl+Shift+V)"
        )
        self.verify_button.clicked.connect(self.verify_requested)
        self.verify_button.setVisible(False)  # shown when the window has a verifier
        self.more_button = action("More actions", "more", "More actions")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self.more_button)
        # A narrow header moves Labels and Contact details in here, so the name and assignee keep room.
        self.labels_action = self.more_menu.addAction(icons.icon("tag", theme.tokens().text), "Edit labels…")
        self.labels_action.triggered.connect(lambda: emit(self.labels_requested))
        self.panel_action = self.more_menu.addAction(
            icons.icon("panel-right", theme.tokens().text), "Contact details\tCtrl+I"
        )
        self.panel_action.triggered.connect(lambda: emit(self.contact_panel_toggled))
        self.export_action = self.more_menu.addAction("Export transcript (PDF)…")
        self.export_action.triggered.connect(lambda: emit(self.export_requested))
        self.more_button.setMenu(self.more_menu)
        self.more_button.setVisible(False)
        # "Alice is viewing" / "Alice is typing…": colleagues in this conversation (presence poll).
        self.here_label = ElidedLabel("", self, role="muted")
        self.here_label.setFont(theme.meta_font(self.font()))
        self.here_label.setMaximumWidth(240)
        self.here_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.here_label.setVisible(False)
        self.verification_chip = chip()
        self.verification_chip.setAccessibleName("Identity verification")
        self.verification_chip.setVisible(False)

        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 12, 8)
        row.setSpacing(8)
        row.addWidget(self.avatar)
        row.addLayout(texts, 1)
        row.addWidget(self.here_label)
        row.addWidget(self.verified_icon)
        row.addWidget(self.verification_chip)
        row.addWidget(self.opted_out_chip)
        row.addWidget(self.status_chip)
        row.addSpacing(8)
        row.addWidget(self.flag_button)
        row.addWidget(self.opt_out_button)
        row.addWidget(self.resolve_button)
        for b in (
            self.assign_button,
            self.snooze_button,
            self.labels_button,
            self.verify_button,
            self.panel_button,
            self.more_button,
        ):
            row.addWidget(b)
        self.setFixedHeight(56)
        self.setMinimumWidth(MIN_WIDTH)
        self._narrow: bool | None = None
        self._compact(False)

    def minimumSizeHint(self) -> QSize:
        """Never more than ``MIN_WIDTH``: the header fits itself to its pane (compact buttons,
        elided name, fitted second line); it must not push the splitter (the list pane's width
        jumped with each conversation's header)."""
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def resizeEvent(self, e) -> None:
        """Narrow panes: the name keeps its room; Resolve, the flag's two actions and the status chip
        go compact (their tooltips keep the words)."""
        super().resizeEvent(e)
        self._fit()
        self.set_here(self._here)

    def _fit(self) -> None:
        """Compact when the worded buttons would not fit: a flagged conversation's two more worded
        buttons need more room (they were elided to "…" in a 650 px header)."""
        flagged = self.summary is not None and self.summary.flagged
        self._compact(self.width() < NARROW + (FLAG_ROOM if flagged else 0))

    def _compact(self, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        style = Qt.ToolButtonStyle.ToolButtonIconOnly if narrow else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        for button in (self.resolve_button, self.flag_button, self.opt_out_button):
            button.setToolButtonStyle(style)
        self.status_chip.setVisible(not narrow)
        self.labels_button.setVisible(not narrow)
        self.panel_button.setVisible(not narrow)
        self.labels_action.setVisible(narrow)
        self.panel_action.setVisible(narrow)

    def set_summary(self, s: ConversationSummary | None) -> None:
        """Show a conversation (None: clear)."""
        if s is None or self.summary is None or s.id != self.summary.id:
            self.verification_chip.setVisible(False)  # the new conversation's state loads separately
            self.set_here(Here())  # whoever was in the previous one is not in this one
        self.summary = s
        self.more_button.setVisible(s is not None)  # nothing to export without a conversation
        if s is None:
            self.name.setText("")
            self.sub.set_parts([])
            return
        self.avatar.setPixmap(avatar_pixmap(32, s.contact_name, s.contact_phone))
        self.name.setText(humanize.contact_title(s))
        who = f"Assigned to {s.assignee}" if s.assignee else "Unassigned"
        # importance: the assignee, then when a snooze ends, the number, and last the channel
        parts = [(phone.display(s.contact_phone), 2), (s.channel_name, 1), (who, 4)]
        if s.status == ConversationStatus.SNOOZED and s.snoozed_until:
            local = humanize.local(s.snoozed_until)
            parts.append((f"snoozed until {humanize.short_date(s.snoozed_until)} {local:%H:%M}", 3))
        self.sub.set_parts(parts)
        self.status_chip.setText(s.status.value.title())
        self.opted_out_chip.setVisible(s.opted_out)
        self.verified_icon.setVisible(s.verified and self.verification_chip.isHidden())
        self.verified_icon.setPixmap(icons.pixmap("shield-check", 16, theme.tokens().success))
        self.flag_button.setVisible(s.flagged)
        self.opt_out_button.setVisible(s.flagged and not s.opted_out)
        self.flag_button.setIcon(icons.icon("flag", "warning"))
        self._fit()
        mine = s.assignee == self._agent
        self.assign_button.setText("Unassign" if mine else "Assign to me")
        self.assign_button.setToolTip("Unassign (A)" if mine else "Assign to me (A)")
        self.assign_button.setIcon(icons.icon("user", "accent" if mine else "muted"))
        self.assign_button.setAccessibleName(self.assign_button.text())
        resolved = s.status == ConversationStatus.RESOLVED
        reopen = resolved or s.status == ConversationStatus.SNOOZED
        self.resolve_button.setText("Reopen" if reopen else "Resolve")
        self.resolve_button.setAccessibleName(self.resolve_button.text())
        self.resolve_button.setToolTip("Reopen" if reopen else "Resolve (E)")

    def set_here(self, here: Here) -> None:
        """Who else has this conversation open; typing shows in the accent colour. Hidden when nobody.
        A narrow pane gets the short form ("Alice +1 typing…"), so the contact's name keeps its room."""
        self._here = here
        narrow = self.width() < NARROW
        text = here_short(here) if narrow else here_line(here)
        self.here_label.role = "accent" if here.typing else "muted"
        self.here_label.setMaximumWidth(120 if narrow else 240)
        self.here_label.setText(text)
        self.here_label.setToolTip(here_line(here))
        self.here_label.setVisible(bool(text))

    def set_verification(self, short: str | None, tone: str = "", detail: str = "") -> None:
        """The identity state of the open conversation: a chip ("Verified", "Code sent", "Locked"…)
        with the full sentence ("verified (2 min ago, by code)") in its tooltip; None hides it."""
        if not short:
            self.verification_chip.setVisible(False)
            return
        t = theme.tokens()
        colour = {"success": t.success, "danger": t.danger, "open": t.accent}.get(tone, t.muted)
        self.verification_chip.setText(short)
        self.verification_chip.setStyleSheet(
            f"background: transparent; color: {colour}; border: 1px solid {colour}; border-radius: 10px;"
            " padding: 2px 8px;"
        )
        self.verification_chip.setToolTip(detail or short)
        self.verification_chip.setAccessibleDescription(detail or short)
        self.verification_chip.setVisible(True)
        self.verified_icon.setVisible(False)  # the chip says it with more precision

    def _on_assign(self) -> None:
        if self.summary is not None:
            emit(self.assign_requested, self.summary.assignee != self._agent)

    def _on_resolve(self) -> None:
        if self.summary is None:
            return
        if self.summary.status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
            emit(self.status_requested, ConversationStatus.OPEN, None)
        else:
            emit(self.status_requested, ConversationStatus.RESOLVED, None)

    def _fill_snooze_menu(self) -> None:
        self.snooze_menu.clear()
        for label, until in snooze_choices():
            act = self.snooze_menu.addAction(label)
            act.triggered.connect(lambda _=False, u=until: emit(self.status_requested, ConversationStatus.SNOOZED, u))
        self.snooze_menu.addSeparator()
        self.snooze_menu.addAction("Custom…").triggered.connect(self.custom_snooze)

    def custom_snooze(self) -> None:
        """Snooze ▸ Custom…: a day and time from the picker (``ask_snooze_time``; tests replace it)."""
        if self.summary is None:
            return
        until = self.ask_snooze_time(self)
        if until is not None:
            emit(self.status_requested, ConversationStatus.SNOOZED, until)
