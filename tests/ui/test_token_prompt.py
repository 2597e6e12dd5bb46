"""After a restart, a token kept "for this session only" is asked for, checked and used at once.

The real window on the real engine (simulator over loopback HTTP, SQLite, Runner), as in
test_real_engine.py; database work in setup and teardown runs off the GUI thread.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from inbox.core.events import EventBus
from inbox.engine import credentials, setup
from inbox.engine.runner import Runner
from inbox.engine.service import InboxService
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store.db import Database
from inbox.ui.main_window import MainWindow
from inbox.ui.setup.token_prompt import TokenPrompt
from tests.conftest import add_channel
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops

OUR = "+15550001111"
ALICE = "+14155550101"
WAIT = 10_000


@dataclass
class Restarted:
    window: MainWindow
    sim: SimulatorClient
    token: str
    var: str


@pytest.fixture
def restarted(request, qtbot, sqlite_db: Database, monkeypatch) -> Iterator[Restarted]:
    """The window after a restart; `request.param` more session-token channels of other accounts."""
    others = getattr(request, "param", 0)
    token = secrets.token_hex(16)
    config = SimulatorConfig(
        account_sid="AC" + secrets.token_hex(16), auth_token=token, numbers=(OUR,), delivery_delay=0.1, seed=3
    )
    var = setup.SESSION_VAR_PREFIX + config.account_sid[-8:].upper()
    monkeypatch.delenv(var, raising=False)  # a new process: the session's token is gone
    server = SimulatorServer(config, host="127.0.0.1", port=0).start()
    sim = SimulatorClient(server.url)
    events = EventBus()

    db = sqlite_db

    def build() -> Runner:
        with db.write() as s:
            add_channel(
                s,
                number=OUR,
                account_sid=config.account_sid,
                base_url=server.url,
                auth_token_ref=f"env:{var}",
                poll_interval_seconds=0.2,
            )
            for n in range(others):
                add_channel(
                    s,
                    name=f"other-{n}",
                    number=f"+1555000300{n}",
                    account_sid=f"AC{n + 1:032d}",
                    auth_token_ref=f"env:{setup.SESSION_VAR_PREFIX}OTHER{n}",
                )
        sim.text(ALICE, OUR, "Hello? Anyone?")  # waiting at the provider while the token is missing
        runner = Runner(db, events=events, poll_interval=0.2, send_interval=0.2, refresh_interval=60)
        runner.start()
        return runner

    runner = off_gui(build)
    window = MainWindow(InboxService(db, events, agent="Dana"))
    window.resize(1100, 700)
    window.show()
    window.list_pane.set_view("all")
    try:
        yield Restarted(window, sim, token, var)
    finally:
        window.close()
        wait_ops(qtbot, timeout=WAIT)

        def stop() -> None:
            runner.shutdown()
            server.stop()

        off_gui(stop)
        credentials.forget_in_process(var)


def _prompt(qtbot, w: MainWindow) -> TokenPrompt:
    qtbot.waitUntil(lambda: isinstance(w.token_prompt, TokenPrompt) and w.token_prompt.isVisible(), timeout=WAIT)
    assert isinstance(w.token_prompt, TokenPrompt)
    return w.token_prompt


def test_the_prompt_refuses_a_wrong_token_and_the_right_one_brings_the_messages(qtbot, restarted: Restarted):
    w = restarted.window
    prompt = _prompt(qtbot, w)
    assert prompt.channel.name == "main" and w.token_action.isVisible()
    assert w.list_pane.model.rowCount() == 0

    qtbot.mouseClick(prompt.connect_button, Qt.MouseButton.LeftButton)
    assert prompt.feedback.text() == "Enter the auth token" and prompt.isVisible()

    prompt.token.setText("not-the-token")
    qtbot.mouseClick(prompt.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prompt.connect_button.isEnabled(), timeout=WAIT)
    assert "credentials" in prompt.feedback.text() and prompt.isVisible()
    assert not credentials.held(restarted.var), "a refused token is not kept"

    prompt.token.setText(restarted.token)
    qtbot.keyClick(prompt.token, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=WAIT)
    assert prompt.result() == TokenPrompt.DialogCode.Accepted, "Enter connects; it never dismisses"
    assert credentials.resolve(f"env:{restarted.var}", "") == restarted.token
    assert restarted.var not in os.environ, "never in the environment that child processes inherit"
    # The customer who texted while the token was missing shows up without a restart or a wait.
    qtbot.waitUntil(lambda: w.list_pane.model.rowCount() == 1, timeout=WAIT)
    assert not w.token_action.isVisible()


def test_later_closes_the_prompt_and_the_menu_asks_again(qtbot, restarted: Restarted):
    w = restarted.window
    prompt = _prompt(qtbot, w)
    qtbot.mouseClick(prompt.later_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=WAIT)
    assert w.token_action.isVisible(), "Inbox ▸ Enter auth token… stays until the token is given"
    w.token_action.trigger()
    again = _prompt(qtbot, w)
    assert again is not prompt and again.channel.name == "main"
    again.reject()


@pytest.mark.parametrize("restarted", [1], indirect=True)
def test_later_moves_on_to_the_next_channel(qtbot, restarted: Restarted):
    w = restarted.window
    first = _prompt(qtbot, w)
    qtbot.mouseClick(first.later_button, Qt.MouseButton.LeftButton)
    second = _prompt(qtbot, w)
    assert {first.channel.name, second.channel.name} == {"main", "other-0"}
    second.reject()
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=WAIT)
    assert w.token_action.isVisible()
    w.token_action.trigger()  # the menu goes through both again
    again = _prompt(qtbot, w)
    assert again.channel.name == first.channel.name
    again.reject()
    assert _prompt(qtbot, w).channel.name == second.channel.name
    w.token_prompt.reject()
