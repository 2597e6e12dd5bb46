"""The connection test of a Textlocal channel: get_inboxes proves the key and the address, and
that the inbox id given is one of the account's (with its number), without sending anything.

Textlocal's customers know their number, rarely the inbox id; a wrong or missing one is answered
with the inboxes the account has, so the person can pick."""

from __future__ import annotations

from inbox.core import provider_notes
from inbox.engine import connection_check

# Also shown by the channel settings for a Textlocal channel.
TEMPLATES_NOTE = provider_notes.TEXTLOCAL_TEMPLATES
WORDING = connection_check.Wording(refused="Textlocal refused the request: {exc}")


class Refused(Exception):
    """The test failed; the message says why, for a person (setup raises it as ConnectionFailed)."""


def _listing(boxes: list[dict[str, object]]) -> str:
    return ", ".join(f"{b.get('id')} (+{b.get('number')})" for b in boxes) or "none"


def check_connection(inbox_id: str, secret: str, ours: str, url: str | None) -> str:
    """`ours` and `url` are already checked by setup (E.164; a base URL or None)."""
    from inbox.providers.textlocal import DEFAULT_BASE_URL, TextlocalProvider

    if not secret:
        raise Refused("Enter the API key first")
    url = url or DEFAULT_BASE_URL
    host = url.split("://", 1)[-1]
    provider = TextlocalProvider(secret, inbox_id.strip(), ours, base_url=url)
    boxes = connection_check.judged(provider.check, provider.close, host, Refused, WORDING)
    box = next((b for b in boxes if str(b.get("id")) == inbox_id.strip()), None)
    if box is None:
        raise Refused(f"The account has no inbox {inbox_id.strip() or '(none given)'}; its inboxes: {_listing(boxes)}")
    if "+" + str(box.get("number")) != ours:
        raise Refused(
            f"Inbox {inbox_id.strip()} receives on +{box.get('number')}, not {ours}: give that inbox's number"
        )
    return f"Connected to {host} — Textlocal inbox {inbox_id.strip()} receives on {ours}. {TEMPLATES_NOTE}"
