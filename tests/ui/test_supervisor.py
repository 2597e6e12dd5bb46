"""The Supervisor view on the hand-built conversations of tests/store/report_seed.py (real SQLite).

The answers are the ones worked out in tests/store/test_metrics.py; here we check that the window
shows them (cards, charts, queue), that exports run on their own thread with progress and Cancel,
and that an agent is refused. The autouse GUI-thread guard fails any SQL on the GUI thread, so
seeding and checks that read the database run on a helper thread (``off_gui``).
"""

from __future__ import annotations

import csv
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import insert

from inbox.engine.service import InboxService
from inbox.reports import review, team
from inbox.store.agents import Role
from inbox.store.models import MessageRow
from inbox.ui.supervisor.export_dialog import ExportDialog
from inbox.ui.supervisor.formatting import duration, percent
from inbox.ui.supervisor.window import SupervisorWindow
from tests.setup_thread import off_gui
from tests.store.report_seed import DAY1, END, at, seed
from tests.ui.conftest import wait_ops

WAIT = 10_000


@pytest.fixture
def seeded(sqlite_db):
    return off_gui(lambda: seed(sqlite_db))


def _window(qtbot, db, actor: str = "admin") -> SupervisorWindow:
    win = SupervisorWindow(InboxService(db, agent=actor), tz=UTC, now=lambda: END)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    wait_ops(qtbot, WAIT)
    return win


def _seed_range(qtbot, win: SupervisorWindow) -> None:
    win.filters.set_custom_range(DAY1.date(), (END - timedelta(days=1)).date())
    wait_ops(qtbot, WAIT)


def test_durations_and_shares_read_like_people_talk() -> None:
    assert [duration(s) for s in (None, 45, 270, 900, 1140, 4320, 3600, 35 * 3600)] == [
        "—", "45 s", "4 m 30 s", "15 m", "19 m", "1 h 12 m", "1 h", "1 d 11 h",
    ]  # fmt: skip
    assert (percent(0.4), percent(0.8333), percent(None)) == ("40 %", "83.3 %", "—")


def test_cards_and_charts_show_the_hand_worked_answers(qtbot, sqlite_db, seeded) -> None:
    win = _window(qtbot, sqlite_db)
    _seed_range(qtbot, win)
    cards = {k: (c.value.text(), c.sub.text()) for k, c in win.cards.items()}
    assert cards["mo"][0] == "7" and cards["mt"] == ("5", "3 by agents · 2 automatic")
    assert cards["new"][0] == "3"
    assert cards["first"] == ("15 m", "p90 19 m · 2 answered")  # 600 s and 1200 s
    assert cards["response"] == ("20 m", "p90 28 m · 3 answers")  # 600, 1200, 1800 s
    assert cards["resolution"][0] == "2 h"
    assert cards["waiting"] == ("2", "oldest 1 d 11 h")  # B waits since 13:00 on day 1
    assert cards["automation"] == ("40 %", "1 by automation · 1 by keywords")  # what answered, not "by rules"
    assert cards["optouts"] == ("1", "1 opted back in")
    assert cards["delivery"] == ("50 %", "1 undelivered · 1 failed")
    assert cards["segments"][0] == "5"
    assert [win.failure_list.item(i).text() for i in range(win.failure_list.count())] == [
        "1×  30003 · Unreachable destination handset",
        "1×  30005 · Unknown destination handset",
    ]
    # Volume: one point per day, MO 5 then 2, MT 4 then 1.
    assert [(p.y()) for p in win.volume_chart.mo.points()] == [5, 2]
    assert [(p.y()) for p in win.volume_chart.mt.points()] == [4, 1]
    # Histogram: eight buckets; 600 s in 5–15 m, 1200 s in 15–30 m, 1800 s in 30–60 m (upper bounds exclusive).
    assert win.histogram_chart.counts() == [0, 0, 1, 1, 1, 0, 0, 0]
    # Per agent: alice 10 m, bob 20 m; one conversation each.
    assert win.agent_first_chart.series.barSets()[0].count() == 2
    # top to bottom in name order; every agent keeps a label
    assert win.agent_first_chart.chart().axes(Qt.Orientation.Vertical)[0].categories() == ["bob", "alice"]
    assert win.agent_first_chart.names() == ["alice", "bob"]
    assert win.agent_first_chart.values() == [10, 20]
    assert win.agent_handled_chart.values() == [1, 1]

    win.filters.select(win.filters.agent, "alice")
    wait_ops(qtbot, WAIT)
    assert (win.cards["mo"].value.text(), win.cards["first"].value.text()) == ("3", "10 m")
    win.filters.select(win.filters.channel, seeded.promo)
    wait_ops(qtbot, WAIT)
    assert win.cards["mo"].value.text() == "0"  # alice has nothing on promo


