"""Who an agent is on a team database: the database login, never a typed name.

The refusal text lives here, below every front end, so the CLI, the desktop launcher and the store's
own check word it alike.
"""

from __future__ import annotations


def impersonation(login: str, name: str) -> str:
    """The one line that refuses acting as `name` on a connection logged in as `login`."""
    return (
        f"connected to the team database as {login}: acting as {name!r} is refused "
        f"(on a team database the agent is the database login; connect as {name} to act as them)"
    )
