"""Surveys and CSAT, read-only: response counts, one row per respondent, ratings per agent.

The list's first row is always "Customer satisfaction" (key ``CSAT_KEY``): the ratings asked after
a resolution, averaged per agent, which is what supervisors ask about first.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from inbox.core import phone
from inbox.engine.campaigns import Engagement, SurveysOverview
from inbox.engine.campaigns import survey_states as store
from inbox.ui import humanize
from inbox.ui.cards import Card
from inbox.ui.engagement.page import Page
from inbox.ui.engagement.parts import CardRow, Row, StatCard, fill_table, heading, set_chip, table

CSAT_KEY = -1
STATE_LABEL = {
    store.ACTIVE: "In progress",
    store.COMPLETED: "Completed",
    store.TIMED_OUT: "Timed out",
    store.STOPPED: "Stopped (STOP)",
}


def _when(dt) -> str:
    loc = humanize.local(dt)
    return f"{loc.day} {loc.strftime('%b')} {loc.strftime('%H:%M')}"


class SurveysPage(Page):
    def __init__(self, api: Engagement, parent: QWidget | None = None) -> None:
        super().__init__(api, "Surveys & CSAT", "Nothing to show yet.", parent)
        self.overview: SurveysOverview | None = None
        self._build_detail()

    def _build_detail(self) -> None:
        d = self.detail_layout
        head = heading(self.detail, 1)
        self.name, self.info = head.title, head.note
        (self.trigger_chip,) = head.chips
        d.addLayout(head.layout)
        self.cards = [StatCard(name, self.detail) for name in ("Respondents", "Completed", "Dropped")]
        d.addWidget(CardRow(list(self.cards), 170, self.detail))
        self.table_card = Card("Responses", self.detail)
        self.table = table(["Number"], self.table_card)
        self.table.setMinimumHeight(300)
        self.table_card.body.addWidget(self.table)
        d.addWidget(self.table_card, 1)

    # -- data --------------------------------------------------------------------------------------
    def _load_list(self) -> SurveysOverview:
        return self.api.surveys_overview()

    def _rows(self, items: object) -> list[Row]:
        assert isinstance(items, SurveysOverview)
        self.overview = items
        avg = f"{items.csat_average:.2f} / 5 average" if items.csat_average is not None else "no ratings yet"
        rows = [
            Row(
                CSAT_KEY,
                "Customer satisfaction (CSAT)",
                f"{items.csat_total:,} ratings  ·  {avg}",
                f"{items.csat_average:.1f} ★" if items.csat_average is not None else "",
                "open",
            )
        ]
        for s in items.surveys:
            sv = s.survey
            meta = f"{s.channel}  ·  {len(sv.questions)} questions  ·  {s.by_state.get(store.COMPLETED, 0):,} completed"
            rows.append(Row(sv.id, sv.name, meta, f"{s.responses:,}", ""))
        return rows

    def _load_detail(self, key: int) -> object:
        if key == CSAT_KEY:
            return CSAT_KEY
        return self.api.survey_responses(key)

    def _show(self, detail: object) -> None:
        if detail == CSAT_KEY:
            self._show_csat()
            return
        survey, responses = detail  # type: ignore[misc]
        if survey is None:
            return
        self.name.setText(survey.name)
        set_chip(
            self.trigger_chip,
            f"Starts with {survey.trigger_keyword}" if survey.trigger_keyword else "By invitation",
            "",
        )
        self.info.setText(
            f"{len(survey.questions)} questions · times out after {survey.timeout_seconds / 3600:g} h without an answer"
        )
        counts = {st: sum(1 for r in responses if r.state == st) for st in STATE_LABEL}
        total = len(responses)
        self.cards[0].title.setText("RESPONDENTS")
        self.cards[0].set(f"{total:,}", f"{counts[store.ACTIVE]:,} in progress")
        self.cards[1].title.setText("COMPLETED")
        rate = f"{counts[store.COMPLETED] / total:.0%} completion" if total else ""
        self.cards[1].set(f"{counts[store.COMPLETED]:,}", rate, "success" if counts[store.COMPLETED] else "")
        self.cards[2].title.setText("DROPPED")
        dropped = counts[store.TIMED_OUT] + counts[store.STOPPED]
        self.cards[2].set(
            f"{dropped:,}", f"{counts[store.TIMED_OUT]:,} timed out · {counts[store.STOPPED]:,} sent STOP"
        )
        self.table_card.title.setText("Responses")
        columns = ["Number", "State", "Started", *[q.text for q in survey.questions]]
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self._stretch(-1)
        rows = [
            (
                phone.display(r.phone),
                STATE_LABEL.get(r.state, r.state),
                _when(r.started_at),
                *[a or "—" for a in r.answers],
            )
            for r in responses
        ]
        fill_table(self.table, rows)

    def _stretch(self, column: int) -> None:
        """Survey answers take the spare width in the last column; agent names in the first."""
        from PySide6.QtWidgets import QHeaderView

        header = self.table.horizontalHeader()
        header.setStretchLastSection(column == -1)
        for c in range(self.table.columnCount()):
            mode = QHeaderView.ResizeMode.Stretch if c == column else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(c, mode)

    def _show_csat(self) -> None:
        o = self.overview
        if o is None:
            return
        self.name.setText("Customer satisfaction")
        set_chip(self.trigger_chip, "Asked after a conversation is resolved", "")
        self.info.setText("“Rate us 1–5” is texted after each resolution on channels where CSAT is on")
        self.cards[0].title.setText("RATINGS")
        self.cards[0].set(f"{o.csat_total:,}", f"from {len(o.csat)} agent(s)")
        self.cards[1].title.setText("AVERAGE")
        avg = o.csat_average
        self.cards[1].set(
            f"{avg:.2f}" if avg is not None else "—",
            "out of 5",
            "" if avg is None else ("success" if avg >= 4 else "warning" if avg >= 3 else "danger"),
        )
        self.cards[2].title.setText("BEST AGENT")
        best = o.csat[0] if o.csat else None
        self.cards[2].set(
            best.agent if best else "—", f"{best.average:.2f} over {best.responses} ratings" if best else ""
        )
        self.table_card.title.setText("Per agent")
        self.table.setColumnCount(3)
        self.table.setHorizontalHeaderLabels(["Agent", "Ratings", "Average"])
        self._stretch(0)
        fill_table(self.table, [(a.agent, a.responses, f"{a.average:.2f}") for a in o.csat], numeric={1, 2})
