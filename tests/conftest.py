"""Shared fixtures: a fresh database per test on SQLite and, when configured, on PostgreSQL; a
SQLite database holding one channel; a real provider simulator on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.setup_thread import off_gui

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

POSTGRES_URL = os.environ.get("INBOX_TEST_POSTGRES_URL")


def _postgres_schema_url() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    if not POSTGRES_URL:
        pytest.skip("INBOX_TEST_POSTGRES_URL not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # Search's pg_trgm, once for the database in its default schema, as an administrator would:
        # created by the first migration instead, it would live in (and be dropped with) one test's schema.
        # Test workers run side by side: one creates it, the others wait for it (IF NOT EXISTS alone races).
        conn.execute(text("SELECT pg_advisory_lock(72457)"))
        try:
            if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(72457)"))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database; store tests run once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'inbox.sqlite3'}"


@pytest.fixture
def db(db_url: str):
    """A migrated database on each backend."""
    from inbox.store.db import Database

    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str):
    """A migrated SQLite database, built and disposed on the set-up thread so GUI tests may use it."""
    from inbox.store.db import Database

    def build() -> Database:
        database = Database(sqlite_url)
        database.upgrade()
        return database

    database = off_gui(build)
    yield database
    off_gui(database.dispose)


@pytest.fixture
def channel_fields() -> dict[str, object]:
    """How ``channel_db``'s channel differs from the default one; a test module overrides this."""
    return {}


@pytest.fixture
def channel_db(sqlite_db, channel_fields: dict[str, object]):
    """``sqlite_db`` with one Twilio channel "main" on ``OUR_NUMBER``, added through the engine's
    door (``setup.add_channel``: validated, audited) on the set-up thread. No provider is behind it."""
    from inbox.engine import setup

    fields: dict[str, object] = dict(
        name="main", account_sid="AC" + "0" * 32, number=OUR_NUMBER, auth_token_ref="env:X"
    )
    fields.update(channel_fields)
    off_gui(lambda: setup.add_channel(sqlite_db, **fields))  # type: ignore[arg-type]
    return sqlite_db


# -- a real provider simulator on loopback ----------------------------------------------------------
OUR_NUMBER = "+15550001111"


@pytest.fixture
def sim_seed() -> int:
    """Seed of the simulator's random draws (faults, delivery outcomes); suites may override it."""
    return 7


@pytest.fixture
def sim_config(sim_seed: int):
    import secrets

    from inbox.simulator.server import SimulatorConfig

    return SimulatorConfig(
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        numbers=(OUR_NUMBER,),
        delivery_delay=0.05,
        seed=sim_seed,
    )


@pytest.fixture
def simulator(sim_config):
    from inbox.simulator.server import SimulatorServer

    with SimulatorServer(sim_config, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def sim(simulator):
    from inbox.simulator.client import SimulatorClient

    return SimulatorClient(simulator.url)


def add_channel(session, name: str = "main", number: str = OUR_NUMBER, **overrides):
    """A Twilio channel row for store-level tests that never reach a provider."""
    from inbox.store import channels

    fields = dict(
        name=name,
        provider="twilio",
        number=number,
        account_sid="AC" + "0" * 32,
        base_url=None,
        auth_token_ref="env:X",
        provider_handles_opt_out=True,
        help_text="",
    )
    fields.update(overrides)
    return channels.add(session, **fields)
