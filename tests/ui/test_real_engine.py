"""The real window on the real engine: simulator over loopback HTTP, SQLite, Runner, InboxService.

Every test drives ``MainWindow`` offscreen with the GUI-thread guard active (tests/ui/conftest.py):
any SQL or HTTP from the GUI thread fails the test. Setup and teardown that touch the database run
on a helper thread for the same reason. The simulated customer (SimulatorClient, stdlib HTTP) is
the test acting as a phone, not the app.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt

from inbox.core.events import EventBus
from inbox.core.models import Direction, MessageStatus
from inbox.engine.runner import Runner
from inbox.engine.service import InboxService
from inbox.engine.verification import Verifier
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store.db import Database
from inbox.ui.main_window import MainWindow
from inbox.ui.thread.model import MessageRole
from tests.conftest import add_channel
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

OUR = "+15550001111"
ALICE = "+14155550101"
BOB = "+14155550102"
TOKEN_VAR = "INBOX_UI_TEST_TOKEN"
WAIT = 10_000  # ms: generous, real HTTP and a 0.2 s poll in between


@dataclass
class Engine:
    db: Database
    sim: SimulatorClient
    service: InboxService
    verifier: Verifier
    runner: Runner
    window: MainWindow
    channel_id: int


@pytest.fixture
def engine(qtbot, sqlite_db: Database, monkeypatch) -> Iterator[Engine]:
    token = secrets.token_hex(16)
    monkeypatch.setenv(TOKEN_VAR, token)
    monkeypatch.setenv("INBOX_VERIFICATION_KEY", "ui-test-" + secrets.token_hex(8))
    config = SimulatorConfig(
        account_sid="AC" + secrets.token_hex(16), auth_token=token, numbers=(OUR,), delivery_delay=0.1, seed=3
    )
    server = SimulatorServer(config, host="127.0.0.1", port=0).start()
    events = EventBus()

    db = sqlite_db

    def build() -> tuple[Runner, int]:
        with db.write() as s:
            ch = add_channel(
                s,
                number=OUR,
                account_sid=config.account_sid,
                base_url=server.url,
                auth_token_ref=f"env:{TOKEN_VAR}",
                help_text="Acme: reply STOP to opt out.",
                poll_interval_seconds=0.2,
            )
        runner = Runner(db, events=events, poll_interval=0.2, send_interval=0.2, refresh_interval=0.3)
        runner.start()
        return runner, ch.id

    runner, channel_id = off_gui(build)
    service = InboxService(db, events, agent="Dana", on_queued=runner.wake)
    verifier = Verifier(db, events)
    window = MainWindow(service, verifier=verifier)
    window.ask_purpose = lambda _parent: "refund over $100"
    window.resize(1280, 800)
    window.show()
    window.list_pane.set_view("all")
    wait_ops(qtbot)
    try:
        yield Engine(db, SimulatorClient(server.url), service, verifier, runner, window, channel_id)
    finally:
        window.close()
        wait_ops(qtbot, timeout=WAIT)

        def stop() -> None:
            runner.shutdown()
            server.stop()

        off_gui(stop)


def _row_of_phone(w: MainWindow, number: str) -> int:
    model = w.list_pane.model
    for row in range(model.rowCount()):
        s = model.summary(row)
        if s is not None and s.contact_phone == number:
            return row
    return -1


def _open(qtbot, w: MainWindow, number: str) -> int:
    """Wait for the number's row to appear, select it like a click, and wait for the thread."""
    qtbot.waitUntil(lambda: _row_of_phone(w, number) >= 0, timeout=WAIT)
    summary = w.list_pane.model.summary(_row_of_phone(w, number))
    assert summary is not None
    assert w.list_pane.select_id(summary.id)
    qtbot.waitUntil(
        lambda: w.thread_pane.conversation_id == summary.id and w.thread_pane.model.rowCount() > 0, timeout=WAIT
    )
    wait_ops(qtbot, timeout=WAIT)
    return summary.id


