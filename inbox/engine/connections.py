"""One provider client per channel, created on first use and reused (keeps HTTP connections warm)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import entry_points

from inbox.core.models import Channel
from inbox.engine import credentials
from inbox.providers.base import Provider

ProviderFactory = Callable[[Channel, str], Provider]


def _twilio(channel: Channel, token: str) -> Provider:
    from inbox.providers.twilio import TwilioProvider

    kwargs = {"base_url": channel.base_url} if channel.base_url else {}
    return TwilioProvider(channel.account_sid, token, channel.number, **kwargs)


def _infobip(channel: Channel, api_key: str) -> Provider:
    from inbox.providers.infobip import DEFAULT_BASE_URL, InfobipProvider

    return InfobipProvider(api_key, channel.number, base_url=channel.base_url or DEFAULT_BASE_URL)


def _sinch(channel: Channel, api_token: str) -> Provider:
    from inbox.providers.sinch import SinchProvider

    # The service plan id is the channel's account; the base URL was set from --region at set-up.
    return SinchProvider(channel.account_sid, api_token, channel.number, base_url=channel.base_url)


def _clicksend(channel: Channel, api_key: str) -> Provider:
    from inbox.providers.clicksend import ClickSendProvider

    # The ClickSend username is the channel's account.
    return ClickSendProvider(channel.account_sid, api_key, channel.number, base_url=channel.base_url)


def _textlocal(channel: Channel, secret: str) -> Provider:
    from inbox.providers.textlocal import DEFAULT_BASE_URL, TextlocalProvider

    # A Textlocal channel's account id is the inbox id it reads (`--inbox-id`).
    return TextlocalProvider(secret, channel.account_sid, channel.number, base_url=channel.base_url or DEFAULT_BASE_URL)


def _android_gateway(channel: Channel, password: str) -> Provider:
    from inbox.providers.android_gateway import AndroidGatewayProvider

    # The phone's app: its user is the channel's account id, its local address the base URL.
    return AndroidGatewayProvider(channel.account_sid, password, channel.number, channel.base_url or "")


# Built in; a third party's adapter is found through the `inbox.providers` entry point group
# (docs/providers/README.md).
BUILTIN: dict[str, ProviderFactory] = {
    "twilio": _twilio,
    "infobip": _infobip,
    "sinch": _sinch,
    "clicksend": _clicksend,
    "textlocal": _textlocal,
    "android-gateway": _android_gateway,
}


def factory_for(name: str) -> ProviderFactory:
    if name in BUILTIN:
        return BUILTIN[name]
    for ep in entry_points(group="inbox.providers"):
        if ep.name == name:
            return ep.load()
    raise KeyError(f"no provider adapter named {name!r}")


class ProviderPool:
    def __init__(self, resolve_token: Callable[[Channel], str] | None = None) -> None:
        self._providers: dict[int, tuple[Channel, Provider]] = {}
        self._lock = threading.Lock()
        self._resolve = resolve_token or (lambda ch: credentials.resolve(ch.auth_token_ref, ch.account_sid))

    def get(self, channel: Channel) -> Provider:
        with self._lock:
            cached = self._providers.get(channel.id)
            if cached and cached[0] == channel:
                return cached[1]
            if cached:
                cached[1].close()
            provider = factory_for(channel.provider)(channel, self._resolve(channel))
            self._providers[channel.id] = (channel, provider)
            return provider

    def interrupt(self) -> None:
        """Ask every provider to stop a long read at its next step (those that can: `interrupt()`)."""
        with self._lock:
            providers = [provider for _, provider in self._providers.values()]
        for provider in providers:
            stop = getattr(provider, "interrupt", None)
            if callable(stop):
                stop()

    def close(self) -> None:
        with self._lock:
            for _, provider in self._providers.values():
                provider.close()
            self._providers.clear()
