"""The installation's secrets, never in the database: provider tokens (OS keyring or an environment
variable), header values of keyword lookups (keyring or variable) and the verification key.

Every keyring entry of the app lives under the one service `KEYRING_SERVICE`; the entry's user name
says what it is: an account SID (a provider token), a lookup's name, `VERIFICATION_KEY_USER`, or a
team database login (`database:LOGIN@HOST:PORT/DB`, kept by `store/logins.py`).
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import threading
from pathlib import Path

from inbox.store.logins import KEYRING_SERVICE  # one keyring service for the app's secrets

log = logging.getLogger(__name__)

# The HMAC key behind verification codes: this variable if set, else the keyring entry, else the file.
VERIFICATION_KEY_ENV = "INBOX_VERIFICATION_KEY"
VERIFICATION_KEY_USER = "verification-key"
VERIFICATION_KEY_FILE = "verification.key"
# Variables named so hold a token the person chose to keep for one session only (see engine.setup).
SESSION_VAR_PREFIX = "INBOX_TOKEN_"


class MissingCredentials(Exception):
    pass


# Tokens typed into this process and kept only here, by variable name: never written to os.environ,
# which every child process (a browser opening a link, a helper) would inherit.
_in_process: dict[str, str] = {}


def keep_in_process(var: str, token: str) -> None:
    """Hold `token` for the reference ``env:VAR`` until this process ends."""
    _in_process[var] = token


def forget_in_process(var: str) -> None:
    _in_process.pop(var, None)


def held(var: str) -> bool:
    """Whether ``env:VAR`` resolves now (held in this process, or set in the environment)."""
    return bool(_in_process.get(var) or os.environ.get(var))


def keyring_ref() -> str:
    return "keyring"


def env_ref(var: str) -> str:
    return f"env:{var}"


def store_in_keyring(account_sid: str, token: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, account_sid, token)
    except (KeyringError, RuntimeError) as exc:
        raise MissingCredentials(
            f"no usable OS keyring here ({exc}); pass --auth-token-env VAR to name an environment variable instead"
        ) from None


def resolve(ref: str, account_sid: str) -> str:
    """The token for a channel. Raises MissingCredentials with what to do about it."""
    if ref.startswith("env:"):
        var = ref[4:]
        value = _in_process.get(var) or os.environ.get(var)
        if not value and var.startswith(SESSION_VAR_PREFIX):
            raise MissingCredentials(
                "the auth token was kept for one desktop session only: enter it again (Inbox ▸ Enter auth token…)"
            )
        if not value:
            raise MissingCredentials(f"environment variable {var} (the auth token) is not set")
        return value
    if ref == "keyring":
        if account_sid == VERIFICATION_KEY_USER:
            # A lookup naming this entry would send the verification key to a web service.
            raise MissingCredentials(
                f"the keyring entry {VERIFICATION_KEY_USER!r} holds the verification key; "
                "keep the header value under another name"
            )
        import keyring
        from keyring.errors import KeyringError

        try:
            value = keyring.get_password(KEYRING_SERVICE, account_sid)
        except (KeyringError, RuntimeError) as exc:
            raise MissingCredentials(f"cannot read the OS keyring: {exc}") from None
        if not value:
            raise MissingCredentials("no auth token in the OS keyring for this account; run `inbox channel add` again")
        return value
    raise MissingCredentials(f"unknown credential reference {ref!r}")


# -- the verification key --------------------------------------------------------------------------
_key_lock = threading.Lock()
_cached_key: bytes | None = None


def verification_key(config_dir: Path | None = None) -> bytes:
    """The installation's HMAC key for verification codes: `VERIFICATION_KEY_ENV` if set, else the
    OS keyring entry (created on first use), else a 0600 file in the user config dir (created on
    first use). Every machine sharing a database must use the same key. `config_dir` (tests) skips
    the keyring and the cache."""
    global _cached_key
    from_env = os.environ.get(VERIFICATION_KEY_ENV)
    if from_env:
        return from_env.encode()
    with _key_lock:
        if _cached_key is not None and config_dir is None:
            return _cached_key
        value = _key_from_keyring() if config_dir is None else None
        if value is None:
            value = _key_from_file(config_dir)
        if config_dir is None:
            _cached_key = value
        return value


def forget_verification_key() -> None:
    """Read the key afresh at the next use (tests that switch keys)."""
    global _cached_key
    with _key_lock:
        _cached_key = None


def _key_from_keyring() -> bytes | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, VERIFICATION_KEY_USER)
        if not value:
            keyring.set_password(KEYRING_SERVICE, VERIFICATION_KEY_USER, secrets.token_hex(32))
            value = keyring.get_password(KEYRING_SERVICE, VERIFICATION_KEY_USER)
    except (KeyringError, RuntimeError) as exc:
        log.debug("no usable keyring for the verification key (%s); using the key file", type(exc).__name__)
        return None
    return value.encode() if value else None


def _key_from_file(config_dir: Path | None) -> bytes:
    from platformdirs import user_config_dir

    folder = config_dir or Path(user_config_dir("inbox", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / VERIFICATION_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            log.warning("verification key file was readable by others; restricting it to its owner")
            path.chmod(0o600)
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"the verification key file {path} is empty; delete it to make a new one")
    return value.encode()
