"""Fault tests drive real `inbox daemon` processes against a real simulator on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inbox.simulator.server import SimulatorConfig, SimulatorServer
from tests.conftest import OUR_NUMBER, add_channel

from .fake_twilio import TOKEN_ENV

HELP_TEXT = "Acme support: reply STOP to opt out."
# A channel's account id where the dialect's is not the simulator's: Textlocal's names the inbox it
# reads, the Android gateway's the app's user (the simulator's default); Infobip's the URL's host.
CHANNEL_ACCOUNT = {"textlocal": "100001", "android-gateway": "sms"}


@pytest.fixture
def sim_seed() -> int:
    return 11


@pytest.fixture
def dialect() -> str:
    """The provider the simulator plays and the channel speaks; a module parametrizes it to run its
    tests over several (`pytestmark = pytest.mark.parametrize("dialect", [...])`)."""
    return "twilio"


@pytest.fixture
def sim_config(sim_seed: int, dialect: str) -> SimulatorConfig:
    import secrets

    return SimulatorConfig(
        # Twilio's account SID, Sinch's service plan id, ClickSend's username; Infobip names none.
        account_sid={"twilio": "AC" + secrets.token_hex(16), "sinch": secrets.token_hex(16), "clicksend": "acme"}.get(
            dialect, ""
        ),
        auth_token=secrets.token_hex(16),
        numbers=(OUR_NUMBER,),
        delivery_delay=0.05,
        seed=sim_seed,
        dialect=dialect,
        opt_out_handling=dialect == "twilio",  # Infobip does not answer STOP itself, nor Sinch by default
    )


@pytest.fixture
def runner(db):
    """An engine on the test database, its provider pool the real one (whatever the channel names)."""
    from inbox.core.events import EventBus
    from inbox.engine.runner import Runner

    r = Runner(db, events=EventBus())
    yield r
    r.shutdown()


@pytest.fixture
def channel(db, simulator: SimulatorServer, sim_config: SimulatorConfig):
    """Our number on the simulator; Twilio answers exact STOP/HELP, Inbox the variants (and all of
    them on Infobip, which answers none)."""
    with db.write() as s:
        return add_channel(
            s,
            provider=sim_config.dialect,
            provider_handles_opt_out=sim_config.opt_out_handling,
            account_sid=sim_config.account_sid or CHANNEL_ACCOUNT.get(sim_config.dialect, "127.0.0.1"),
            base_url=simulator.url,
            auth_token_ref=f"env:{TOKEN_ENV}",
            help_text=HELP_TEXT,
            poll_interval_seconds=0.2,
        )


class Daemon:
    """One `python -m inbox daemon` process; its log goes to a file for post-mortems."""

    def __init__(self, db_url: str, token: str, log_dir: Path, *extra: str) -> None:
        self.args = [sys.executable, "-m", "inbox", "daemon", "--db", db_url, *extra]
        self.env = {**os.environ, TOKEN_ENV: token}
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Daemon:
        self.starts += 1
        log = open(self.log_dir / f"daemon-{id(self)}-{self.starts}.log", "wb")  # the child owns the file now
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def daemons(db_url: str, sim_config: SimulatorConfig, tmp_path: Path):
    """Factory of daemons on the test database; all are stopped at the end."""
    made: list[Daemon] = []

    def make(*extra: str) -> Daemon:
        d = Daemon(db_url, sim_config.auth_token, tmp_path, *extra)
        made.append(d)
        return d

    yield make
    for d in made:
        d.kill()


def leader_pid(db) -> int | None:  # type: ignore[no-untyped-def]
    """The pid of the daemon holding the inbox's unexpired lease, if any."""
    from datetime import UTC, datetime

    from inbox.store import leases

    with db.read() as s:
        lease = leases.current(s, "inbox")
    if lease is None or lease.expires_at <= datetime.now(UTC):
        return None
    return int(lease.holder.split(":")[1])


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
