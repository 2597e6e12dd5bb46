"""The connection test of an SMS Gateway for Android channel: one authenticated read of the
phone's inbox (GET /inbox?limit=1) proves the address, the user and the password without sending
anything. The sentences name what a person checks on the phone: is it on the same network, is the
app's Local Server started, are the user and password those it shows."""

from __future__ import annotations

from inbox.engine import connection_check

WORDING = connection_check.Wording(
    refused="The phone refused the request: {exc}",
    unreachable="Could not reach the phone at {host} — is it on this network, with the app's Local Server started?",
    unwell="The phone at {host} is not answering properly ({exc}); try again shortly",
    unexpected="Unexpected answer from the phone at {host}: {exc}",
)


class Refused(Exception):
    """The test failed; the message says why, for a person (setup raises it as ConnectionFailed)."""


def check_connection(user: str, password: str, ours: str, url: str | None) -> str:
    """`ours` and `url` are already checked by setup (E.164; the phone's address)."""
    from inbox.providers.android_gateway import AndroidGatewayProvider

    if not password:
        raise Refused("Enter the password the app's Local Server shows")
    if not url:
        raise Refused("Enter the phone's address (e.g. http://192.168.1.5:8080)")
    host = url.split("://", 1)[-1]
    provider = AndroidGatewayProvider(user.strip(), password, ours, url)
    connection_check.judged(provider.check, provider.close, host, Refused, WORDING)
    return f"Connected to the phone at {host} — SMS Gateway for Android answered (user {user.strip()})"
