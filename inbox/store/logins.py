"""Database logins: on a team database each agent connects as their own PostgreSQL login.

The team URL carries no password (it is shown, typed and printed in instructions); the password of
`postgresql://bob@host/team` lives in the OS keyring of bob's desktop, under the app's one keyring
service (the one the provider tokens use, see `inbox.engine.credentials`), saved by `inbox team
connect`. A connection with no password in its URL asks the keyring once per engine; when the
keyring has nothing (or there is no keyring), libpq's own PGPASSWORD and ~/.pgpass still apply.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url

KEYRING_SERVICE = "inbox"


class NoKeyring(Exception):
    """This desktop has no usable OS keyring; the message says what to use instead."""


def keyring_account(url: str | URL) -> str:
    """The keyring entry of one login on one server and database (never holds the password)."""
    parsed = make_url(url) if isinstance(url, str) else url
    return f"database:{parsed.username}@{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def saved_password(url: str | URL) -> str | None:
    """The password `inbox team connect` saved for this login, or None (no entry, no keyring)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, keyring_account(url))
        except (KeyringError, RuntimeError):
            return None
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None


def save_password(url: str | URL, password: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(url), password)
    except (KeyringError, RuntimeError) as exc:
        raise NoKeyring(
            f"no usable OS keyring on this desktop ({exc}): put the password in ~/.pgpass or PGPASSWORD instead"
        ) from None


def use_saved_password(engine: Engine, url: str) -> None:
    """Fill in the keyring's password when the URL names a login without one (looked up once)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.username or parsed.password is not None:
        return
    found: list[str | None] = []

    def fill(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if cparams.get("password") or os.environ.get("PGPASSWORD"):
            return
        if not found:
            found.append(saved_password(parsed))
        if found[0]:
            cparams["password"] = found[0]

    event.listen(engine, "do_connect", fill)
