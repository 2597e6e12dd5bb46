"""What a person setting up or looking at a channel should know about its provider, in one
sentence: shown by the channel settings and printed by the connection test. Plain text, no I/O
(the UI and the engine both read it)."""

from __future__ import annotations

TEXTLOCAL_TEMPLATES = (
    "Textlocal checks each text against your DLT templates registered with it and refuses what "
    "matches none; Inbox does not check templates for Textlocal channels."
)

PHONE_GATEWAY = (
    "Texts come and go through the phone's own SIM: keep the phone on, charged and on this network, "
    "with SMS Gateway's Local Server started. Inbox answers STOP; nothing here uses India DLT."
)

NOTES: dict[str, str] = {"textlocal": TEXTLOCAL_TEMPLATES, "android-gateway": PHONE_GATEWAY}


def note_for(provider: str) -> str:
    """The provider's note, "" when it has none."""
    return NOTES.get(provider, "")