def _bodies(w: MainWindow) -> list[str]:
    model = w.thread_pane.model
    return [model.data(model.index(r)) for r in range(model.rowCount())]


def _phone_bodies(sim: SimulatorClient, number: str) -> list[str]:
    return [str(m.get("body") or "") for m in off_gui(lambda: sim.phone(number))]


def test_inbound_text_appears_in_the_list_without_a_click(qtbot, engine: Engine):
    w = engine.window
    assert _row_of_phone(w, ALICE) == -1
    engine.sim.text(ALICE, OUR, "Hi, where is my order #4411?")
    qtbot.waitUntil(lambda: _row_of_phone(w, ALICE) >= 0, timeout=WAIT)
    s = w.list_pane.model.summary(_row_of_phone(w, ALICE))
    assert s is not None and s.last_message_preview == "Hi, where is my order #4411?"
    assert s.unread_count == 1
    qtbot.waitUntil(lambda: "1 unread" in w.status.unread.text(), timeout=WAIT)


def test_reply_from_the_composer_is_delivered_and_marked(qtbot, engine: Engine):
    w = engine.window
    engine.sim.text(ALICE, OUR, "Can I change my delivery address?")
    _open(qtbot, w, ALICE)
    composer = w.thread_pane.composer
    composer.focus_editor()
    composer.set_text("Sure — reply with the new address.")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)  # Enter sends (the default)
    qtbot.waitUntil(lambda: "Sure — reply with the new address." in _phone_bodies(engine.sim, ALICE), timeout=WAIT)

    def delivered() -> bool:
        model = w.thread_pane.model
        last = model.data(model.index(model.rowCount() - 1), MessageRole)
        return last is not None and last.direction is Direction.OUTBOUND and last.status is MessageStatus.DELIVERED

    qtbot.waitUntil(delivered, timeout=WAIT)
    g = w.thread_pane.view.bubbles.geometry(w.thread_pane.model.index(w.thread_pane.model.rowCount() - 1))
    assert g is not None and g.mark == "check-check"
    assert composer.text() == ""


def test_customer_who_texts_stop_cannot_be_texted(qtbot, engine: Engine):
    w = engine.window
    engine.sim.text(BOB, OUR, "STOP")
    _open(qtbot, w, BOB)
    composer = w.thread_pane.composer
    qtbot.waitUntil(lambda: composer.blocked_reason is not None, timeout=WAIT)
    assert "opted out" in (composer.blocked_reason or "")
    assert not composer.edit.isEnabled()
    assert not composer.send_button.isEnabled()
    assert w.thread_pane.header.opted_out_chip.isVisibleTo(w.thread_pane.header)


def test_ctrl_k_search_finds_a_message_and_opens_it(qtbot, engine: Engine):
    w = engine.window
    engine.sim.text(ALICE, OUR, "The blender arrived broken")
    engine.sim.text(BOB, OUR, "Do you ship to Canada?")
    qtbot.waitUntil(lambda: _row_of_phone(w, ALICE) >= 0 and _row_of_phone(w, BOB) >= 0, timeout=WAIT)
    w.activateWindow()
    w.open_search()  # Ctrl+K
    dialog = w.search_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.edit, "blender")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: w.thread_pane.summary is not None and w.thread_pane.summary.contact_phone == ALICE, timeout=WAIT
    )
    qtbot.waitUntil(lambda: "The blender arrived broken" in _bodies(w), timeout=WAIT)
    assert not dialog.isVisible()


