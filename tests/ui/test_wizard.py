"""First-run wizard: a real "Test connection" against the simulator, a channel saved without its token."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from inbox.engine import credentials, setup
from inbox.engine.service import InboxService
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store.db import Database
from inbox.ui.setup.wizard import SetupWizard, for_service
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

OUR = "+15550001111"


@pytest.fixture
def sim() -> Iterator[tuple[SimulatorServer, SimulatorConfig]]:
    config = SimulatorConfig(account_sid="AC" + secrets.token_hex(16), auth_token=secrets.token_hex(16), numbers=(OUR,))
    with SimulatorServer(config, host="127.0.0.1", port=0) as server:
        yield server, config


@pytest.fixture
def database(sqlite_db: Database) -> Database:
    return sqlite_db


def _wizard(qtbot, db: Database) -> SetupWizard:
    w = for_service(InboxService(db))
    qtbot.addWidget(w)
    w.form.set_keyring_available(False)  # as on this headless machine
    w.show()
    return w


def _fill(w: SetupWizard, sid: str, token: str, url: str, number: str = OUR) -> None:
    w.show_connect()
    w.form.sid.setText(sid)
    w.form.token.setText(token)
    w.form.number.setText(number)
    w.form.advanced_button.setChecked(True)
    w.form.base_url.setText(url)


def test_welcome_offers_connect_or_demo(qtbot, database):
    w = _wizard(qtbot, database)
    assert w.stack.currentWidget() is w.welcome
    assert w.connect_card.accessibleName() == "Connect your number"
    assert (
        "Twilio, Infobip, Sinch, ClickSend, Textlocal or SMS Gateway for Android"
        in w.connect_card.accessibleDescription()
    )
    w.demo_card.click()
    assert w.choice == "demo" and w.result() == SetupWizard.DialogCode.Accepted


def test_test_connection_reports_wrong_token_unreachable_host_and_success(qtbot, database, sim):
    server, config = sim
    w = _wizard(qtbot, database)
    _fill(w, config.account_sid, "wrong-token", server.url)
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result.text() == "Twilio rejected the credentials — check the account SID and auth token"
    assert w.form.result_role == "danger"

    w.form.base_url.setText("http://127.0.0.1:9")  # nothing listens on the discard port
    w.form.token.setText(config.auth_token)
    w.form.test_button.click()
    wait_ops(qtbot, timeout=10_000)
    assert w.form.result.text().startswith("Could not reach 127.0.0.1:9")

    w.form.base_url.setText(server.url)
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result.text().startswith("✓ Connected to 127.0.0.1"), w.form.result.text()
    assert w.form.result_role == "success"


def test_connect_saves_the_channel_but_never_the_token(qtbot, database, sim, monkeypatch):
    server, config = sim
    monkeypatch.delenv("INBOX_WIZ_TOKEN", raising=False)
    w = _wizard(qtbot, database)
    assert w.form.store_session.isChecked() and not w.form.store_keyring.isEnabled()
    assert w.form.keyring_note.isVisibleTo(w.form)
    _fill(w, config.account_sid, config.auth_token, server.url, number="(555) 000-1111")
    w.form.store_session.setChecked(True)
    w.form.env_var.setText("INBOX_WIZ_TOKEN")
    w.form.store_env.setChecked(True)
    w.connect_button.click()
    qtbot.waitUntil(lambda: w.choice == "channel", timeout=5000)
    ch = w.channel
    assert ch is not None and ch.number == OUR and ch.base_url == server.url
    assert (
        ch.auth_token_ref == "env:INBOX_WIZ_TOKEN" and credentials.resolve(ch.auth_token_ref, "") == config.auth_token
    )
    assert "INBOX_WIZ_TOKEN" not in os.environ  # works in this process; child processes never inherit it
    credentials.forget_in_process("INBOX_WIZ_TOKEN")
    assert off_gui(lambda: setup.has_channel(database))

    def dump() -> str:
        with database.read() as s:
            return repr(s.execute(text("SELECT * FROM channels")).all())

    assert config.auth_token not in off_gui(dump)


def test_invalid_number_is_explained_inline(qtbot, database, sim):
    server, config = sim
    w = _wizard(qtbot, database)
    _fill(w, config.account_sid, config.auth_token, server.url, number="12")
    w.connect_button.click()
    wait_ops(qtbot)
    assert w.choice is None
    assert w.form.result.text().startswith("The number is not valid")
    assert not off_gui(lambda: setup.has_channel(database))


def test_a_number_the_account_does_not_own_is_neither_tested_green_nor_saved(qtbot, database, sim):
    """The first hour: "12345" was accepted and "Test connection" showed ✓ for it."""
    server, config = sim
    w = _wizard(qtbot, database)
    _fill(w, config.account_sid, config.auth_token, server.url, number="12345")
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result_role == "danger" and "does not own the short code 12345" in w.form.result.text()
    w.connect_button.click()
    wait_ops(qtbot)
    assert w.choice is None and "does not own the short code 12345" in w.form.result.text()
    assert not off_gui(lambda: setup.has_channel(database))
    w.form.number.setText(OUR)
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result_role == "success" and "owns +1 555-000-1111" in w.form.result.text()


def test_every_control_has_an_accessible_name(qtbot, database):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    w = _wizard(qtbot, database)
    for widget in w.findChildren(QAbstractButton) + w.findChildren(QLineEdit):
        assert widget.accessibleName(), widget


def _rows_overlap(w: SetupWizard) -> list[str]:
    """Pairs of the form's visible widgets whose rectangles intersect, and widgets shorter than they
    need (a squeezed QFormLayout draws radio buttons over each other)."""
    from PySide6.QtCore import QPoint, QRect

    f = w.form
    widgets = [
        f.sid,
        f.token,
        f.number,
        f.name,
        f.store_keyring,
        f.keyring_note,
        f.store_session,
        f.store_env,
        f.env_var,
        f.advanced_button,
        f.base_url,
        f.base_url_hint,
        f.handles_stop,
        f.test_button,
        f.result,
    ]
    shown = [x for x in widgets if x.isVisible()]
    rect = {x: QRect(x.mapTo(f, QPoint(0, 0)), x.size()) for x in shown}
    problems = []
    for x in shown:
        need = x.heightForWidth(x.width()) if x.hasHeightForWidth() else x.minimumSizeHint().height()
        if x.height() < need:
            problems.append(f"{x.accessibleName()} is {x.height()} px tall, needs {need}")
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            if rect[a].intersects(rect[b]):
                problems.append(f"{a.accessibleName()} overlaps {b.accessibleName()}")
    return problems


def test_advanced_open_with_an_error_grows_or_scrolls_and_nothing_overlaps(qtbot, database):
    w = _wizard(qtbot, database)
    w.show_connect()
    before = w.height()
    w.form.advanced_button.setChecked(True)
    w.form.show_result("Twilio rejected the credentials — check the account SID and auth token", "danger")
    qtbot.waitUntil(lambda: w.height() > before)
    qtbot.wait(50)
    assert w.form.base_url.isVisible() and w.form.handles_stop.isVisible()
    assert _rows_overlap(w) == []
    # a short screen: the dialog at its minimum size scrolls instead of squeezing the rows
    w.resize(w.minimumSize())
    qtbot.wait(50)
    assert w.scroll.verticalScrollBar().maximum() > 0
    assert _rows_overlap(w) == []
    w.form.advanced_button.setChecked(False)
    qtbot.wait(50)
    assert not w.form.base_url.isVisible()
