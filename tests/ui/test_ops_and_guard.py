"""The op helper delivers on the GUI thread, never swallows failures; the guard catches GUI I/O."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget
from sqlalchemy import create_engine, text

from inbox.ui import ops
from tests.ui.conftest import GuiThreadIO, on_gui_thread, wait_ops


def test_success_is_delivered_on_the_gui_thread(qtbot):
    seen = {}

    def work():
        seen["worker"] = threading.current_thread().name
        return 42

    ops.run_op(None, work, lambda r: seen.update(result=r, gui=on_gui_thread()))
    wait_ops(qtbot)
    assert seen["result"] == 42 and seen["gui"] is True
    assert seen["worker"].startswith("inbox-op")


def test_failure_reaches_callback_and_status_signal(qtbot):
    errors = []

    def boom():
        raise ValueError("database is locked")

    with qtbot.waitSignal(ops.dispatcher().failed) as sig:
        ops.run_op(None, boom, lambda _r: None, errors.append, label="Loading")
    wait_ops(qtbot)
    assert isinstance(errors[0], ValueError)
    assert sig.args[0] == "Loading failed: ValueError: database is locked"


def test_widget_closed_while_op_in_flight_is_safe(qtbot):
    gate = threading.Event()
    w = QWidget()
    called = []
    ops.run_op(w, lambda: gate.wait(2), called.append)
    w.deleteLater()
    qtbot.wait(20)
    gate.set()
    wait_ops(qtbot)
    assert called == []


def test_guard_catches_sql_on_the_gui_thread(gui_io_guard, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    gui_io_guard.expected = True
    with pytest.raises(GuiThreadIO), engine.connect() as conn:
        conn.execute(text("select 1"))
    assert gui_io_guard.violations
    engine.dispose()


def test_sql_through_an_op_is_allowed(qtbot, gui_io_guard, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")

    def query():
        with engine.connect() as conn:
            return conn.execute(text("select 7")).scalar()

    got = []
    ops.run_op(None, query, got.append)
    wait_ops(qtbot)
    assert got == [7] and not gui_io_guard.violations
    engine.dispose()


def test_guard_catches_http_on_the_gui_thread(gui_io_guard):
    import httpx

    gui_io_guard.expected = True
    transport = httpx.MockTransport(lambda req: httpx.Response(200))
    with pytest.raises(GuiThreadIO), httpx.Client(transport=transport) as client:
        client.get("http://127.0.0.1:9/")
    assert gui_io_guard.violations


def test_expected_failures_log_one_line_and_bugs_keep_their_traceback(qtbot, caplog):
    from inbox.engine.service import SendRefused

    def refused():
        raise SendRefused("Can't send: this customer opted out on 24 Nov (STOP)")

    def bug():
        raise TypeError("unsupported operand")

    with caplog.at_level("DEBUG", logger="inbox.ui.ops"):
        ops.run_op(None, refused, label="Sending")
        ops.run_op(None, bug, label="Loading")
        wait_ops(qtbot)
    shown = [r for r in caplog.records if r.name == "inbox.ui.ops" and r.levelno >= 30]
    assert [(r.levelname, r.exc_info is not None) for r in shown] == [("WARNING", False), ("ERROR", True)]
    assert shown[0].getMessage() == "Sending failed: SendRefused: Can't send: this customer opted out on 24 Nov (STOP)"
    assert any(r.levelname == "DEBUG" and r.exc_info for r in caplog.records)  # the traceback, with -vv
