"""Broadcasts: progress and results, pause / resume / cancel, and the New broadcast dialog.

Progress refreshes every ``REFRESH_MS`` while a broadcast is active and the page is visible, on the
worker, and never stacks: a tick is skipped while the previous read is still out. The dialog's
preview (recipients, excluded, quiet-hours deferrals, segments and cost) is the engine's own
``preview`` — the same numbers ``inbox broadcast --preview`` prints — re-run on the worker a moment
after the agent stops typing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import segments
from inbox.engine.broadcasts import Preview
from inbox.engine.campaigns import ACTIVE_BROADCAST, BroadcastChoices, BroadcastStats, Engagement
from inbox.engine.campaigns import broadcast_store as store
from inbox.ui import humanize, ops, theme
from inbox.ui.cards import Card
from inbox.ui.engagement.page import Page
from inbox.ui.engagement.parts import CardRow, Row, StatCard, heading, muted, set_chip
from inbox.ui.qt_compat import emit

REFRESH_MS = 2000
PREVIEW_DEBOUNCE_MS = 300

STATUS = {
    store.SCHEDULED: ("Scheduled", ""),
    store.FANNING_OUT: ("Queuing", "open"),
    store.SENDING: ("Sending", "open"),
    store.PAUSED: ("Paused", "warning"),
    store.DONE: ("Done", "success"),
    store.CANCELLED: ("Cancelled", "danger"),
}


def _when(dt: datetime) -> str:
    loc = humanize.local(dt)
    return f"{loc.day} {loc.strftime('%b')} {loc.strftime('%H:%M')}"


def audience(st: BroadcastStats) -> str:
    b = st.broadcast
    if b.list_name:
        return f"{b.list_name} list"
    n = len(b.contact_ids or ())
    return f"{n} contact{'s' if n != 1 else ''}"


def sent_count(st: BroadcastStats) -> int:
    """Handed to the provider or finished (delivered, failed): everything no longer waiting here."""
    return st.recipients - st.queued


class BroadcastsPage(Page):
    def __init__(self, api: Engagement, parent: QWidget | None = None) -> None:
        super().__init__(
            api,
            "Broadcasts",
            "No broadcasts yet. Send one message to everyone on a "
            "subscription list — opted-out numbers are always left out.",
            parent,
        )
        self.new_button = self.add_header_button("New broadcast", self.new_broadcast, primary=True)
        self.stats: BroadcastStats | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self._in_flight = False
        self.ticks = 0
        self._build_detail()

    def _build_detail(self) -> None:
        d = self.detail_layout
        top = QHBoxLayout()
        top.setSpacing(12)
        head = heading(self.detail, 2)
        self.heading, self.when_label = head.title, head.note
        self.status_chip, self.kind_chip = head.chips
        top.addLayout(head.layout, 1)
        self.pause_button = QPushButton("Pause", self.detail)
        self.resume_button = QPushButton("Resume", self.detail)
        self.cancel_button = QPushButton("Cancel broadcast", self.detail)
        self.cancel_button.setObjectName("danger")
        self.pause_button.clicked.connect(lambda: self.control("pause"))
        self.resume_button.clicked.connect(lambda: self.control("resume"))
        self.cancel_button.clicked.connect(lambda: self.control("cancel"))
        for b in (self.pause_button, self.resume_button, self.cancel_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        d.addLayout(top)

        self.message_card = Card("Message", self.detail)
        self.body = QLabel("", self.message_card)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body_meta = muted("", self.message_card)
        self.body_meta.setFont(theme.meta_font(self.font()))
        self.message_card.body.addWidget(self.body)
        self.message_card.body.addWidget(self.body_meta)
        d.addWidget(self.message_card)

        self.progress_card = Card("Progress", self.detail)
        self.progress_text = QLabel("", self.progress_card)
        self.progress_text.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_text.setFont(theme.semibold(QFont(self.font())))
        self.progress_bar = _Bar(self.progress_card)
        self.progress_sub = muted("", self.progress_card)
        self.progress_sub.setFont(theme.meta_font(self.font()))
        for w in (self.progress_text, self.progress_bar, self.progress_sub):
            self.progress_card.body.addWidget(w)
        d.addWidget(self.progress_card)

        self.cards = {
            "delivered": StatCard("Delivered", self.detail),
            "failed": StatCard("Failed", self.detail),
            "replies": StatCard("Replies", self.detail),
            "opt_outs": StatCard("Opt-outs caused", self.detail),
        }
        self.stats_row = CardRow(list(self.cards.values()), 150, self.detail)
        d.addWidget(self.stats_row)
        d.addStretch(1)

    # -- data --------------------------------------------------------------------------------------
    def _load_list(self) -> tuple[BroadcastStats, ...]:
        return self.api.broadcasts()

    def _rows(self, items: object) -> list[Row]:
        rows = []
        active = False
        for st in items:  # type: ignore[attr-defined]
            b = st.broadcast
            label, tone = STATUS.get(b.status, (b.status, ""))
            active = active or b.status in ACTIVE_BROADCAST
            meta = f"{audience(st)}  ·  {sent_count(st):,} / {st.recipients:,} sent  ·  {st.delivered:,} delivered"
            if b.status == store.SCHEDULED and not st.recipients:
                meta = f"{audience(st)}  ·  due {_when(b.scheduled_at)}"
            bar_tone = {"success": "success", "danger": "muted", "warning": "warning"}.get(tone, "accent")
            progress = st.progress if st.recipients else None
            rows.append(Row(b.id, humanize.one_line(b.body), meta, label, tone, progress, bar_tone))
        self._set_active(active)
        return rows

    def _load_detail(self, key: int) -> BroadcastStats | None:
        return self.api.broadcast_stats(key)

    def _show(self, detail: object) -> None:
        assert isinstance(detail, BroadcastStats)
        st = self.stats = detail
        b = st.broadcast
        label, tone = STATUS.get(b.status, (b.status, ""))
        self.heading.setText(f"Broadcast to {audience(st)}")
        set_chip(self.status_chip, label, tone)
        set_chip(
            self.kind_chip, "Marketing · quiet hours respected" if b.kind == store.MARKETING else "Transactional", ""
        )
        when = f"Created by {b.created_by} · {_when(b.created_at)}"
        if b.status == store.SCHEDULED:
            when += f" · due {_when(b.scheduled_at)}"
        elif b.finished_at is not None:
            when += f" · finished {_when(b.finished_at)}"
        self.when_label.setText(when)
        self.body.setText(b.body)
        info = segments.analyze(b.body)
        self.body_meta.setText(
            f"{len(b.body)} characters · {info.segments} segment{'s' if info.segments != 1 else ''} · {info.encoding}"
        )
        sent = sent_count(st)
        if st.recipients:
            self.progress_text.setText(f"{sent:,} of {st.recipients:,} sent ({st.progress:.0%})")
        elif b.status == store.SCHEDULED:
            self.progress_text.setText(f"Goes out {_when(b.scheduled_at)}")
        else:
            self.progress_text.setText("Nobody to send to")
        self.stats_row.setVisible(st.recipients > 0)
        self.progress_bar.set(
            st.progress, {"success": "success", "warning": "warning", "danger": "muted"}.get(tone, "accent")
        )
        waiting = f"{st.queued:,} waiting"
        if st.deferred_quiet_hours:
            waiting += f" ({st.deferred_quiet_hours:,} until quiet hours end)"
        if st.recipients:
            self.progress_sub.setText(f"{waiting} · {st.in_flight:,} with the carrier · {st.cancelled:,} cancelled")
        else:
            self.progress_sub.setText("Recipients are counted when it goes out; opted-out numbers are always left out.")
        pct = (lambda n: f"{n / st.recipients:.1%} of recipients") if st.recipients else (lambda n: "")
        self.cards["delivered"].set(f"{st.delivered:,}", pct(st.delivered), "success" if st.delivered else "")
        self.cards["failed"].set(
            f"{st.failed:,}",
            (f"{st.cancelled:,} cancelled · " if st.cancelled else "") + pct(st.failed),
            "danger" if st.failed - st.cancelled > 0 else "",
        )
        self.cards["replies"].set(f"{st.replies:,}", f"from {st.repliers:,} people")
        self.cards["opt_outs"].set(
            f"{st.opt_outs:,}", pct(st.opt_outs) or "STOP after this message", "warning" if st.opt_outs else ""
        )
        live = b.status in (store.SCHEDULED, store.FANNING_OUT, store.SENDING)
        self.pause_button.setEnabled(live)
        self.resume_button.setEnabled(b.status == store.PAUSED)
        self.cancel_button.setEnabled(b.status not in (store.CANCELLED, store.DONE))
        self.pause_button.setVisible(b.status != store.PAUSED)
        self.resume_button.setVisible(b.status == store.PAUSED)

    # -- refresh -----------------------------------------------------------------------------------
    def _set_active(self, active: bool) -> None:
        if active and not self.timer.isActive():
            self.timer.start()
        elif not active and self.timer.isActive():
            self.timer.stop()

    def tick(self) -> None:
        """Every 2 s while something is sending: one list read (with stats) on the worker."""
        if self._in_flight or not self.isVisible():
            return
        self._in_flight = True
        self.ticks += 1

        def done(items: object) -> None:
            self._in_flight = False
            self._on_list(items)

        def failed(_e: BaseException) -> None:
            self._in_flight = False

        ops.run_op(self, self._load_list, done, failed, label="Refreshing broadcasts")

    # -- actions -----------------------------------------------------------------------------------
    def control(self, action: str) -> None:
        st = self.stats
        if st is None:
            return
        bid = st.broadcast.id
        if action == "cancel":
            waiting = st.queued
            if not self.confirm(
                "Cancel broadcast",
                f"Cancel this broadcast? The {waiting:,} message(s) not sent yet "
                "will not be sent. Messages already with the carrier cannot be recalled.",
                "Cancel broadcast",
            ):
                return
        words = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}
        for b in (self.pause_button, self.resume_button, self.cancel_button):
            b.setEnabled(False)
        ops.run_op(
            self,
            lambda: self.api.control(action, bid),
            lambda n: (self.say(f"Broadcast {words[action]} ({n:,} messages)"), self.reload()),
            lambda _e: self.reload(),
            label=f"Broadcast: {action}",
        )

    def new_broadcast(self) -> None:
        ops.run_op(self, self.api.broadcast_choices, self._open_dialog, label="Loading lists")

    def _open_dialog(self, choices: BroadcastChoices) -> None:
        dialog = NewBroadcastDialog(self.api, choices, self)
        dialog.created.connect(self._created)
        self.new_dialog = dialog
        dialog.open()

    def _created(self, broadcast_id: int) -> None:
        self.say("Broadcast scheduled")
        ops.run_op(
            self,
            self._load_list,
            lambda items: (self._on_list(items), self.list.select_key(broadcast_id)),
            label="Loading broadcasts",
        )


class _Bar(QWidget):
    """A slim rounded progress bar in the theme's colours (QProgressBar's Fusion look is heavy)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value, self.tone = 0.0, "accent"
        self.setFixedHeight(10)

    def set(self, value: float, tone: str) -> None:
        self.value, self.tone = max(0.0, min(1.0, value)), tone
        self.setAccessibleName(f"{self.value:.0%} sent")
        self.update()

    def paintEvent(self, _e) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter

        t = theme.tokens()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        r = QRectF(self.rect())
        p.setBrush(t.color("chip_bg"))
        p.drawRoundedRect(r, 5, 5)
        if self.value > 0:
            r.setWidth(max(10.0, r.width() * self.value))
            p.setBrush(t.color(self.tone))
            p.drawRoundedRect(r, 5, 5)
        p.end()


