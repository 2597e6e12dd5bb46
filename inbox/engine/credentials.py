"""Provider secrets: kept in the OS keyring or named by an environment variable, never in the database."""

from __future__ import annotations

import os

from inbox.store.logins import KEYRING_SERVICE  # one keyring service for the app's secrets

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