def test_review_queue_filters_open_read_only_and_take_notes(qtbot, sqlite_db, seeded) -> None:
    win = _window(qtbot, sqlite_db)
    _seed_range(qtbot, win)
    win.show_page(1)

    def shown() -> list[int]:
        return [it.conversation.id for it in win.queue_model.items]

    a, b, c = seeded.conv_a, seeded.conv_b, seeded.conv_c
    assert shown() == [b, c, a]  # longest wait first
    assert win.queue_model.text(0, 5) == "1 d 11 h" and win.queue_model.text(2, 4) == "billing"
    win.q_no_reply.setCurrentIndex(win.q_no_reply.findText("No reply within 4 h"))
    wait_ops(qtbot, WAIT)
    assert shown() == [b, c]
    win.q_no_reply.setCurrentIndex(0)
    win.q_status.setCurrentIndex(win.q_status.findText("Resolved"))
    wait_ops(qtbot, WAIT)
    assert shown() == [a]
    win.q_status.setCurrentIndex(0)
    win.q_opted_out.setCurrentIndex(win.q_opted_out.findText("Opted out"))
    wait_ops(qtbot, WAIT)
    assert shown() == []  # C opted back in with START
    assert win.queue_empty.isVisibleTo(win)
    win.q_opted_out.setCurrentIndex(0)
    win.filters.select(win.filters.label, "billing")
    wait_ops(qtbot, WAIT)
    assert shown() == [a]

    win.open_thread(0)
    wait_ops(qtbot, WAIT)
    reader = win.reader
    assert reader.conversation_id == a and reader.model.rowCount() == 6
    assert not reader.header.resolve_button.isVisibleTo(reader) and not hasattr(reader, "composer")
    reader.note_edit.setPlainText("Good tone, slow second answer")
    reader.add_note()
    wait_ops(qtbot, WAIT)
    notes = off_gui(lambda: review.notes(sqlite_db, "admin", a))
    assert [n.note for n in notes] == ["Good tone, slow second answer"]
    assert "Good tone" in reader.notes.item(0).text()
    assert win.queue_model.text(0, 7) == "1"  # the queue shows the review count
    win.q_reviewed.setCurrentIndex(win.q_reviewed.findText("Not reviewed"))
    wait_ops(qtbot, WAIT)
    assert shown() == []