class NewBroadcastDialog(QDialog):
    """Channel, list, text, marketing/transactional, now or later — with a live recipients preview.

    Signals:
        created(int): the new broadcast's id.
    """

    created = Signal(int)

    def __init__(self, api: Engagement, choices: BroadcastChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.setWindowTitle("New broadcast")
        self.setMinimumWidth(600)
        self.preview: Preview | None = None
        self._seq = 0
        self.previews = 0
        form = QFormLayout()
        form.setSpacing(10)
        self.channel = QComboBox(self)
        for c in choices.channels:
            self.channel.addItem(f"{c.name}  ·  {c.number}", c.id)
        form.addRow("From", self.channel)
        self.list_box = QComboBox(self)
        for name in choices.lists:
            self.list_box.addItem(name, name)
        form.addRow("To list", self.list_box)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("broadcastBody")
        self.text.setPlaceholderText(
            "Flash sale: 20% off everything this weekend with code SUMMER. Reply STOP to opt out."
        )
        self.text.setFixedHeight(110)
        self.segments_label = muted("", self)
        self.segments_label.setFont(theme.meta_font(self.font()))
        self.segments_label.setWordWrap(True)
        text_box = QVBoxLayout()
        text_box.setSpacing(4)
        text_box.addWidget(self.text)
        text_box.addWidget(self.segments_label)
        form.addRow("Message", text_box)
        self.marketing = QRadioButton("Marketing — waits for recipients' quiet hours to end", self)
        self.transactional = QRadioButton("Transactional — may be sent during quiet hours", self)
        self.marketing.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.marketing)
        kinds.addButton(self.transactional)
        kind_box = QVBoxLayout()
        kind_box.addWidget(self.marketing)
        kind_box.addWidget(self.transactional)
        form.addRow("Type", kind_box)
        self.now = QRadioButton("Now", self)
        self.later = QRadioButton("At", self)
        self.now.setChecked(True)
        whens = QButtonGroup(self)
        whens.addButton(self.now)
        whens.addButton(self.later)
        self.at = QDateTimeEdit(QDateTime.currentDateTime().addSecs(3600), self)
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("d MMM yyyy HH:mm")
        self.at.setEnabled(False)
        self.later.toggled.connect(self.at.setEnabled)
        when_row = QHBoxLayout()
        when_row.addWidget(self.now)
        when_row.addWidget(self.later)
        when_row.addWidget(self.at, 1)
        form.addRow("Send", when_row)

        self.preview_box = QFrame(self)
        self.preview_box.setObjectName("previewBox")
        pv = QVBoxLayout(self.preview_box)
        pv.setContentsMargins(14, 10, 14, 10)
        pv.setSpacing(4)
        self.recipients_label = QLabel("Choose a list to see who receives it.", self.preview_box)
        self.recipients_label.setFont(theme.semibold(QFont(self.font())))
        self.recipients_label.setTextFormat(Qt.TextFormat.PlainText)
        self.excluded_label = muted("", self.preview_box)
        self.deferred_label = muted("", self.preview_box)
        self.cost_label = muted("", self.preview_box)
        self.sample_label = muted("", self.preview_box)
        for w in (self.recipients_label, self.excluded_label, self.deferred_label, self.cost_label, self.sample_label):
            w.setWordWrap(True)
            pv.addWidget(w)
        self.error = QLabel("", self)
        self.error.setProperty("role", "danger")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("primary")  # named before it joins the box, or the QSS misses it
        self.box.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setEnabled(False)
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preview_box)
        lay.addWidget(self.error)
        lay.addWidget(self.box)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PREVIEW_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_preview)
        self.text.textChanged.connect(self._changed)
        self.channel.currentIndexChanged.connect(lambda _i: self._changed())
        self.list_box.currentIndexChanged.connect(lambda _i: self._changed())
        self.marketing.toggled.connect(lambda _b: self._changed())
        self.later.toggled.connect(lambda _b: self._changed())
        self.at.dateTimeChanged.connect(lambda _d: self._changed())
        if not choices.channels or not choices.lists:
            self.error.setText(
                "A broadcast goes to a subscription list on a channel. Customers join a list by "
                "texting its keyword (e.g. JOIN); set that up with a rule, or `inbox lists add`."
            )
        self._changed()

    # -- preview -----------------------------------------------------------------------------------
    def _inputs(self) -> dict | None:
        if self.channel.currentData() is None or self.list_box.currentData() is None:
            return None
        at = self.at.dateTime().toPython().astimezone(UTC) if self.later.isChecked() else None
        return {
            "channel_id": self.channel.currentData(),
            "list_name": self.list_box.currentData(),
            "body": self.text.toPlainText(),
            "kind": store.MARKETING if self.marketing.isChecked() else store.TRANSACTIONAL,
            "at": at,
        }

    def _changed(self) -> None:
        self._show_segments()
        self.send_button.setEnabled(False)
        self._debounce.start()

    def _show_segments(self) -> None:
        body = self.text.toPlainText()
        info = segments.analyze(body)
        line = f"{len(body)} characters · {info.segments} segment{'s' if info.segments != 1 else ''} · {info.encoding}"
        if info.encoding == segments.UCS2 and info.avoidable_chars:
            chars = " ".join(info.avoidable_chars[:5])
            line += f" — {chars} forces Unicode, so each segment holds 70 characters instead of 160"
            self.segments_label.setProperty("role", "warning")
        else:
            self.segments_label.setProperty("role", "muted")
        self.segments_label.style().unpolish(self.segments_label)
        self.segments_label.style().polish(self.segments_label)
        self.segments_label.setText(line)

    def refresh_preview(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        self._seq += 1
        seq = self._seq
        ops.run_op(
            self,
            lambda: self.api.preview_broadcast(**inputs),
            lambda p: self._show_preview(seq, p, inputs),
            lambda e: self._show_refusal(seq, e),
            label="Previewing the broadcast",
        )

    def _show_preview(self, seq: int, p: Preview, inputs: dict) -> None:
        if seq != self._seq:
            return  # the agent changed something since: a newer preview is on its way
        self.preview = p
        self.previews += 1
        self.error.setText("")
        c = p.cost
        self.recipients_label.setText(f"{p.recipients:,} recipient{'s' if p.recipients != 1 else ''}")
        self.excluded_label.setText(
            f"{p.excluded:,} excluded: opted out or flagged for a possible opt-out"
            if p.excluded
            else "Nobody excluded: no member opted out"
        )
        if inputs["kind"] == store.MARKETING:
            self.deferred_label.setText(
                f"{p.deferred_now:,} would wait for their local quiet hours to end"
                if p.deferred_now
                else "Nobody is inside quiet hours right now"
            )
        else:
            self.deferred_label.setText("Transactional: sent regardless of quiet hours")
        self.cost_label.setText(
            f"{c.segments_each} segment{'s' if c.segments_each != 1 else ''} each ({c.encoding}) · "
            f"{c.total_segments:,} in all · about ${c.total_cost:,.2f}"
        )
        self.sample_label.setText("e.g. " + ", ".join(p.sample) if p.sample else "")
        ok = p.recipients > 0 and bool(inputs["body"].strip())
        self.send_button.setEnabled(ok)
        verb = "Schedule for" if inputs["at"] is not None else "Send to"
        self.send_button.setText(f"{verb} {p.recipients:,}")

    def _show_refusal(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self.preview = None
            self.send_button.setEnabled(False)
            self.error.setText(str(exc) if isinstance(exc, ValueError) else ops.describe(exc))

    # -- create ------------------------------------------------------------------------------------
    def submit(self) -> None:
        inputs = self._inputs()
        if inputs is None or self.preview is None:
            return
        self.send_button.setEnabled(False)
        ops.run_op(
            self,
            lambda: self.api.create_broadcast(**inputs),
            self._done,
            lambda e: self._show_refusal(self._seq, e),
            label="Creating the broadcast",
        )

    def _done(self, bc: store.Broadcast) -> None:
        emit(self.created, bc.id)
        self.accept()
