"""Polls: the list, live results (share bars, a bar chart, votes over time), close, export, create.

Live: the window forwards change events (new MOs are what votes arrive as); the page debounces
them (``page.LIVE_DEBOUNCE_MS``) and reloads the open poll's results on the worker, so a burst of 500
votes costs a handful of reads, never one per message and never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core import rules as core_rules
from inbox.core.engagement import PollOption, PollRefused, validate_options
from inbox.engine.campaigns import ChannelRef, Engagement, PollResults, PollSummary
from inbox.reports import exports
from inbox.ui import humanize, ops, theme
from inbox.ui.cards import Card
from inbox.ui.engagement.charts import TimelineChart, VotesChart
from inbox.ui.engagement.page import Page
from inbox.ui.engagement.parts import ROW_ROLE, CardRow, Row, Share, ShareBars, StatCard, heading, muted, set_chip
from inbox.ui.qt_compat import emit

CLOCK_MS = 20_000  # the detail's "open for 3 min" is minutes: redrawn a few times a minute


def poll_state(poll, now: datetime | None = None) -> tuple[str, str]:
    """The chip: Open (accent), Scheduled (not open yet) or Closed."""
    now = now or datetime.now(UTC)
    if poll.is_open(now):
        return "Open", "open"
    if poll.closed_at is None and poll.opens_at > now:
        return "Scheduled", ""
    return "Closed", ""


def _when(dt: datetime) -> str:
    loc = humanize.local(dt)
    return f"{loc.day} {loc.strftime('%b')} {loc.strftime('%H:%M')}"


class PollsPage(Page):
    def __init__(self, api: Engagement, parent: QWidget | None = None) -> None:
        super().__init__(
            api,
            "Polls",
            "No polls yet. Create one and customers vote by texting the option's key (A, B, YES…) to your number.",
            parent,
        )
        self.new_button = self.add_header_button("New poll", self.new_poll, primary=True)
        self.results: PollResults | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._items: object = ()  # the list as last loaded (the clock redraws its times)
        self._build_detail()
        # "Open · for 1 min" stayed so for an hour: the times in the detail are redrawn from the
        # results already loaded (no database call), and the chip turns Closed at closes_at.
        self.clock = QTimer(self)
        self.clock.setInterval(CLOCK_MS)
        self.clock.timeout.connect(self._tick)
        self.clock.start()

    def _tick(self) -> None:
        if not self.isVisible():
            return
        if self.results is not None:
            self._show(self.results)
        # the list's chips and "opened 5 min ago", redrawn in place: same rows, same order
        for i, row in enumerate(self._rows(self._items)):
            item = self.list.item(i)
            if item is not None and item.data(ROW_ROLE) != row:
                item.setData(ROW_ROLE, row)

    # -- layout ------------------------------------------------------------------------------------
    def _build_detail(self) -> None:
        d = self.detail_layout
        top = QHBoxLayout()
        top.setSpacing(12)
        head = heading(self.detail, 3)
        self.question, self.when_label = head.title, head.note
        self.state_chip, self.channel_chip, self.rule_chip = head.chips
        top.addLayout(head.layout, 1)
        self.export_csv = QPushButton("Export CSV", self.detail)
        self.export_xlsx = QPushButton("Export XLSX", self.detail)
        self.close_button = QPushButton("Close poll", self.detail)
        self.close_button.setObjectName("danger")
        self.export_csv.clicked.connect(lambda: self.export("csv"))
        self.export_xlsx.clicked.connect(lambda: self.export("xlsx"))
        self.close_button.clicked.connect(self.close_poll)
        for b in (self.export_csv, self.export_xlsx, self.close_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        d.addLayout(top)

        self.votes_card = StatCard("Votes", self.detail)
        self.leader_card = StatCard("Leading", self.detail)
        self.window_card = StatCard("Voting", self.detail)
        d.addWidget(CardRow([self.votes_card, self.leader_card, self.window_card], 170, self.detail))

        self.results_card = Card("Results", self.detail)
        self.bars = ShareBars(self.results_card)
        self.results_card.body.addWidget(self.bars)
        self.results_card.body.addStretch(1)
        self.keywords = muted("", self.results_card)
        self.keywords.setWordWrap(True)
        self.keywords.setFont(theme.meta_font(self.font()))
        self.results_card.body.addWidget(self.keywords)
        self.chart_card = Card("Votes per option", self.detail)
        self.chart = VotesChart(self.chart_card)
        self.chart_card.body.addWidget(self.chart)
        d.addWidget(CardRow([self.results_card, self.chart_card], 330, self.detail))
        self.timeline_card = Card("Votes over time", self.detail)
        self.timeline = TimelineChart(self.timeline_card)
        self.timeline.setMinimumHeight(220)
        self.timeline_card.body.addWidget(self.timeline)
        d.addWidget(self.timeline_card)
        d.addStretch(1)

    # -- data --------------------------------------------------------------------------------------
    def _load_list(self) -> tuple[PollSummary, ...]:
        return self.api.polls()

    def _rows(self, items: object) -> list[Row]:
        self._items = items
        rows = []
        for s in items:  # type: ignore[attr-defined]
            p = s.poll
            label, tone = poll_state(p, self.now())
            if label == "Scheduled":
                when = f"opens {_when(p.opens_at)}"
            else:
                when = f"opened {humanize.relative_time(p.opens_at)}"
            meta = f"{s.channel}  ·  {s.votes:,} vote{'s' if s.votes != 1 else ''}  ·  {when}"
            rows.append(Row(p.id, p.question, meta, label, tone))
        return rows

    def _load_detail(self, key: int) -> PollResults | None:
        return self.api.poll_results(key)

    def _show(self, detail: object) -> None:
        assert isinstance(detail, PollResults)
        self.results = detail
        poll, now = detail.poll, self.now()
        is_open = poll.is_open(now)
        self.question.setText(poll.question)
        set_chip(self.state_chip, *poll_state(poll, now))
        row = next((r for r in self.list.rows() if r.key == poll.id), None)
        set_chip(self.channel_chip, row.meta.split("  ·  ")[0] if row else "", "")
        set_chip(self.rule_chip, "Last vote counts" if poll.last_vote_counts else "First vote counts", "")
        when = f"{'Opens' if poll.opens_at > now else 'Opened'} {_when(poll.opens_at)}"
        if poll.closed_at is not None:
            when += f"  ·  closed {_when(poll.closed_at)}"
        elif poll.closes_at is not None:
            when += f"  ·  {'closes' if is_open else 'closed'} {_when(poll.closes_at)}"
        self.when_label.setText(when)
        self.close_button.setEnabled(poll.closed_at is None and (poll.closes_at is None or now < poll.closes_at))

        self.votes_card.set(f"{detail.total:,}", f"across {len(detail.options)} options")
        leader = max(detail.options, key=lambda o: o.votes, default=None)
        if leader is None or leader.votes == 0:
            self.leader_card.set("—", "no votes yet")
        else:
            tied = [o for o in detail.options if o.votes == leader.votes]
            if len(tied) > 1:
                self.leader_card.set("Tie", " · ".join(o.label for o in tied) + f" at {leader.share:.0%}", "warning")
            else:
                self.leader_card.set(leader.label, f"{leader.share:.1%} of votes · {leader.key}", "success")
        if is_open:
            self.window_card.set(
                "Open",
                f"for {_age(now - poll.opens_at)}" + (f" · closes {_when(poll.closes_at)}" if poll.closes_at else ""),
                "success",
            )
        else:
            ended = poll.closed_at or poll.closes_at
            if poll.opens_at > now:
                self.window_card.set("Scheduled", f"opens {_when(poll.opens_at)}")
            else:
                self.window_card.set("Closed", f"since {_when(ended)}" if ended else "")

        self.bars.set_shares([Share(o.key, o.label, o.votes, o.share) for o in detail.options])
        self.keywords.setText(
            "Customers reply with: "
            + "   ".join(f"{o.key}" + (f" / {', '.join(o.keywords)}" if o.keywords else "") for o in poll.options)
        )
        self.chart.set_votes([(o.key, o.votes) for o in detail.options])
        hours = {h for h, _, _ in detail.over_time}
        self.timeline_card.setVisible(len(hours) >= 2)
        if len(hours) >= 2:
            self.timeline.set_timeline([(o.key, o.label) for o in poll.options], list(detail.over_time))

    # -- actions -----------------------------------------------------------------------------------
    def close_poll(self) -> None:
        res = self.results
        if res is None:
            return
        if not self.confirm(
            "Close poll",
            f"Close “{res.poll.question}”? Later replies are no longer counted; the results stay.",
            "Close poll",
        ):
            return
        pid = res.poll.id
        self.close_button.setEnabled(False)
        ops.run_op(
            self,
            lambda: self.api.close_poll(pid),
            lambda _ok: (self.say("Poll closed"), self.reload()),
            lambda _e: self.close_button.setEnabled(True),
            label="Closing the poll",
        )

    def export(self, fmt: str) -> None:
        res = self.results
        if res is None:
            return
        pattern = "CSV files (*.csv)" if fmt == "csv" else "Excel workbooks (*.xlsx)"
        path = self.save_path(f"Export poll results as {fmt.upper()}", f"poll-{res.poll.id}-results.{fmt}", pattern)
        if path is None:
            return
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        pid, api = res.poll.id, self.api
        ops.run_op(
            self,
            lambda: exports.export_poll_results(api.db, api.agent, pid, path, fmt),
            lambda r: self.say(f"Exported {r.rows} rows to {r.path.name}"),
            label="Exporting poll results",
        )

    def new_poll(self) -> None:
        ops.run_op(self, self.api.channels, self._open_create, label="Loading channels")

    def _open_create(self, chans: tuple[ChannelRef, ...]) -> None:
        dialog = CreatePollDialog(self.api, chans, self)
        dialog.created.connect(self._created)
        self.create_dialog = dialog
        dialog.open()

    def _created(self, poll_id: int) -> None:
        self.say("Poll created")
        ops.run_op(
            self,
            self._load_list,
            lambda items: (self._on_list(items), self.list.select_key(poll_id)),
            label="Loading polls",
        )


def _age(delta) -> str:
    secs = max(0, int(delta.total_seconds()))
    if secs < 3600:
        return f"{max(1, secs // 60)} min"
    if secs < 86400 * 2:
        return f"{secs // 3600} h"
    return f"{secs // 86400} days"


class CreatePollDialog(QDialog):
    """Question, options (key, label, more keywords), channel, opens/closes, first or last vote.

    The options are checked with the engine's own rules before anything is written (two options at
    least, no word picking two options, no STOP/HELP words), so the dialog explains a refusal.

    Signals:
        created(int): the new poll's id.
    """

    created = Signal(int)

    def __init__(self, api: Engagement, chans: tuple[ChannelRef, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.setWindowTitle("New poll")
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.setSpacing(10)
        self.question = QLineEdit(self)
        self.question.setPlaceholderText("What should we serve at the summer party?")
        form.addRow("Question", self.question)
        self.channel = QComboBox(self)
        for c in chans:
            self.channel.addItem(f"{c.name}  ·  {c.number}", c.id)
        form.addRow("Channel", self.channel)
        self.options = QTableWidget(0, 3, self)
        self.options.setHorizontalHeaderLabels(["Key", "Label", "Also accepts (a, b)"])
        self.options.verticalHeader().setVisible(False)
        self.options.horizontalHeader().setStretchLastSection(True)
        self.options.setColumnWidth(0, 70)
        self.options.setColumnWidth(1, 170)
        self.options.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.options.setMinimumHeight(150)
        for key, label in (("A", ""), ("B", "")):
            self.add_option(key, label)
        buttons = QHBoxLayout()
        add = QPushButton("Add option", self)
        add.clicked.connect(lambda: self.add_option(chr(ord("A") + self.options.rowCount()), ""))
        remove = QPushButton("Remove", self)
        remove.clicked.connect(lambda: self.options.removeRow(max(0, self.options.currentRow())))
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        opt_box = QVBoxLayout()
        opt_box.addWidget(self.options)
        opt_box.addLayout(buttons)
        form.addRow("Options", opt_box)
        now = QDateTime.currentDateTime()
        self.opens = QDateTimeEdit(now, self)
        self.opens.setCalendarPopup(True)
        self.opens.setDisplayFormat("d MMM yyyy HH:mm")
        form.addRow("Opens", self.opens)
        closes_row = QHBoxLayout()
        self.has_close = QCheckBox("Close automatically at", self)
        self.closes = QDateTimeEdit(now.addDays(7), self)
        self.closes.setCalendarPopup(True)
        self.closes.setDisplayFormat("d MMM yyyy HH:mm")
        self.closes.setEnabled(False)
        self.has_close.toggled.connect(self.closes.setEnabled)
        closes_row.addWidget(self.has_close)
        closes_row.addWidget(self.closes, 1)
        form.addRow("Closes", closes_row)
        self.first_counts = QRadioButton("First vote counts", self)
        self.last_counts = QRadioButton("Last vote counts (a new vote replaces the old one)", self)
        self.first_counts.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.first_counts)
        group.addButton(self.last_counts)
        votes = QVBoxLayout()
        votes.addWidget(self.first_counts)
        votes.addWidget(self.last_counts)
        form.addRow("One vote each", votes)
        self.error = QLabel("", self)
        self.error.setProperty("role", "danger")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button = QPushButton("Create poll", self)
        self.create_button.setObjectName("primary")  # named before it joins the box, or the QSS misses it
        self.box.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.box)
        if not chans:
            self.error.setText("Add a channel first (Settings → Channels): a poll listens on one number.")
            self.create_button.setEnabled(False)

    def add_option(self, key: str, label: str, keywords: str = "") -> None:
        r = self.options.rowCount()
        self.options.insertRow(r)
        for c, v in enumerate((key, label, keywords)):
            self.options.setItem(r, c, QTableWidgetItem(v))

    def parsed_options(self) -> list[PollOption]:
        out = []
        for r in range(self.options.rowCount()):
            cells = [(self.options.item(r, c).text() if self.options.item(r, c) else "").strip() for c in range(3)]
            key = core_rules.normalize_keyword(cells[0])
            if not key and not cells[1]:
                continue
            if not key or " " in key:
                raise PollRefused(f"an option key is one word: {cells[0]!r}")
            extra = [core_rules.normalize_keyword(w) for w in cells[2].split(",") if w.strip()]
            label_word = core_rules.normalize_keyword(cells[1])
            if label_word and label_word != key and " " not in label_word and label_word not in extra:
                extra.insert(0, label_word)  # "Pizza" also picks A, like `inbox polls create A=Pizza`
            out.append(PollOption(key, cells[1] or key, tuple(extra)))
        return list(validate_options(out))

    def submit(self) -> None:
        question = self.question.text().strip()
        try:
            if not question:
                raise PollRefused("write the question customers will answer")
            options = self.parsed_options()
        except PollRefused as exc:
            self.error.setText(str(exc))
            return
        opens = self.opens.dateTime().toPython().astimezone(UTC)
        closes = self.closes.dateTime().toPython().astimezone(UTC) if self.has_close.isChecked() else None
        if closes is not None and closes <= opens:
            self.error.setText("The poll must close after it opens.")
            return
        opens = min(opens, datetime.now(UTC)).replace(microsecond=0) if opens <= datetime.now(UTC) else opens
        self.error.setText("")
        self.create_button.setEnabled(False)
        channel_id = self.channel.currentData()
        last = self.last_counts.isChecked()
        ops.run_op(
            self,
            lambda: self.api.create_poll(
                channel_id=channel_id,
                question=question,
                options=options,
                opens_at=opens,
                closes_at=closes,
                last_vote_counts=last,
            ),
            self._done,
            self._failed,
            label="Creating the poll",
        )

    def _done(self, poll) -> None:
        emit(self.created, poll.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.error.setText(ops.describe(exc) if not isinstance(exc, ValueError) else str(exc))