def _wait_job(qtbot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(
        lambda: dialog.job is not None and not dialog.job.running and dialog.result is not None, timeout=WAIT
    )


def test_exports_run_with_progress_and_cancel_removes_the_file(qtbot, sqlite_db, seeded, tmp_path) -> None:
    def bulk() -> None:  # 12,000 more messages in conversation A: three progress batches of 5,000
        rows = [
            dict(conversation_id=seeded.conv_a, channel_id=seeded.main, direction="inbound", body=f"m{i}",
                 status="received", author_kind="customer", from_number="+15551230001", to_number="+15550001111",
                 created_at=at(DAY1, 14) + timedelta(seconds=i), updated_at=at(DAY1, 14))
            for i in range(12_000)
        ]  # fmt: skip
        with sqlite_db.write() as s:
            s.execute(insert(MessageRow), rows)

    off_gui(bulk)
    win = _window(qtbot, sqlite_db)
    _seed_range(qtbot, win)
    dialog = win.open_export()
    assert dialog is not None and dialog.kind.currentData() == "messages"
    out = tmp_path / "messages.csv"
    dialog.path.setText(str(out))
    dialog.start()
    _wait_job(qtbot, dialog)
    assert dialog.result.rows == 12_013 and not dialog.result.cancelled
    assert dialog.progress_seen[-1] == (12_013, 12_013) and len(dialog.progress_seen) >= 3
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 12_014
    assert dialog.show_button.isVisibleTo(dialog)
    opened: list[Path] = []
    dialog.open_folder = opened.append
    dialog.show_button.click()
    assert opened == [tmp_path]

    cancelled = tmp_path / "cancelled.csv"
    dialog.path.setText(str(cancelled))
    dialog.start()
    dialog.cancel()  # checked between batches of 5,000 rows
    _wait_job(qtbot, dialog)
    assert dialog.result.cancelled
    assert not cancelled.exists() and not Path(str(cancelled) + ".part").exists()
    assert "cancelled" in dialog.status.text()

    dialog.kind.setCurrentIndex(dialog.kind.findData("metrics"))
    metrics_out = tmp_path / "metrics.xlsx"
    dialog.path.setText(str(metrics_out))
    dialog.start()
    _wait_job(qtbot, dialog)
    assert metrics_out.exists() and dialog.result.fmt == "xlsx"
    dialog.close()

    win.show_page(1)
    win.open_thread(0)
    wait_ops(qtbot, WAIT)
    win.reader.pdf_button.click()
    pdf = win.export_dialog
    assert pdf is not None and pdf.kind.currentData() == "transcript"
    pdf.path.setText(str(tmp_path / "thread.pdf"))
    pdf.start()
    _wait_job(qtbot, pdf)
    assert (tmp_path / "thread.pdf").read_bytes()[:5] == b"%PDF-"
    pdf.close()


def test_an_agent_is_refused(qtbot, sqlite_db, seeded) -> None:
    def setup_team() -> None:
        team.add_agent(sqlite_db, "admin", "alice", Role.AGENT)
        team.add_agent(sqlite_db, "admin", "boss", Role.SUPERVISOR)

    off_gui(setup_team)
    win = _window(qtbot, sqlite_db, actor="alice")
    assert win.allowed is False and win.root.currentWidget() is win.denied
    assert win.denied_text.text().startswith("alice is signed in as an agent.")
    assert win.open_export() is None
    boss = _window(qtbot, sqlite_db, actor="boss")
    assert boss.allowed is True and boss.root.currentWidget() is boss.content


def test_view_menu_opens_the_supervisor_window(qtbot, sqlite_db, seeded) -> None:
    from inbox.ui.main_window import MainWindow

    main = MainWindow(InboxService(sqlite_db, agent="admin"))
    qtbot.addWidget(main)
    wait_ops(qtbot, WAIT)
    action = next(a for a in main.menus["view"].actions() if a.text() == "Supervisor")
    assert action.shortcut().toString() == "Ctrl+Shift+S"
    action.trigger()
    wait_ops(qtbot, WAIT)
    win = main.supervisor_window
    assert win.isVisible() and win.allowed is True  # no team defined yet: the local user is admin
    main.close()
    wait_ops(qtbot, WAIT)


def test_agent_bars_label_every_agent_even_long_or_alike_names(qtbot) -> None:
    from inbox.ui.supervisor.charts import AgentBarsChart

    chart = AgentBarsChart("Conversations handled per agent")
    qtbot.addWidget(chart)
    names = [f"Alexandra Montgomery-{n}" for n in range(3)] + ["Li", "", "demo-agent"]
    chart.set_values([(name, i) for i, name in enumerate(names)])
    labels = chart.chart().axes(Qt.Orientation.Vertical)[0].categories()
    assert len(labels) == len(set(labels)) == 6, labels  # equal elisions stay distinct categories
    assert "Li" in labels and "demo-agent" in labels and "—" in labels
    long = [label for label in labels if label.startswith("Alexandra")]
    assert len(long) == 3 and all("…" in label for label in long), long  # elided to fit beside the bars
    assert chart.values() == [0, 1, 2, 3, 4, 5]
    assert "Alexandra Montgomery-2: 2" in chart.toolTip()
