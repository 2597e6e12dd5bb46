"""A PostgreSQL team database of its own for one test: its name, its logins, psycopg as a login.

Roles are server-wide, so each test's database and role names carry a random suffix, and
`fresh_database` drops both afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.conftest import POSTGRES_URL


@dataclass
class TeamLogins:
    database: str
    suffix: str

    def login(self, who: str) -> str:
        return f"{who}_{self.suffix}"

    def url(self, who: str | None = None) -> str:
        """The URL `who` connects with (no password: this server trusts loopback); None: the owner."""
        from sqlalchemy.engine import make_url

        url = make_url(POSTGRES_URL).set(database=self.database)
        if who is not None:
            url = url.set(username=self.login(who), password=None)
        return url.render_as_string(hide_password=False)

    def sql(self, who: str | None):
        """A psycopg connection logged in as `who` (None: the owner), as any client with the URL could open."""
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.url(who))
        return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database)


@contextmanager
def fresh_database() -> Iterator[tuple[str, str]]:
    """(database, suffix): an empty database; it and every role named with the suffix go afterwards."""
    from sqlalchemy import create_engine, text

    if not POSTGRES_URL:
        pytest.skip("INBOX_TEST_POSTGRES_URL not set")
    suffix = uuid.uuid4().hex[:10]
    database = f"team_{suffix}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield database, suffix
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            roles = conn.scalars(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"%{suffix}%"})
            for role in sorted(roles, key=lambda r: r.startswith(f"g{suffix}")):  # logins before groups
                conn.execute(text(f'DROP ROLE "{role}"'))
        server.dispose()
