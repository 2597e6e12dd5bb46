"""Contests: entrants, code import from CSV, and the audited winner draw with its seed.

The draw is the engine's (``secrets`` seed, recorded, opted-out entrants excluded, an audit event);
the page shows the seed prominently and selectable so an auditor can re-run
``inbox.core.engagement.draw(pool, count, seed)`` and get the same winners.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from inbox.core import phone
from inbox.engine.campaigns import ContestDetail, ContestSummary, DrawOutcome, Engagement
from inbox.ui import humanize, ops, theme
from inbox.ui.cards import Card
from inbox.ui.engagement.page import Page
from inbox.ui.engagement.parts import CardRow, Row, StatCard, fill_table, heading, muted, set_chip, table


def _when(dt) -> str:
    loc = humanize.local(dt)
    return f"{loc.day} {loc.strftime('%b')} {loc.strftime('%H:%M')}"


def ask_count(parent: QWidget, eligible: int) -> int | None:
    n, ok = QInputDialog.getInt(
        parent, "Draw winners", f"How many winners? ({eligible} eligible)", 1, 1, max(1, eligible)
    )
    return n if ok else None


class ContestsPage(Page):
    def __init__(self, api: Engagement, parent: QWidget | None = None) -> None:
        super().__init__(
            api,
            "Contests",
            "No contests yet. Create one with `inbox contests create`; "
            "customers enter by texting its keyword or a code from the pack.",
            parent,
        )
        self.detail_data: ContestDetail | None = None
        self.last_draw: DrawOutcome | None = None
        self.ask_count = lambda eligible: ask_count(self, eligible)
        self._build_detail()

    def _build_detail(self) -> None:
        d = self.detail_layout
        top = QHBoxLayout()
        top.setSpacing(12)
        head = heading(self.detail, 3)
        self.name, self.when_label = head.title, head.note
        self.state_chip, self.entry_chip, self.limit_chip = head.chips
        top.addLayout(head.layout, 1)
        self.import_button = QPushButton("Import codes…", self.detail)
        self.draw_button = QPushButton("Draw winners…", self.detail)
        self.draw_button.setObjectName("primary")
        self.import_button.clicked.connect(self.import_codes)
        self.draw_button.clicked.connect(self.draw)
        top.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.draw_button, 0, Qt.AlignmentFlag.AlignTop)
        d.addLayout(top)

        self.entrants_card = StatCard("Entrants", self.detail)
        self.eligible_card = StatCard("Eligible for the draw", self.detail)
        self.codes_card = StatCard("Codes", self.detail)
        d.addWidget(CardRow([self.entrants_card, self.eligible_card, self.codes_card], 170, self.detail))

        self.draw_card = Card("Latest draw", self.detail)
        self.winners = QLabel("", self.draw_card)
        self.winners.setTextFormat(Qt.TextFormat.PlainText)
        self.winners.setWordWrap(True)
        self.winners.setFont(theme.semibold(QFont(self.font())))
        self.winners.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.seed = QLabel("", self.draw_card)
        self.seed.setObjectName("seed")
        self.seed.setTextFormat(Qt.TextFormat.PlainText)
        self.seed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF())
        self.seed.setFont(mono)
        self.draw_meta = muted("", self.draw_card)
        self.draw_meta.setWordWrap(True)
        self.draw_meta.setFont(theme.meta_font(self.font()))
        for w in (self.winners, self.seed, self.draw_meta):
            self.draw_card.body.addWidget(w)
        d.addWidget(self.draw_card)

        self.table_card = Card("Entrants", self.detail)
        self.table = table(["Number", "Entries", "First entry", "Status"], self.table_card, stretch=0)
        self.table.setMinimumHeight(260)
        self.table_card.body.addWidget(self.table)
        d.addWidget(self.table_card, 1)

    # -- data --------------------------------------------------------------------------------------
    def _load_list(self) -> tuple[ContestSummary, ...]:
        return self.api.contests()

    def _rows(self, items: object) -> list[Row]:
        rows = []
        for s in items:  # type: ignore[attr-defined]
            c = s.contest
            how = f"text {c.keyword}" if c.keyword else "codes"
            if c.keyword and c.uses_codes:
                how = f"text {c.keyword} + code"
            meta = f"{s.channel}  ·  {how}  ·  {s.entrants:,} entrant{'s' if s.entrants != 1 else ''}"
            rows.append(Row(c.id, c.name, meta, "Open" if s.is_open else "Closed", "open" if s.is_open else ""))
        self.summaries = {s.contest.id: s for s in items}  # type: ignore[attr-defined]
        return rows

    def _load_detail(self, key: int) -> ContestDetail | None:
        return self.api.contest_detail(key)

    def _show(self, detail: object) -> None:
        assert isinstance(detail, ContestDetail)
        self.detail_data = detail
        c = detail.contest
        summary = getattr(self, "summaries", {}).get(c.id)
        self.name.setText(c.name)
        is_open = summary.is_open if summary else False
        set_chip(self.state_chip, "Open" if is_open else "Closed", "open" if is_open else "")
        entry = []
        if c.keyword:
            entry.append(f"Keyword {c.keyword}")
        if c.uses_codes:
            entry.append("single-use codes")
        set_chip(self.entry_chip, " + ".join(entry), "")
        period = ""
        if c.period_seconds:
            hours = c.period_seconds / 3600
            period = f" per {hours:g} h" if hours < 48 else f" per {hours / 24:g} days"
        set_chip(self.limit_chip, f"{c.max_entries} entr{'y' if c.max_entries == 1 else 'ies'}{period or ' each'}", "")
        when = f"Opened {_when(c.opens_at)}"
        if c.closes_at:
            when += f" · {'closes' if is_open else 'closed'} {_when(c.closes_at)}"
        self.when_label.setText(when)
        self.import_button.setVisible(c.uses_codes)
        self.draw_button.setEnabled(detail.eligible > 0)

        self.entrants_card.set(f"{len(detail.entrants):,}", f"{sum(e.entries for e in detail.entrants):,} entries")
        self.eligible_card.set(
            f"{detail.eligible:,}",
            f"{detail.excluded_opted_out:,} opted out — excluded" if detail.excluded_opted_out else "nobody opted out",
            "warning" if detail.excluded_opted_out else "",
        )
        if summary and c.uses_codes:
            self.codes_card.set(f"{summary.codes_used:,} used", f"of {summary.codes_total:,} imported")
        else:
            self.codes_card.set("—", "entered by keyword")

        winners = set()
        if detail.draws:
            last = detail.draws[-1]
            winners = set(last.winners)
            self._show_draw(last, tuple(detail.phones.get(w, "?") for w in last.winners))
        else:
            self.draw_card.setVisible(False)
        rows = []
        for e in detail.entrants:
            status = "Winner" if e.contact_id in winners else ""
            if e.contact_id in detail.opted_out:
                status = (status + " · " if status else "") + "Opted out — excluded"
            rows.append((phone.display(e.phone), e.entries, _when(e.first_at), status))
        fill_table(self.table, rows, numeric={1})
        t = theme.tokens()
        for r, e in enumerate(detail.entrants):
            item = self.table.item(r, 3)
            if e.contact_id in winners:
                item.setForeground(t.color("success"))
                item.setFont(theme.semibold(self.table.font()))
            elif e.contact_id in detail.opted_out:
                item.setForeground(t.color("muted"))

    def _show_draw(self, draw, phones: tuple[str, ...]) -> None:
        self.draw_card.setVisible(True)
        self.winners.setText("Winners: " + ", ".join(phone.display(p) for p in phones))
        self.seed.setText(f"Seed  {draw.seed}")
        self.draw_meta.setText(
            f"Drawn by {draw.actor} on {_when(draw.at)} from {len(draw.pool):,} eligible entrants (sorted by contact "
            "id). Re-run inbox.core.engagement.draw(pool, count, seed) with this seed to reproduce it."
        )

    # -- actions -----------------------------------------------------------------------------------
    def draw(self) -> None:
        d = self.detail_data
        if d is None or d.eligible == 0:
            return
        count = self.ask_count(d.eligible)
        if count is None:
            return
        excluded = f" {d.excluded_opted_out:,} entrant(s) who opted out are excluded." if d.excluded_opted_out else ""
        if not self.confirm(
            "Draw winners",
            f"Draw {count} winner(s) at random from {d.eligible:,} eligible "
            f"entrants?{excluded} The draw and its seed are recorded in the audit log.",
            "Draw winners",
        ):
            return
        cid = d.contest.id
        self.draw_button.setEnabled(False)
        ops.run_op(
            self,
            lambda: self.api.draw(cid, count),
            self._drawn,
            lambda _e: self.draw_button.setEnabled(True),
            label="Drawing winners",
        )

    def _drawn(self, outcome: DrawOutcome) -> None:
        self.last_draw = outcome
        self._show_draw(outcome.draw, outcome.winners)
        self.say(f"{len(outcome.winners)} winner(s) drawn · seed {outcome.draw.seed}")
        self.open_selected()

    def import_codes(self) -> None:
        d = self.detail_data
        if d is None:
            return
        path = self.open_path("Import contest codes", "CSV files (*.csv);;Text files (*.txt)")
        if path is None:
            return
        cid = d.contest.id
        ops.run_op(
            self,
            lambda: self.api.import_codes(cid, path),
            lambda r: (
                self.say(f"Imported {r.added:,} codes ({r.duplicates:,} duplicates, {r.empty:,} empty)"),
                self.reload(),
            ),
            label="Importing codes",
        )
