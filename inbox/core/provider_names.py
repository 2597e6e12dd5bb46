"""How a provider's name is shown to a person: "ClickSend", not the "Clicksend" that `str.title()`
makes of the channel's `provider` value."""

from __future__ import annotations

# Providers whose own spelling is not the title case of their identifier.
SPELLED = {"clicksend": "ClickSend", "android-gateway": "SMS Gateway for Android"}


def display_name(provider: str) -> str:
    return SPELLED.get(provider, provider.title())
