"""What a person types to configure a channel: its API base URL and its HELP reply.

Why pure checks in core: the CLI, the first-run wizard, the settings dialog and the engine's
``setup.add_channel`` must refuse the same values with the same sentence, and none of them should
have to open a database to know that ``file:///etc/passwd`` is not a provider.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from inbox.core import segments


class InvalidChannelConfig(ValueError):
    """A channel setting that cannot be used; the message says what to change."""


LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str | None, default: str) -> str | None:
    """None for the provider's own API (empty or `default`), else the URL without a trailing slash.

    Only http(s) with a host: https anywhere, plain http only to this computer (the simulator);
    no user name or password in the URL (tokens live in the keyring), no query or fragment.
    """
    value = (url or "").strip().rstrip("/")
    if not value or value == default:
        return None
    refusal = InvalidChannelConfig(
        "The base URL must be an https:// address with a host name, like https://api.example.com "
        "(plain http only on this computer)"
    )
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise refusal
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise refusal from None
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise refusal
    if parts.query or parts.fragment:
        raise refusal
    if parts.scheme == "http" and not _is_loopback(host):
        raise refusal
    return value


def check_help_text(text: str, max_chars: int = segments.MAX_BODY_CHARS) -> str:
    """The HELP reply, stripped, if the provider will accept it as one message (Twilio: 1,600
    characters). Empty means "the default help text"."""
    value = (text or "").strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidChannelConfig(
            "The help text holds bytes that are not UTF-8: check your terminal's encoding"
        ) from None
    if len(value) > max_chars:
        info = segments.analyze(value)
        raise InvalidChannelConfig(
            f"The help text is {len(value):,} characters ({info.segments} {info.encoding} segments); "
            f"the provider accepts at most {max_chars:,} characters: shorten it"
        )
    return value
