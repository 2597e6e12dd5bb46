"""Who an agent is and what their role allows; on a team database the agent is the database login,
never a typed name.

The refusal text lives here, below every front end, so the CLI, the desktop launcher and the store's
own check word it alike.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    AGENT = "agent"  # works the conversations assigned to them (and unassigned ones)
    SUPERVISOR = "supervisor"  # sees, reviews and exports every conversation
    ADMIN = "admin"  # everything a supervisor does, plus channels, rules, roles and retention


def impersonation(login: str, name: str) -> str:
    """The one line that refuses acting as `name` on a connection logged in as `login`."""
    return (
        f"connected to the team database as {login}: acting as {name!r} is refused "
        f"(on a team database the agent is the database login; connect as {name} to act as them)"
    )