def test_resolve_with_e_moves_the_conversation_to_resolved(qtbot, engine: Engine):
    w = engine.window
    engine.sim.text(ALICE, OUR, "Thanks, all sorted!")
    w.show_view("open")  # Ctrl+3
    cid = _open(qtbot, w, ALICE)
    w.list_pane.view.setFocus()
    qtbot.keyClick(w.list_pane.view, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: w.list_pane.model.row_of(cid) < 0, timeout=WAIT)
    w.show_view("resolved")  # Ctrl+6
    qtbot.waitUntil(lambda: w.list_pane.model.row_of(cid) >= 0, timeout=WAIT)
    assert w.list_pane.filter_buttons["resolved"].isChecked()


def test_markup_from_a_customer_is_shown_literally(qtbot, engine: Engine):
    w = engine.window
    hostile = "<b>x</b><img src=x>"
    engine.sim.text(ALICE, OUR, hostile)
    _open(qtbot, w, ALICE)
    assert _bodies(w)[-1] == hostile
    g = w.thread_pane.view.bubbles.geometry(w.thread_pane.model.index(w.thread_pane.model.rowCount() - 1))
    assert g is not None and g.text.text() == hostile  # laid out as plain characters
    assert w.list_pane.model.summary(_row_of_phone(w, ALICE)).last_message_preview == hostile


def test_verify_identity_end_to_end(qtbot, engine: Engine):
    w = engine.window
    engine.sim.text(ALICE, OUR, "I need to change the card on my account")
    _open(qtbot, w, ALICE)
    header = w.thread_pane.header
    assert header.verify_button.isVisibleTo(header)
    assert w.contact_panel.verify_button is not None
    w.list_pane.view.setFocus()
    qtbot.keyClick(
        w.list_pane.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )  # purpose: fixture
    qtbot.waitUntil(
        lambda: header.verification_chip.text() == "Code sent" and header.verification_chip.isVisibleTo(header),
        timeout=WAIT,
    )

    def code_on_phone() -> str | None:
        for body in _phone_bodies(engine.sim, ALICE):
            found = re.search(r"verification code is (\d{4,10})", body)
            if found:
                return found.group(1)
        return None

    qtbot.waitUntil(lambda: code_on_phone() is not None, timeout=WAIT)
    code = code_on_phone()
    assert code is not None and code not in "".join(_bodies(w))  # agents only ever see the mask
    engine.sim.text(ALICE, OUR, code)
    qtbot.waitUntil(lambda: header.verification_chip.text() == "Verified", timeout=WAIT)
    assert header.verification_chip.toolTip().startswith("verified (")
    qtbot.waitUntil(lambda: (w.contact_panel.verification_text or "").startswith("verified"), timeout=WAIT)

    model = w.thread_pane.model
    from inbox.ui.thread.model import BadgeRole

    def badges() -> list[Any]:
        return [model.data(model.index(r), BadgeRole) for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: "Code matched" in badges(), timeout=WAIT)
    assert "Code sent" in badges()
    assert code not in "".join(_bodies(w))


def test_tab_walks_list_thread_composer_contact_panel(qtbot, engine: Engine):
    from PySide6.QtWidgets import QApplication

    w = engine.window
    engine.sim.text(ALICE, OUR, "Hello")
    _open(qtbot, w, ALICE)
    qtbot.waitUntil(lambda: w.contact_panel.verify_button is not None, timeout=WAIT)
    w.activateWindow()
    w.list_pane.view.setFocus()
    order = []
    for _ in range(16):
        focused = QApplication.focusWidget()
        order.append(focused.accessibleName() if focused is not None else "")
        w.focusNextChild()
    first = {
        name: order.index(name)
        for name in ("Conversations", "Messages", "Reply", "Contact details", "Verify identity", "Rename contact")
    }
    assert first["Conversations"] < first["Messages"] < first["Reply"] < first["Contact details"]
    assert first["Contact details"] < first["Rename contact"]
    assert all(order), order  # every stop has an accessible name


def test_setup_threads_are_not_the_gui_thread():
    """The helper that builds fixtures must really be another thread (else the guard is moot)."""
    assert off_gui(threading.current_thread) is not threading.main_thread()
