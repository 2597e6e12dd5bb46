"""What every provider's engine tests share: a simulator speaking one dialect, a channel on it, an
agent's queued reply and the inbound texts stored. Each `<provider>_world` module keeps only the
provider's own numbers, credentials and channel fields."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.core.models import AuthorKind, Channel, MessageStatus
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import channels, contacts, conversations, messages
from inbox.store.models import MessageRow

HERE = Path(__file__).parent
HELP_TEXT = "Acme support: reply STOP to opt out."


@contextmanager
def simulator(
    dialect: str, account_sid: str, auth_token: str, numbers: Sequence[str], seed: int
) -> Iterator[tuple[SimulatorServer, SimulatorClient]]:
    """The simulator in `dialect`, receipts due after 50 ms, STOP left to Inbox (the provider's own
    opt-out handling off), and a client to play the customer's phone."""
    config = SimulatorConfig(
        account_sid=account_sid,
        auth_token=auth_token,
        numbers=tuple(numbers),
        delivery_delay=0.05,
        seed=seed,
        dialect=dialect,
        opt_out_handling=False,
    )
    with SimulatorServer(config) as server:
        yield server, SimulatorClient(server.url)


def add_channel(  # type: ignore[no-untyped-def]
    db,
    *,
    name: str,
    provider: str,
    number: str,
    account_sid: str,
    url: str,
    secret_env: str,
    poll_interval: float = 0.2,
) -> Channel:
    """A channel whose secret is read from `secret_env`; Inbox answers STOP and HELP on it."""
    with db.write() as s:
        return channels.add(
            s,
            name=name,
            provider=provider,
            number=number,
            account_sid=account_sid,
            base_url=url,
            auth_token_ref=f"env:{secret_env}",
            provider_handles_opt_out=False,
            help_text=HELP_TEXT,
            poll_interval_seconds=poll_interval,
        )


def queue(db, channel: Channel, body: str, to: str) -> int:  # type: ignore[no-untyped-def]
    """An agent's reply to `to` from the channel's number, queued as the composer does."""
    with db.write() as s:
        contact = contacts.get_or_create(s, to)
        conv = conversations.get_or_create(s, contact, channel.id, datetime.now(UTC))
        msg_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv,
            from_number=channel.number,
            to_number=to,
            body=body,
            author_kind=AuthorKind.AGENT,
            author="ana",
        )
    assert msg_id is not None
    return msg_id


def inbound(db) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The (provider id, body) of every inbound text stored, oldest first."""
    with db.read() as s:
        rows = s.execute(
            select(MessageRow.provider_message_id, MessageRow.body)
            .where(MessageRow.direction == "inbound")
            .order_by(MessageRow.id)
        )
        return [(p, b) for p, b in rows]


def daemon_args(db_url: str) -> list[str]:
    """`inbox daemon` polling every 0.2 s with 2 s leases: a dead daemon's work is taken quickly."""
    return ["daemon", "--db", db_url, "--poll-interval", "0.2", "--lease-seconds", "2"]


def kill_at(script: str, db_url: str, env: Mapping[str, str], log: Path | None = None) -> None:
    """Runs tests/faults/`script`, a real daemon that kills itself -9 at the point the script (and
    INBOX_CRASH_AT in `env`) chooses; fails, showing `log`, unless it died of SIGKILL."""
    out = open(log, "wb") if log is not None else subprocess.DEVNULL
    try:
        crashing = subprocess.Popen(
            [sys.executable, str(HERE / script), *daemon_args(db_url)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]
    code = crashing.wait(30)
    assert code == -signal.SIGKILL, log.read_text() if log is not None else code


@contextmanager
def daemon(db_url: str, env: Mapping[str, str]) -> Iterator[None]:
    """A real `python -m inbox daemon` for the duration of the block, then stopped with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "inbox", *daemon_args(db_url)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def fixtures(
    start: Callable[[], AbstractContextManager[tuple[SimulatorServer, SimulatorClient]]],
    add: Callable[..., Channel],
    secret: Mapping[str, str],
    *,
    names: tuple[str, str],
) -> tuple[object, object]:
    """A test module's two fixtures, named `names`: the simulator world `start` runs, and the
    channel `add` puts on it with its `secret` in the environment the engine reads it from.
    Use as `infobip, ib_channel = fixtures(simulator, add_channel, {KEY_ENV: KEY}, names=(...))`."""
    world_name, channel_name = names

    @pytest.fixture(name=world_name)
    def world() -> Iterator[tuple[SimulatorServer, SimulatorClient]]:
        with start() as running:
            yield running

    @pytest.fixture(name=channel_name)
    def channel(db, request, monkeypatch) -> Channel:  # type: ignore[no-untyped-def]
        for name, value in secret.items():
            monkeypatch.setenv(name, value)
        return add(db, request.getfixturevalue(world_name)[0].url)

    return world, channel


def status_after_receipt(db, runner, channel: Channel, message_id: int) -> MessageStatus:  # type: ignore[no-untyped-def]
    """A sent message's status once its receipt fell due (the simulator's 50 ms) and was pulled."""
    time.sleep(0.2)
    runner.outbox.refresh_statuses(channel)
    with db.read() as s:
        (row,) = messages.get_many(s, [message_id])
    return row.status
