"""The Supervisor view: metric cards and charts ("Overview") and the review queue, over one filter bar.

Why a separate window: supervisors keep it on a second screen next to the inbox. Every number is
loaded on a worker (``ops.run_op``) through ``inbox.reports``, which enforce the role again; the
window first asks who is signed in and shows agents a plain "Supervisors only" page instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.models import ConversationStatus
from inbox.engine.service import InboxService
from inbox.reports import dashboard as data
from inbox.reports import review
from inbox.reports.dashboard import Dashboard, Options
from inbox.reports.metrics import Metrics, MetricsReport
from inbox.reports.review import ReviewFilter, ReviewItem
from inbox.ui import icons, ops, shortcuts, theme
from inbox.ui.cards import Card, CardGrid
from inbox.ui.supervisor.cards import CARD_MIN_WIDTH, MetricCard, card_stylesheet, chevron
from inbox.ui.supervisor.charts import AgentBarsChart, HistogramChart, VolumeChart
from inbox.ui.supervisor.export_dialog import ExportDialog
from inbox.ui.supervisor.filters_bar import FilterBar
from inbox.ui.supervisor.formatting import EMPTY, count, duration, percent
from inbox.ui.supervisor.queue_model import QUEUE_LIMIT, ItemRole, ReviewQueueModel
from inbox.ui.supervisor.reader import ThreadReader
from inbox.ui.supervisor.roster import RosterCard

SUPERVISORS_ONLY = "Supervisors only"

# (key, title, tooltip): the definitions are the README's "Metrics" table, in one line each.
CARDS = (
    ("mo", "Received", "Messages from customers (MO) received in the range"),
    (
        "mt",
        "Sent",
        "Messages to customers (MT) created in the range, by agents and by what answered automatically"
        " (keywords, rules, polls…); notes never count",
    ),
    ("new", "New conversations", "Conversations created in the range"),
    ("first", "First response", "Median time to the first human answer of a conversation (p90 below)"),
    ("response", "Response time", "Median time a customer waited for a human answer, every turn (p90 below)"),
    ("resolution", "Resolution time", "Median time from the customer's first message to resolved"),
    ("waiting", "Waiting now", "Open conversations whose customer waits for a human answer, now"),
    (
        "automation",
        "Automation share",
        "Automatic replies (keywords, rules, polls…) ÷ all replies (automatic + agents)",
    ),
    ("optouts", "Opt-outs", "Customers who opted out (STOP, carrier or agent) in the range; opt-ins below"),
    ("verification", "Verification success", "Identity checks that ended verified ÷ those that ended"),
    ("delivery", "Delivery success", "Delivered ÷ messages with a delivery outcome"),
    ("segments", "Segments sent", "SMS segments the provider accepted (what the carrier bills)"),
)
WAIT_CHOICES = (
    ("Wait: any", None),
    ("Waiting > 15 m", timedelta(minutes=15)),
    ("Waiting > 1 h", timedelta(hours=1)),
    ("Waiting > 4 h", timedelta(hours=4)),
    ("Waiting > 1 d", timedelta(days=1)),
)
NO_REPLY_CHOICES = (
    ("Reply: any", None),
    ("No reply within 5 m", timedelta(minutes=5)),
    ("No reply within 15 m", timedelta(minutes=15)),
    ("No reply within 1 h", timedelta(hours=1)),
    ("No reply within 4 h", timedelta(hours=4)),
    ("No reply within 1 d", timedelta(days=1)),
)
STATUS_CHOICES = (("Status: any", None), *((s.value.title(), s) for s in ConversationStatus))
OPT_OUT_CHOICES = (("Opt-out: any", None), ("Opted out", True), ("Not opted out", False))
REVIEWED_CHOICES = (("Reviews: any", None), ("Not reviewed", False), ("Reviewed", True))


def automated_by(m: Metrics, shown: int = 2) -> list[str]:
    """["2 by keywords", "1 by polls"]: what really answered (a demo without rules said "2 by
    rules"); past ``shown`` kinds the rest are summed ("3 by others")."""
    parts = [f"{n:,} by {what}" for what, n in m.automated_by[:shown]]
    rest = sum(n for _what, n in m.automated_by[shown:])
    return [*parts, f"{rest:,} by others"] if rest else parts


def cards_text(m: Metrics, rep: MetricsReport) -> dict[str, tuple[str, str, str]]:
    """(value, line under it, tone) per card, from one report: pure, so tests can pin the wording."""
    replies = m.agent_replies + m.automated_replies
    w = rep.waiting
    failures = m.undelivered + m.failed
    out = {
        "mo": (count(m.mo), "messages from customers", ""),
        "mt": (count(m.mt), f"{m.agent_replies:,} by agents · {m.automated_replies:,} automatic", ""),
        "new": (count(m.new_conversations), "conversations started", ""),
        "first": (
            duration(m.first_response.median),
            f"p90 {duration(m.first_response.p90)} · {m.first_response.count:,} answered",
            "",
        ),
        "response": (
            duration(m.response.median),
            f"p90 {duration(m.response.p90)} · {m.response.count:,} answers",
            "",
        ),
        "resolution": (
            duration(m.resolution.median),
            f"p90 {duration(m.resolution.p90)} · {m.resolution.count:,} resolved",
            "",
        ),
        "waiting": (
            count(w.conversations),
            f"oldest {duration(w.oldest_wait_seconds)}" if w.conversations else "nobody is waiting",
            "warning" if (w.oldest_wait_seconds or 0) >= 3600 else "",
        ),
        "automation": (
            percent(m.automation_share),
            " · ".join(automated_by(m)) or "no automatic replies" if replies else "no replies yet",
            "",
        ),
        "optouts": (count(m.opt_outs), f"{m.opt_ins:,} opted back in", ""),
        "delivery": (
            percent(m.delivery_success_rate),
            f"{m.undelivered:,} undelivered · {m.failed:,} failed" if failures else f"{m.delivered:,} delivered",
            "danger" if failures else "success" if m.delivered else "",
        ),
        "segments": (count(m.segments_sent), "billed by the carrier", ""),
    }
    if m.verifications is None:
        out["verification"] = (EMPTY, "verification is not set up", "")
    elif not m.verifications:
        out["verification"] = (EMPTY, "no identity checks in range", "")
    else:
        out["verification"] = (
            percent(m.verification_success_rate),
            f"{m.verifications_succeeded:,} of {m.verifications:,} verified",
            "",
        )
    return out


class SupervisorWindow(QMainWindow):
    """Filter bar over two pages, Overview and Review queue, plus Export (Ctrl+E).

    Args:
        service: the one backend handle: reports read its database on workers, its agent is the
            viewer (supervisors and admins get in), and the read-only reader loads threads through it.
        tz: the viewer's zone for day boundaries and times (default: this computer's).
        now: the clock (tests pin it to the seed's end).
    """

    def __init__(
        self,
        service: InboxService,
        *,
        tz: tzinfo | None = None,
        now: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service  # the one backend handle: its database, and its agent as the viewer
        self.db, self.actor = service.db, service.agent
        self.tz = tz or datetime.now().astimezone().tzinfo or UTC
        self.now = now or (lambda: datetime.now(UTC))
        self.allowed: bool | None = None
        self.dashboard: Dashboard | None = None
        self.export_dialog: ExportDialog | None = None
        self._generation = 0
        self._queue_generation = 0
        self.setWindowTitle("Supervisor — Inbox")
        self.setMinimumSize(960, 620)
        self.resize(1440, 900)

        self.filters = FilterBar(self.tz, self.now, self)
        self.filters.changed.connect(self.refresh)
        header = self._build_header()
        self.overview = self._build_overview()
        self.review_page = self._build_review()
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.overview)
        self.pages.addWidget(self.review_page)

        content = QWidget(self)
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(header)
        lay.addWidget(self.filters)
        lay.addWidget(self.pages, 1)
        self.content = content

        self.loading = QLabel("Checking your role…", self)
        self.loading.setProperty("role", "empty")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.denied = self._build_denied()
        self.root = QStackedWidget(self)
        for w in (self.loading, self.denied, content):
            self.root.addWidget(w)
        self.setCentralWidget(self.root)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=lambda: self.open_export())
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        shortcuts.install_close_keys(self)  # Esc and Ctrl+W, as every secondary window
        self.restyle()
        theme.state().changed.connect(self.restyle)
        self.start()

    # -- building ----------------------------------------------------------------------------------
    def _build_header(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("paneHeader")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(bar)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(8)
        title = QLabel("Supervisor", bar)
        f = theme.semibold(self.font())
        f.setPointSizeF(self.font().pointSizeF() + 4)
        title.setFont(f)
        row.addWidget(title)
        row.addSpacing(16)
        self.page_group = QButtonGroup(self)
        self.page_buttons: list[QToolButton] = []
        for i, label in enumerate(("Overview", "Review queue")):
            b = QToolButton(bar)
            b.setObjectName("segment")
            b.setText(label)
            b.setCheckable(True)
            b.setAccessibleName(label)
            self.page_group.addButton(b, i)
            self.page_buttons.append(b)
            row.addWidget(b)
        self.page_buttons[0].setChecked(True)
        self.page_group.idClicked.connect(self.show_page)
        row.addStretch(1)
        self.updated = QLabel("", bar)
        self.updated.setProperty("role", "muted")
        row.addWidget(self.updated)
        self.refresh_button = QToolButton(bar)
        self.refresh_button.setObjectName("action")
        self.refresh_button.setToolTip("Refresh (F5)")
        self.refresh_button.setAccessibleName("Refresh")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        row.addWidget(self.refresh_button)
        self.export_button = QPushButton("Export…", bar)
        self.export_button.setObjectName("primary")
        self.export_button.setToolTip("Export messages, conversations or metrics (Ctrl+E)")
        self.export_button.clicked.connect(lambda: self.open_export())
        row.addWidget(self.export_button)
        return bar

    def _build_overview(self) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget(scroll)
        inner.setObjectName("overview")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(16, 16, 16, 16)
        lay.setSpacing(12)
        self.grid = CardGrid(min_width=CARD_MIN_WIDTH, parent=inner, fewest=2, most=6)
        self.cards: dict[str, MetricCard] = {}
        for key, title, tip in CARDS:
            self.cards[key] = self.grid.add(MetricCard(key, title, tip, self.grid))
        lay.addWidget(self.grid)
        self.roster_card = RosterCard(self.service, inner)  # who is on now, with their load (live)
        lay.addWidget(self.roster_card)

        self.volume_chart = VolumeChart()
        self.histogram_chart = HistogramChart()
        self.agent_first_chart = AgentBarsChart("Median first response per agent")
        self.agent_handled_chart = AgentBarsChart("Conversations handled per agent", colour="second")
        volume = Card("Volume over time", spacing=4)
        volume.body.addWidget(self.volume_chart, 1)
        histogram = Card("Response-time distribution", spacing=4)
        histogram.body.addWidget(self.histogram_chart, 1)
        agents = Card("Per agent", spacing=4)
        pair = QHBoxLayout()
        pair.setSpacing(8)
        for chart, caption in (
            (self.agent_first_chart, "Median first response (minutes)"),
            (self.agent_handled_chart, "Conversations handled"),
        ):
            col = QVBoxLayout()
            cap = QLabel(caption)
            cap.setProperty("role", "muted")
            col.addWidget(cap)
            col.addWidget(chart, 1)
            pair.addLayout(col, 1)
        agents.body.addLayout(pair, 1)
        failures = Card("Delivery failures", spacing=4)
        self.failure_list = QListWidget()
        self.failure_list.setAccessibleName("Delivery failure reasons")
        self.failure_list.setObjectName("failures")
        self.failure_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.failure_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        failures.body.addWidget(self.failure_list, 1)
        for top, (a, b) in enumerate(((volume, histogram), (agents, failures))):
            row = QHBoxLayout()
            row.setSpacing(12)
            row.addWidget(a, 3)
            row.addWidget(b, 2)
            for card in (a, b):
                card.setMinimumHeight(270 if top == 0 else 230)
            lay.addLayout(row, 6 if top == 0 else 5)
        scroll.setWidget(inner)
        return scroll

    def _build_review(self) -> QWidget:
        page = QSplitter(Qt.Orientation.Horizontal, self)
        page.setChildrenCollapsible(False)
        page.setHandleWidth(1)
        left = QWidget(page)
        left.setObjectName("queuePane")
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(0)
        bar = QWidget(left)
        bar.setObjectName("filterBar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 6, 12, 6)
        row.setSpacing(6)

        def combo(name: str, choices) -> QComboBox:
            c = QComboBox(bar)
            c.setAccessibleName(name)
            for text, value in choices:
                c.addItem(text, value)
            c.currentIndexChanged.connect(self.refresh_queue)
            row.addWidget(c)
            return c

        self.q_status = combo("Status", STATUS_CHOICES)
        self.q_waiting = combo("Waiting longer than", WAIT_CHOICES)
        self.q_no_reply = combo("No reply within", NO_REPLY_CHOICES)
        self.q_opted_out = combo("Opt-out", OPT_OUT_CHOICES)
        self.q_reviewed = combo("Reviewed", REVIEWED_CHOICES)
        row.addStretch(1)
        self.queue_count = QLabel("", bar)
        self.queue_count.setProperty("role", "muted")
        row.addWidget(self.queue_count)
        lv.addWidget(bar)

        self.queue_model = ReviewQueueModel(self)
        self.queue_view = QTableView(left)
        self.queue_view.setObjectName("reviewQueue")
        self.queue_view.setAccessibleName("Review queue")
        self.queue_view.setModel(self.queue_model)
        self.queue_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.queue_view.setShowGrid(False)
        self.queue_view.setWordWrap(False)
        self.queue_view.setAlternatingRowColors(False)
        self.queue_view.verticalHeader().setVisible(False)
        self.queue_view.verticalHeader().setDefaultSectionSize(36)
        hh = self.queue_view.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setStretchLastSection(False)
        hh.setMinimumSectionSize(56)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.queue_view.selectionModel().currentRowChanged.connect(self._queue_row_changed)
        self.queue_empty = QLabel("No thread matches these filters.", left)
        self.queue_empty.setProperty("role", "empty")
        self.queue_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.queue_empty.setVisible(False)
        lv.addWidget(self.queue_view, 1)
        lv.addWidget(self.queue_empty, 1)

        self.reader = ThreadReader(self.service, page)
        self.reader.transcript_requested.connect(self.export_transcript)
        self.reader.note_added.connect(lambda _cid: self.refresh_queue())
        page.addWidget(left)
        page.addWidget(self.reader)
        page.setStretchFactor(0, 3)
        page.setStretchFactor(1, 2)
        self.review_splitter = page
        return page

    def _build_denied(self) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        self.denied_icon = QLabel(page)
        self.denied_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(SUPERVISORS_ONLY, page)
        f = theme.semibold(self.font())
        f.setPointSizeF(self.font().pointSizeF() + 5)
        title.setFont(f)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.denied_text = QLabel("", page)
        self.denied_text.setProperty("role", "muted")
        self.denied_text.setTextFormat(Qt.TextFormat.PlainText)
        self.denied_text.setWordWrap(True)
        self.denied_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.denied_text.setFixedWidth(460)
        self.denied_text.setMinimumHeight(48)
        lay.addWidget(self.denied_icon)
        lay.addWidget(title)
        lay.addWidget(self.denied_text, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        return page

    def restyle(self) -> None:
        t = theme.tokens()
        self.setStyleSheet(
            card_stylesheet(t) + f"QWidget#overview {{ background: {t.window}; }}"
            f"QScrollArea {{ background: {t.window}; }}"
            f"QTableView#reviewQueue {{ background: {t.surface}; border: none; outline: none;"
            f" selection-background-color: {t.accent_soft}; selection-color: {t.text}; }}"
            f"QTableView#reviewQueue::item {{ padding: 0 8px; border-bottom: 1px solid {t.border}; }}"
            f"QHeaderView::section {{ background: {t.surface}; color: {t.muted}; border: none;"
            f" border-bottom: 1px solid {t.border}; padding: 6px 8px; font-weight: 600; }}"
            f"QComboBox, QDateEdit {{ background: {t.surface}; color: {t.text}; border: 1px solid {t.border};"
            f" border-radius: 6px; padding: 3px 8px; min-height: 20px; }}"
            f"QComboBox:hover, QDateEdit:hover {{ border-color: {t.muted}; }}"
            f"QComboBox::drop-down, QDateEdit::drop-down {{ border: none; width: 20px;"
            f" subcontrol-origin: padding; subcontrol-position: center right; }}"
            f"QComboBox::down-arrow, QDateEdit::down-arrow {{ image: url({chevron(t.muted)}); width: 12px;"
            f" height: 12px; }}"
            f"QComboBox QAbstractItemView {{ background: {t.surface}; color: {t.text};"
            f" selection-background-color: {t.accent_soft}; selection-color: {t.text}; }}"
            f"QListWidget#failures {{ background: transparent; border: none; color: {t.text}; }}"
            f"QListWidget#failures::item {{ padding: 6px 0; border-bottom: 1px solid {t.border}; }}"
            f"QListWidget {{ background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 6px; }}"
            f"QWidget#queuePane {{ background: {t.surface}; }}"
        )
        self.refresh_button.setIcon(icons.icon("retry", "muted"))
        self.denied_icon.setPixmap(icons.pixmap("ban", 40, t.muted))

    # -- access ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Check the role on a worker; supervisors and admins see the view, agents the refusal."""
        db, actor = self.db, self.actor
        self.root.setCurrentWidget(self.loading)
        ops.run_op(self, lambda: data.access(db, actor), self._on_access, self._refused, label="Checking role")

    def _on_access(self, refusal: str | None) -> None:
        if refusal is not None:
            self.allowed = False
            self.denied_text.setText(refusal)
            self.root.setCurrentWidget(self.denied)
            return
        self.allowed = True
        self.root.setCurrentWidget(self.content)
        self.roster_card.start()
        db = self.db
        ops.run_op(self, lambda: data.load_options(db), self._on_options, label="Loading filters")
        self.refresh()

    def _refused(self, exc: BaseException) -> None:
        self.allowed = False
        self.denied_text.setText(str(exc))
        self.root.setCurrentWidget(self.denied)

    def _on_options(self, opts: Options) -> None:
        self.filters.set_options(opts)

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the numbers, the charts and the queue for the current filters."""
        if not self.allowed:
            return
        self._generation += 1
        gen = self._generation
        db, actor, flt, period, tz, now = (
            self.db,
            self.actor,
            self.filters.report_filter(),
            self.filters.bucket(),
            self.tz,
            self.now(),
        )
        ops.run_op(
            self,
            lambda: data.load_dashboard(db, actor, flt, period, tz, now),
            lambda d: self._show_dashboard(gen, d),
            label="Loading metrics",
        )
        self.refresh_queue()

    def _show_dashboard(self, gen: int, d: Dashboard) -> None:
        if gen != self._generation:
            return
        self.dashboard = d
        rep = d.report
        for key, (value, sub, tone) in cards_text(rep.total, rep).items():
            self.cards[key].set(value, sub, tone)
        self.volume_chart.set_points([(b.start.astimezone(self.tz), b.mo, b.mt) for b in rep.buckets])
        self.histogram_chart.set_buckets(d.histogram)
        self.agent_first_chart.set_values([(a.name, (a.metrics.first_response.median or 0) / 60) for a in d.agents])
        self.agent_handled_chart.set_values([(a.name, a.handled) for a in d.agents])
        self.failure_list.clear()
        for r in rep.total.failure_reasons:
            code = f"{r.error_code} · " if r.error_code is not None else ""
            self.failure_list.addItem(f"{r.count:,}×  {code}{r.error_message or 'No reason given'}")
        if not rep.total.failure_reasons:
            self.failure_list.addItem("No failed or undelivered messages in this range.")
        self.updated.setText(f"Updated {self.now().astimezone(self.tz):%H:%M}")

    def queue_filter(self) -> ReviewFilter:
        flt = self.filters.report_filter()
        return ReviewFilter(
            agent=flt.agent,
            status=self.q_status.currentData(),
            label=flt.label,
            channel_id=flt.channel_id,
            waiting_longer_than=self.q_waiting.currentData(),
            no_reply_within=self.q_no_reply.currentData(),
            opted_out=self.q_opted_out.currentData(),
            reviewed=self.q_reviewed.currentData(),
            start=flt.start,
            end=flt.end,
            limit=QUEUE_LIMIT,
        )

    def refresh_queue(self) -> None:
        if not self.allowed:
            return
        self._queue_generation += 1
        gen = self._queue_generation
        db, actor, rf, now = self.db, self.actor, self.queue_filter(), self.now()
        ops.run_op(
            self,
            lambda: review.queue(db, actor, rf, now=now),
            lambda items: self._show_queue(gen, items, now),
            label="Loading review queue",
        )

    def _show_queue(self, gen: int, items: tuple[ReviewItem, ...], now: datetime) -> None:
        if gen != self._queue_generation:
            return
        keep = self.reader.conversation_id
        self.queue_model.set_items(items, now)
        n = len(items)
        more = "+" if n >= QUEUE_LIMIT else ""
        self.queue_count.setText(f"{n}{more} thread{'s' if n != 1 else ''}")
        self.queue_view.setVisible(bool(items))
        self.queue_empty.setVisible(not items)
        row = next((i for i, it in enumerate(items) if it.conversation.id == keep), -1)
        if row >= 0:
            self.queue_view.selectRow(row)

    def _queue_row_changed(self, current, _previous) -> None:
        item: ReviewItem | None = current.data(ItemRole) if current.isValid() else None
        if item is not None and item.conversation.id != self.reader.conversation_id:
            self.reader.open(item.conversation)

    def open_thread(self, row: int) -> None:
        """Open the queue's row read-only (tests, keyboard)."""
        self.show_page(1)
        self.queue_view.selectRow(row)

    # -- pages, exports ----------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.page_buttons[index].setChecked(True)

    def open_export(self, conversation_id: int | None = None) -> ExportDialog | None:
        if not self.allowed:
            return None
        dialog = ExportDialog(
            self.service,
            self.filters.report_filter(),
            self.filters.bucket(),
            self.tz,
            self.filters.describe(),
            self,
            conversation_id=conversation_id,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export_transcript(self, conversation_id: int) -> None:
        self.open_export(conversation_id)
