"""The local address of a phone running SMS Gateway for Android, as a person types it.

The app's local server speaks plain http on the phone's address in the office network
(http://192.168.1.5:8080): unlike a provider's API, plain http is allowed there, but only to this
computer, a private (RFC 1918 / unique local) or link-local address, or a `.local` name. Anything
else must be https. No user or password in the URL (they live in the keyring), no query.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from inbox.core.channel_config import InvalidChannelConfig

REFUSAL = (
    "The phone's address must look like http://192.168.1.5:8080 (the address the app's Local Server "
    "shows; plain http only on a private network) or an https:// address"
)


def on_local_network(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def check_phone_url(url: str | None) -> str:
    """The phone's base URL without a trailing slash; InvalidChannelConfig says what is wrong."""
    value = (url or "").strip().rstrip("/")
    if not value:
        raise InvalidChannelConfig("Enter the phone's address (--base-url, e.g. http://192.168.1.5:8080)")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise InvalidChannelConfig(REFUSAL)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise InvalidChannelConfig(REFUSAL) from None
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise InvalidChannelConfig(REFUSAL)
    if parts.query or parts.fragment or (parts.scheme == "http" and not on_local_network(host)):
        raise InvalidChannelConfig(REFUSAL)
    return value
