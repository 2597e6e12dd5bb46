"""The Engagement window on the real engine: SQLite, real store/engine functions, the ingest path.

Votes and contest entries arrive the way customers send them: inbound messages stored by
``inbox.engine.ingest`` (which runs the engagement step and publishes change events). Every test
runs with the GUI-thread guard (tests/ui/conftest.py): setup that touches the database runs on a
helper thread, and the window may only read through ``ops.run_op``.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from inbox.core.engagement import PollOption, draw
from inbox.core.events import EventBus
from inbox.core.models import InboundMessage, OptOutSource, PollCursor
from inbox.engine import broadcasts as broadcast_engine
from inbox.engine import ingest
from inbox.engine.service import InboxService
from inbox.providers.base import InboundBatch
from inbox.store import broadcasts, channels, contacts, contests, lists, optouts, polls
from inbox.store.db import Database
from inbox.ui.bridge import EventBridge
from inbox.ui.engagement.window import EngagementWindow
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

OUR = "+15550001111"
WAIT = 5000
T = TypeVar("T")
_sids = itertools.count(1)


def _number(i: int) -> str:
    return f"+1415555{i:04d}"


@pytest.fixture
def channel_fields() -> dict[str, object]:
    return {"auth_token_ref": "keyring"}


@pytest.fixture
def db(channel_db: Database) -> Database:
    return channel_db


@pytest.fixture
def events() -> EventBus:
    return EventBus()


@pytest.fixture
def window(qtbot, db, events) -> Iterator[EngagementWindow]:
    bridge = EventBridge(events)
    win = EngagementWindow(InboxService(db, events, agent="Dana"), bridge)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    wait_ops(qtbot)
    yield win
    win.close()
    bridge.close()
    wait_ops(qtbot)


def text_in(db: Database, events: EventBus | None, texts: list[tuple[str, str]]) -> None:
    """Customers text us: stored by the real ingest path (the engagement step counts votes, entries)."""

    def run() -> None:
        with db.read() as s:
            channel = channels.by_name(s, "main")
        now = datetime.now(UTC).replace(microsecond=0)
        msgs = [InboundMessage(f"SM{next(_sids):032d}", n, OUR, body, now) for n, body in texts]
        ingest.ingest(db, channel, InboundBatch(msgs, PollCursor(now)), events)

    off_gui(run)


def _channel_id(db: Database) -> int:
    with db.read() as s:
        return channels.by_name(s, "main").id


# -- polls ---------------------------------------------------------------------------------------
def test_poll_results_update_live_close_and_export(qtbot, db, events, window, tmp_path) -> None:
    def make() -> int:
        with db.write() as s:
            poll = polls.create(
                s,
                channel_id=_channel_id(db),
                question="Lunch on Friday?",
                options=[PollOption("A", "Pizza", ("PIZZA",)), PollOption("B", "Burger", ("BURGER",))],
                opens_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        return poll.id

    poll_id = off_gui(make)
    text_in(
        db,
        events,
        [(_number(1), "A"), (_number(2), "pizza"), (_number(3), "a"), (_number(4), "B"), (_number(5), "maybe")],
    )  # "maybe" is not counted: not an option, left for an agent
    page = window.polls
    page.reload()
    qtbot.waitUntil(lambda: page.results is not None and page.results.poll.id == poll_id, timeout=WAIT)
    shares = {s.key: (s.votes, round(s.share, 2)) for s in page.bars.shares()}
    assert shares == {"A": (3, 0.75), "B": (1, 0.25)}
    assert page.votes_card.value.text() == "4"
    assert page.leader_card.value.text() == "Pizza"
    assert page.list.rows()[0].chip == "Open"

    # Live: two more votes arrive through the engine; the change events reload the results (debounced).
    before = page.live_reloads
    text_in(db, events, [(_number(6), "burger"), (_number(7), "B"), (_number(1), "B")])  # 1 already voted A
    qtbot.waitUntil(lambda: page.results is not None and page.results.total == 6, timeout=WAIT)
    assert {s.key: s.votes for s in page.bars.shares()} == {"A": 3, "B": 3}
    assert page.live_reloads == before + 1  # one burst of events, one reload
    assert page.leader_card.value.text() == "Tie"

    # Close from the UI (confirmed), and the engine stops counting.
    asked: list[str] = []
    page.confirm = lambda title, text, ok: asked.append(title) or True
    page.close_button.click()
    qtbot.waitUntil(lambda: page.state_chip.text() == "Closed", timeout=WAIT)
    assert asked == ["Close poll"]
    assert not page.close_button.isEnabled()
    assert off_gui(lambda: _closed_at(db, poll_id)) is not None
    text_in(db, events, [(_number(8), "A")])
    wait_ops(qtbot)
    assert off_gui(lambda: _total(db, poll_id)) == 6

    # Export CSV through the reports' writer, on the worker.
    target = tmp_path / "results.csv"
    page.save_path = lambda *_a: target
    page.export_csv.click()
    qtbot.waitUntil(target.exists, timeout=WAIT)
    with target.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["option", "label", "votes", "share"], ["A", "Pizza", "3", "0.5"], ["B", "Burger", "3", "0.5"]]


def test_an_open_poll_card_ticks_and_closes_on_time(qtbot, db, window) -> None:
    opened = datetime.now(UTC) - timedelta(minutes=1)

    def make() -> int:
        with db.write() as s:
            return polls.create(
                s, channel_id=_channel_id(db), question="Coffee or tea?",
                options=[PollOption("A", "Coffee"), PollOption("B", "Tea")],
                opens_at=opened, closes_at=opened + timedelta(hours=2),
            ).id  # fmt: skip

    poll_id = off_gui(make)
    page = window.polls
    page.reload()
    qtbot.waitUntil(lambda: page.results is not None and page.results.poll.id == poll_id, timeout=WAIT)
    assert page.window_card.value.text() == "Open" and page.window_card.sub.text().startswith("for 1 min")
    assert page.clock.isActive()
    page.now = lambda: opened + timedelta(minutes=25)
    page.clock.timeout.emit()  # the clock's tick: no reload, the same results redrawn
    assert page.window_card.sub.text().startswith("for 25 min")
    page.now = lambda: opened + timedelta(hours=2, minutes=1)
    page.clock.timeout.emit()
    assert page.window_card.value.text() == "Closed" and page.state_chip.text() == "Closed"
    assert page.list.rows()[0].chip == "Closed"  # the list's chip too, in place


def _closed_at(db: Database, poll_id: int):
    with db.read() as s:
        return polls.get(s, poll_id).closed_at


def _total(db: Database, poll_id: int) -> int:
    with db.read() as s:
        return polls.results(s, poll_id).total


def test_create_poll_dialog_refuses_then_creates(qtbot, db, window) -> None:
    page = window.polls
    page.new_poll()
    qtbot.waitUntil(lambda: getattr(page, "create_dialog", None) is not None, timeout=WAIT)
    dialog = page.create_dialog
    dialog.question.setText("Coming to the launch?")
    dialog.options.item(0, 0).setText("YES")
    dialog.options.item(1, 0).setText("STOP")
    dialog.submit()
    assert "compliance keyword" in dialog.error.text()
    dialog.options.item(1, 0).setText("NO")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(
        lambda: page.results is not None and page.results.poll.question == "Coming to the launch?", timeout=WAIT
    )
    assert [o.key for o in page.results.poll.options] == ["YES", "NO"]


# -- broadcasts ----------------------------------------------------------------------------------
def _subscribers(db: Database, n: int, opted_out: int) -> None:
    with db.write() as s:
        channel_id = channels.by_name(s, "main").id
        news = lists.create(s, "news")
        for i in range(n):
            cid = contacts.get_or_create(s, _number(100 + i))
            lists.set_state(s, news.id, cid, channel_id, lists.MEMBER, reason="test")
            if i < opted_out:
                optouts.record(
                    s,
                    cid,
                    channel_id,
                    opted_out=True,
                    at=datetime.now(UTC),
                    source=OptOutSource.KEYWORD,
                    keyword="STOP",
                )


def test_new_broadcast_preview_counts_recipients_and_excluded(qtbot, db, window) -> None:
    off_gui(lambda: _subscribers(db, 12, opted_out=3))
    page = window.broadcasts
    window.show_page("broadcasts")
    wait_ops(qtbot)
    assert not page.right.currentIndex()  # empty state: no broadcasts yet
    page.new_broadcast()
    qtbot.waitUntil(lambda: getattr(page, "new_dialog", None) is not None, timeout=WAIT)
    dialog = page.new_dialog
    dialog.transactional.setChecked(True)
    dialog.text.setPlainText("Your order is ready for pickup at Riverside.")
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.send_button.isEnabled(), timeout=WAIT)
    assert dialog.preview.recipients == 9 and dialog.preview.excluded == 3
    assert dialog.recipients_label.text() == "9 recipients"
    assert dialog.excluded_label.text().startswith("3 excluded")
    assert "1 segment · GSM-7" in dialog.segments_label.text()
    assert dialog.send_button.text() == "Send to 9"

    dialog.text.setPlainText("We’re open late tonight")  # the curly apostrophe forces UCS-2
    assert "UCS-2" in dialog.segments_label.text() and "’ forces Unicode" in dialog.segments_label.text()
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.send_button.isEnabled(), timeout=WAIT)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: page.stats is not None, timeout=WAIT)
    assert page.stats.broadcast.kind == broadcasts.TRANSACTIONAL
    assert page.stats.broadcast.body == "We’re open late tonight"


def test_cancel_broadcast_from_the_ui(qtbot, db, window) -> None:
    def make() -> int:
        _subscribers(db, 20, opted_out=2)
        channel_id = _channel_id(db)
        with db.write() as s:
            broadcasts.configure_sending(s, channel_id, rate_per_second=0.01)  # slow: nothing is due yet
        bc = broadcast_engine.create(
            db,
            channel_id=channel_id,
            list_name="news",
            body="Weekend sale!",
            created_by="Dana",
            kind=broadcasts.TRANSACTIONAL,
        )
        broadcast_engine.run_due(db)
        return bc.id

    bid = off_gui(make)
    page = window.broadcasts
    window.show_page("broadcasts")
    qtbot.waitUntil(lambda: page.stats is not None and page.stats.broadcast.id == bid, timeout=WAIT)
    assert page.status_chip.text() == "Sending"
    assert page.timer.isActive()  # progress refreshes every 2 s while it is active
    assert page.progress_text.text().startswith("0 of 18 sent")
    page.confirm = lambda *_a: True
    page.cancel_button.click()
    qtbot.waitUntil(
        lambda: page.stats is not None and page.stats.broadcast.status == broadcasts.CANCELLED, timeout=WAIT
    )
    assert page.status_chip.text() == "Cancelled"
    assert not page.cancel_button.isEnabled()
    assert "18 cancelled" in page.cards["failed"].sub.text()
    stats = off_gui(lambda: _stats(db, bid))
    assert stats.cancelled == 18 and stats.queued == 0
    qtbot.waitUntil(lambda: not page.timer.isActive(), timeout=WAIT)


def _stats(db: Database, bid: int):
    with db.read() as s:
        return broadcasts.stats(s, bid)


# -- contests ------------------------------------------------------------------------------------
def test_contest_draw_shows_winners_and_reproducible_seed(qtbot, db, events, window) -> None:
    def make() -> int:
        with db.write() as s:
            c = contests.create(
                s,
                channel_id=_channel_id(db),
                name="Festival tickets",
                keyword="TICKETS",
                opens_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        return c.id

    contest_id = off_gui(make)
    text_in(db, events, [(_number(i), "tickets") for i in range(6)])

    def opt_out() -> None:
        with db.write() as s:
            cid = contacts.get_or_create(s, _number(0))
            optouts.record(s, cid, _channel_id(db), opted_out=True, at=datetime.now(UTC), source=OptOutSource.KEYWORD)

    off_gui(opt_out)
    page = window.contests
    window.show_page("contests")
    qtbot.waitUntil(lambda: page.detail_data is not None, timeout=WAIT)
    assert page.entrants_card.value.text() == "6"
    assert page.eligible_card.value.text() == "5"
    assert "1 opted out" in page.eligible_card.sub.text()
    assert page.table.rowCount() == 6

    asked: list[str] = []
    page.ask_count = lambda eligible: 2
    page.confirm = lambda title, text, ok: asked.append(text) or True
    page.draw_button.click()
    qtbot.waitUntil(lambda: page.last_draw is not None, timeout=WAIT)
    assert "1 entrant(s) who opted out are excluded" in asked[0]
    result = page.last_draw.draw
    assert len(result.winners) == 2 and len(result.pool) == 5
    assert page.seed.text() == f"Seed  {result.seed}"
    assert page.winners.text().count("+1") == 2
    assert draw(result.pool, 2, result.seed) == result.winners  # an auditor re-runs it from the seed
    opted_out_id = off_gui(lambda: _contact_id(db, _number(0)))
    assert opted_out_id not in result.winners
    qtbot.waitUntil(lambda: sum(page.table.item(r, 3).text().startswith("Winner") for r in range(6)) == 2, timeout=WAIT)
    assert off_gui(lambda: _draw_count(db, contest_id)) == 1


def _contact_id(db: Database, number: str) -> int:
    with db.write() as s:
        return contacts.get_or_create(s, number)


def _draw_count(db: Database, contest_id: int) -> int:
    with db.read() as s:
        return len(contests.draws(s, contest_id))


# -- surveys, and the menu -----------------------------------------------------------------------
def test_surveys_page_shows_csat_row_first(qtbot, window) -> None:
    page = window.surveys
    window.show_page("surveys")
    qtbot.waitUntil(lambda: page.list.count() >= 1, timeout=WAIT)
    assert page.list.rows()[0].title == "Customer satisfaction (CSAT)"
    qtbot.waitUntil(lambda: page.name.text() == "Customer satisfaction", timeout=WAIT)
    assert page.cards[0].value.text() == "0"


def test_view_menu_and_shortcut_open_the_window(qtbot, db) -> None:
    from inbox.engine.service import InboxService
    from inbox.ui import shortcuts
    from inbox.ui.main_window import MainWindow

    assert any(b.action == "open_engagement" and b.keys == ("Ctrl+Shift+E",) for b in shortcuts.BINDINGS)
    win = MainWindow(InboxService(db, agent="Dana"), start=False)
    qtbot.addWidget(win)
    labels = [a.text() for a in win.menus["view"].actions()]
    assert "Engagement" in labels
    win.open_engagement()
    found = win.findChild(EngagementWindow)
    assert found is not None and found.isVisible()
    win.open_engagement()  # raises the same window, never a second one
    assert len(win.findChildren(EngagementWindow)) == 1
    wait_ops(qtbot)
    found.close()
    win.close()
    wait_ops(qtbot)


def test_import_codes_from_csv_then_a_code_enters(qtbot, db, events, window, tmp_path) -> None:
    def make() -> int:
        with db.write() as s:
            c = contests.create(
                s,
                channel_id=_channel_id(db),
                name="Pack codes",
                uses_codes=True,
                opens_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        return c.id

    off_gui(make)
    source = tmp_path / "codes.csv"
    source.write_text("code\nICE00001\nICE00002\nICE00002\n\nICE00003\n", encoding="utf-8")
    page = window.contests
    window.show_page("contests")
    qtbot.waitUntil(lambda: page.detail_data is not None, timeout=WAIT)
    assert page.import_button.isVisible()
    page.open_path = lambda *_a: source
    page.import_button.click()
    qtbot.waitUntil(lambda: page.codes_card.sub.text() == "of 3 imported", timeout=WAIT)
    assert window.status.text() == "Imported 3 codes (1 duplicates, 0 empty)"
    text_in(db, events, [(_number(50), "ice00002")])
    window.reload()
    qtbot.waitUntil(lambda: page.codes_card.value.text() == "1 used", timeout=WAIT)
    assert page.entrants_card.value.text() == "1"
